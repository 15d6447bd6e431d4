/**
 * Run as a child process by pglite-sql-driver.test.ts: opens the catalog in the directory given
 * as the first argument (new, started from the template tarball named by the third), creates the
 * tenant named by the second, says "committed" on stdout and waits to be killed — never closing,
 * as a crashed single-node process would not.
 */
import { readFile } from 'node:fs/promises';
import { openPGliteCatalog } from '../../src/index.js';

const [dir, tenant, template] = process.argv.slice(2);
if (!dir || !tenant || !template) throw new Error('usage: killed-writer.ts DIR TENANT TEMPLATE');
const catalog = await openPGliteCatalog(dir, { loadDataDir: new Blob([await readFile(template)]) });
await catalog.service.tenants.create({ name: tenant });
process.stdout.write('committed\n');
setInterval(() => undefined, 60_000);
