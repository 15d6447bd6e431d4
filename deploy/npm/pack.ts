/**
 * Packs the `huedb` npm package (decision 0032): `huedb-<version>.tgz`, installable with
 * `npm install -g` or runnable with `npx`. Run through scripts/pack.sh (`make pack`), which builds
 * first; this file only packs what `tsc -b` left in each package's dist/.
 *
 * The workspace packages the single node needs (found by walking `@huedb/single-node`'s
 * `workspace:` dependencies) are bundled by esbuild, from their compiled dist/, into one module,
 * `dist/huedb.js`; their third-party dependencies, read from their package.json files, stay
 * imports and become the package's regular `dependencies`, which npm installs (building
 * hnswlib-node) on the user's machine. The files a package finds beside its code — migrations,
 * openapi.json, the HNSW worker — are shipped under `lib/<package>/`, where they sit relative to
 * the package's compiled modules in the checkout, and each bundled module's `import.meta.url`
 * is rewritten to its place in that tree, so `new URL('../../migrations/', import.meta.url)`
 * finds them unchanged.
 *
 * Usage: node --import tsx deploy/npm/pack.ts [--out DIR]   (prints the tarball's path)
 */
import { execFile } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  writeFile,
} from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';

/** The fields of a package.json this script reads or writes. */
export interface PackageManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  files?: string[];
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** A workspace package: its directory and manifest. */
export interface WorkspacePackage {
  dir: string;
  manifest: PackageManifest;
}

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The package whose compiled `dist/cli.js` is the command. */
const ENTRY = '@huedb/single-node';
/** The groups of workspace packages that can ship (test/ and bench/ never do). */
const GROUPS = ['packages', 'services'];
/** The bundle, relative to the package root; `lib/` holds the packages' other files. */
const BUNDLE = 'dist/huedb.js';
const LIB = 'lib';

function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/** Every workspace package under packages/ and services/, by name. */
export function workspacePackages(root = ROOT): Map<string, WorkspacePackage> {
  const byName = new Map<string, WorkspacePackage>();
  for (const group of GROUPS) {
    for (const name of readdirSync(path.join(root, group))) {
      const dir = path.join(root, group, name);
      if (!existsSync(path.join(dir, 'package.json'))) continue;
      const manifest = readManifest(dir);
      byName.set(manifest.name, { dir, manifest });
    }
  }
  return byName;
}

const isWorkspaceSpec = (spec: string) => spec.startsWith('workspace:');

/**
 * The entry and every workspace package it reaches through `dependencies` (dev dependencies
 * never ship), in a stable order.
 */
export function shippedPackages(
  all: Map<string, WorkspacePackage>,
  entry = ENTRY,
): WorkspacePackage[] {
  const seen = new Map<string, WorkspacePackage>();
  const visit = (name: string, from: string) => {
    if (seen.has(name)) return;
    const pkg = all.get(name);
    if (!pkg) throw new Error(`${from} depends on ${name}, which is not a workspace package`);
    seen.set(name, pkg);
    for (const [dep, spec] of Object.entries(pkg.manifest.dependencies ?? {})) {
      if (isWorkspaceSpec(spec)) visit(dep, name);
    }
  };
  visit(entry, 'the huedb package');
  return [...seen.values()].sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/**
 * The third-party dependencies of the shipped packages, merged: one spec per name (the workspace
 * pins exact versions). Two packages asking for different versions of one library cannot share
 * the package's single `dependencies` entry, so that is refused with both names.
 */
export function externalDependencies(
  shipped: WorkspacePackage[],
  field: 'dependencies' | 'optionalDependencies' | 'peerDependencies',
): Record<string, string> {
  const merged = new Map<string, { spec: string; from: string }>();
  for (const { manifest } of shipped) {
    for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
      if (isWorkspaceSpec(spec)) continue;
      // An optional peer (vitest, for a conformance suite's export) is the user's to bring.
      if (field === 'peerDependencies' && manifest.peerDependenciesMeta?.[name]?.optional) continue;
      const earlier = merged.get(name);
      if (earlier && earlier.spec !== spec) {
        throw new Error(
          `${field}: ${earlier.from} wants ${name}@${earlier.spec}, ${manifest.name} wants ` +
            `${name}@${spec}; the huedb package installs one version: pin the same in both`,
        );
      }
      merged.set(name, { spec, from: manifest.name });
    }
  }
  return sortedRecord([...merged.entries()].map(([name, { spec }]) => [name, spec]));
}

function sortedRecord(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** The package.json of the `huedb` package. */
export function huedbManifest(root: PackageManifest, shipped: WorkspacePackage[]) {
  const entry = shipped.find((p) => p.manifest.name === ENTRY)!.manifest;
  // One version for the product: `huedb --version` prints the single node's.
  if (root.version !== entry.version) {
    throw new Error(
      `package.json says ${root.version}, services/single-node/package.json ${entry.version}: ` +
        'the huedb package has one version; make them equal',
    );
  }
  // A shipped package's required peers are installed beside it: the package provides them.
  const dependencies = sortedRecord(
    Object.entries({
      ...externalDependencies(shipped, 'peerDependencies'),
      ...externalDependencies(shipped, 'dependencies'),
    }),
  );
  const optional = externalDependencies(shipped, 'optionalDependencies');
  return {
    name: 'huedb',
    version: entry.version,
    description: root.description,
    license: root.license,
    type: 'module',
    bin: { huedb: 'bin/huedb.mjs' },
    engines: root.engines,
    files: ['bin', 'dist', LIB, 'README.md'],
    dependencies,
    ...(Object.keys(optional).length > 0 ? { optionalDependencies: optional } : {}),
  };
}

/** The name of a bare import's package (`@scope/name` or `name`), or undefined for a path. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Leaves every third-party import to the runtime (npm installs it), and refuses one that no
 * shipped package declares: it resolves in the checkout only by accident and would be missing
 * for the user.
 */
function externalThirdParty(declared: Set<string>): Plugin {
  return {
    name: 'huedb-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const name = packageName(args.path)!;
        if (name.startsWith('@huedb/')) return undefined;
        if (!declared.has(name)) {
          return { errors: [{ text: `${name} is imported but no shipped package declares it` }] };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Gives each bundled module the `import.meta` of its place under `lib/<package>/`, so files it
 * finds relative to itself resolve there (the bundle is one file, one URL).
 */
function relocateImportMeta(shipped: WorkspacePackage[], packageDir: string): Plugin {
  const bundleDir = path.dirname(path.join(packageDir, BUNDLE));
  return {
    name: 'huedb-relocate-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.m?js$/ }, async (args) => {
        const owner = shipped.find((p) => args.path.startsWith(p.dir + path.sep));
        if (!owner) return undefined;
        const contents = await readFile(args.path, 'utf8');
        if (!contents.includes('import.meta.')) return undefined;
        const shippedAt = path.join(
          packageDir,
          LIB,
          shortName(owner),
          path.relative(owner.dir, args.path),
        );
        const url = `new URL(${JSON.stringify(path.relative(bundleDir, shippedAt))}, import.meta.url)`;
        const file = `process.getBuiltinModule('node:url').fileURLToPath(${url})`;
        const replaced = contents.replace(
          /\bimport\.meta\.(url|filename|dirname)\b/g,
          (_, field: string) =>
            field === 'url'
              ? `${url}.href`
              : field === 'filename'
                ? file
                : `process.getBuiltinModule('node:path').dirname(${file})`,
        );
        return { contents: replaced, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

const shortName = (pkg: WorkspacePackage) => pkg.manifest.name.replace(/^@[^/]+\//, '');

/** Bundles the entry's compiled CLI; returns the absolute paths of the modules it took in. */
async function bundle(
  shipped: WorkspacePackage[],
  declared: Set<string>,
  packageDir: string,
): Promise<Set<string>> {
  const entry = shipped.find((p) => p.manifest.name === ENTRY)!;
  const result = await build({
    entryPoints: [path.join(entry.dir, 'dist', 'cli.js')],
    outfile: path.join(packageDir, BUNDLE),
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // The compiled modules' own source maps are followed: stack traces name the TypeScript.
    sourcemap: 'linked',
    sourcesContent: false,
    // Hoisting renames clashing classes; NestJS and error names read `.name`.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [externalThirdParty(declared), relocateImportMeta(shipped, packageDir)],
  });
  await relocateSources(path.join(packageDir, `${BUNDLE}.map`), packageDir);
  return new Set(Object.keys(result.metafile.inputs).map((input) => path.resolve(ROOT, input)));
}

/**
 * The map's sources point from the staging directory into this checkout; they are made to read
 * as the repository's paths under the installed package (`<package>/services/gateway/src/…`), so
 * a stack trace names the TypeScript file and line a developer can look up.
 */
async function relocateSources(mapFile: string, packageDir: string): Promise<void> {
  const map = JSON.parse(await readFile(mapFile, 'utf8')) as { sources: string[] };
  const from = path.dirname(mapFile);
  map.sources = map.sources.map((source) =>
    path.relative(from, path.join(packageDir, path.relative(ROOT, path.resolve(from, source)))),
  );
  await writeFile(mapFile, JSON.stringify(map));
}

/**
 * One package's files (`pnpm pack`: its `files` whitelist), under `lib/<package>/`, without what
 * the bundle replaces: tsc's output (the modules the entry reaches are in the bundle, the others
 * are never loaded; declarations and maps serve no one) and the package's own command. What is
 * left is what the code finds by URL: data files and hand-written `.mjs` workers.
 */
async function stageFiles(
  pnpm: string,
  pkg: WorkspacePackage,
  bundled: Set<string>,
  stage: string,
  packageDir: string,
): Promise<void> {
  // Without a whitelist `pnpm pack` takes everything git does not ignore, and dist/ is ignored.
  if (!pkg.manifest.files) {
    throw new Error(`${pkg.manifest.name} ships in huedb: give its package.json a "files" list`);
  }
  if (!existsSync(path.join(pkg.dir, 'dist'))) {
    throw new Error(`${pkg.manifest.name} has no dist/: run \`make build\` first`);
  }
  const tarballs = path.join(stage, 'tarballs', shortName(pkg));
  await mkdir(tarballs, { recursive: true });
  const { stdout } = await run(pnpm, ['pack', '--json', '--pack-destination', tarballs], {
    cwd: pkg.dir,
  });
  const { filename } = JSON.parse(stdout) as { filename: string };
  const target = path.join(packageDir, LIB, shortName(pkg));
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', filename, '-C', target, '--strip-components=1']);
  const commands = new Set(Object.values(pkg.manifest.bin ?? {}).map((bin) => path.normalize(bin)));
  for (const entry of await readdir(target, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(target, file);
    if (
      bundled.has(path.join(pkg.dir, relative)) ||
      commands.has(relative) ||
      /\.(map|d\.[cm]?ts)$/.test(entry.name) ||
      compiledFromTypeScript(pkg, relative)
    ) {
      await rm(file);
    }
  }
  await removeEmptyDirs(target);
}

/** Whether `dist/x.js` is tsc's output of `src/x.ts` (not a file the build copied). */
function compiledFromTypeScript(pkg: WorkspacePackage, relative: string): boolean {
  const match = /^dist[/\\](.+)\.([cm]?)js$/.exec(relative);
  return !!match && existsSync(path.join(pkg.dir, 'src', `${match[1]}.${match[2]}ts`));
}

async function removeEmptyDirs(dir: string): Promise<boolean> {
  let empty = true;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !(await removeEmptyDirs(path.join(dir, entry.name)))) empty = false;
  }
  if (empty) await rm(dir, { recursive: true });
  return empty;
}

/** Packs the `huedb` package into `outDir`; returns the tarball's path. */
export async function packHuedb(outDir: string, pnpm: string): Promise<string> {
  const shipped = shippedPackages(workspacePackages());
  const manifest = huedbManifest(readManifest(ROOT), shipped);
  const declared = new Set([
    ...Object.keys(manifest.dependencies),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const stage = await mkdtemp(path.join(tmpdir(), 'huedb-pack-'));
  try {
    const dir = path.join(stage, 'package');
    const bundled = await bundle(shipped, declared, dir);
    await Promise.all(shipped.map((pkg) => stageFiles(pnpm, pkg, bundled, stage, dir)));
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(path.join(dir, 'bin'));
    await copyFile(path.join(import.meta.dirname, 'huedb.mjs'), path.join(dir, 'bin', 'huedb.mjs'));
    await chmod(path.join(dir, 'bin', 'huedb.mjs'), 0o755);
    await copyFile(path.join(import.meta.dirname, 'README.md'), path.join(dir, 'README.md'));
    const out = path.resolve(outDir);
    await mkdir(out, { recursive: true });
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', out],
      { cwd: dir },
    );
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    return path.join(out, filename);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
  const pnpm =
    process.env.PNPM ?? (await run(path.join(ROOT, 'scripts', 'ensure-pnpm.sh'))).stdout.trim();
  process.stdout.write(`${await packHuedb(values.out, pnpm)}\n`);
}
