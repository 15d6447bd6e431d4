import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './providers/local.js';
import { freePort } from './ports.js';
import { parseKeyValueLines } from './infra.js';
import { uniqueName } from './names.js';

const run = promisify(execFile);
const START_DEADLINE_MS = 120_000;
/** image.sh's cold run (base rootfs, toolchain, install, compile) takes minutes; warm, seconds. */
const BUILD_TIMEOUT_MS = 40 * 60_000;

/** The private engine and the image built in it (deploy/docker/image.sh's output). */
export interface BuiltImage {
  /** Environment for the docker CLI: DOCKER_HOST of the private engine, never the process's own. */
  env: NodeJS.ProcessEnv;
  docker: string;
  tag: string;
  id: string;
}

let built: Promise<BuiltImage> | undefined;

/**
 * Ensures the private engine runs and HueDB's image is current (image.sh rebuilds from cached
 * layers when the tree changed). The engine's socket is handed to the docker children only:
 * DOCKER_HOST in this process would switch every other project's infrastructure to testcontainers.
 */
export function ensureImage(): Promise<BuiltImage> {
  built ??= run('bash', [path.join(REPO_ROOT, 'deploy', 'docker', 'image.sh')], {
    cwd: REPO_ROOT,
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  }).then(({ stdout }) => {
    const vars = parseKeyValueLines(stdout);
    const need = (name: string): string => {
      const value = vars[name];
      if (!value) throw new Error(`deploy/docker/image.sh printed no ${name}:\n${stdout}`);
      return value;
    };
    return {
      env: { ...process.env, DOCKER_HOST: need('DOCKER_HOST') },
      docker: need('HUEDB_DOCKER'),
      tag: need('HUEDB_IMAGE'),
      id: need('HUEDB_IMAGE_ID'),
    };
  });
  return built;
}

/** Runs the docker CLI against the private engine; resolves with its stdout (trimmed). */
export async function docker(
  image: BuiltImage,
  args: string[],
  timeoutMs = 120_000,
): Promise<string> {
  const { stdout } = await run(image.docker, args, {
    env: image.env,
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/**
 * Single-node HueDB as the image runs it: `docker run` with a read-only root filesystem, /tmp a
 * tmpfs, the data in a named volume, the API published on a free loopback port. Stopping it is
 * `docker stop` (SIGTERM to tini, then SIGKILL after the grace period); starting it again keeps the
 * volume and the port.
 */
export class ImageContainer {
  private constructor(
    readonly image: BuiltImage,
    readonly name: string,
    readonly volume: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async start(
    options: { env?: Record<string, string>; image?: BuiltImage } = {},
  ): Promise<ImageContainer> {
    const image = options.image ?? (await ensureImage());
    const name = uniqueName('huedb-image');
    const container = new ImageContainer(image, name, name, await freePort(), options.env ?? {});
    await docker(image, ['volume', 'create', container.volume]);
    await container.launch();
    return container;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `docker inspect` of the container, one Go template. */
  inspect(format: string): Promise<string> {
    return docker(this.image, ['inspect', '--format', format, this.name]);
  }

  /** `docker stop -t grace`: resolves when the container has exited. */
  async stop(graceSeconds = 30): Promise<void> {
    await docker(
      this.image,
      ['stop', '--time', String(graceSeconds), this.name],
      (graceSeconds + 30) * 1000,
    );
  }

  /** Starts the stopped container again (same volume, same port); resolves when it serves. */
  async restart(): Promise<void> {
    await docker(this.image, ['start', this.name]);
    await this.waitReady();
  }

  /** Removes the container and its volume. */
  async remove(): Promise<void> {
    await docker(this.image, ['rm', '--force', '--volumes', this.name]).catch(() => '');
    await docker(this.image, ['volume', 'rm', '--force', this.volume]).catch(() => '');
  }

  logs(): Promise<string> {
    return run(this.image.docker, ['logs', '--tail', '40', this.name], {
      env: this.image.env,
    }).then(
      ({ stdout, stderr }) => stdout + stderr,
      (err: unknown) => String(err),
    );
  }

  private async launch(): Promise<void> {
    const envArgs = Object.entries({ HUEDB_ALLOW_RESET: 'true', ...this.env }).flatMap(
      ([key, value]) => ['--env', `${key}=${value}`],
    );
    await docker(this.image, [
      'run',
      '--detach',
      '--name',
      this.name,
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--volume',
      `${this.volume}:/data`,
      '--publish',
      `127.0.0.1:${this.port}:8000`,
      // A fast first probe, so a test waiting for `healthy` waits seconds, not the image's 10 s.
      '--health-interval',
      '2s',
      '--health-start-period',
      '60s',
      ...envArgs,
      this.image.id,
    ]);
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      const ok = await fetch(`${this.url}/api/v2/healthcheck`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      const state = await this.inspect('{{.State.Status}}').catch(() => 'unknown');
      if (state === 'exited' || state === 'dead' || Date.now() > deadline) {
        throw new Error(
          `container ${this.name} ${state === 'running' ? 'did not become ready in time' : state}:\n${await this.logs()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
