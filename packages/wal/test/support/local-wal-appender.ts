/**
 * A process that appends to a local WAL until it is killed, for the kill -9 test
 * (local-wal.test.ts). It prints one line per ACKNOWLEDGED append, `<seq> <position>`, only after
 * the append resolved — stdout to a pipe is synchronous on Linux, so a printed line has reached
 * the pipe before the next step can be killed.
 *
 *   node --conditions=@huedb/source --import tsx test/support/local-wal-appender.ts <dir> \
 *     <segmentBytes> <concurrency>
 *
 * Batch `seq` goes to collection `appenderCollection(seq)` and holds `appenderRecords(seq)`.
 */
import { LocalWal } from '@huedb/wal/local';
import { appenderCollection, appenderRecords } from './local-wal-appender-data.js';

const [dir, segmentBytes, concurrency] = process.argv.slice(2);
if (!dir) throw new Error('usage: local-wal-appender.ts <dir> [segmentBytes] [concurrency]');

const wal = await LocalWal.open({
  dir,
  segmentBytes: Number(segmentBytes ?? 256 * 1024),
  logger: { info: () => {}, warn: (message) => process.stderr.write(`${message}\n`) },
});
let next = 0;
async function worker(): Promise<never> {
  for (;;) {
    const seq = next++;
    const position = await wal.append(appenderCollection(seq), appenderRecords(seq));
    process.stdout.write(`${seq} ${position}\n`);
  }
}
await Promise.all(Array.from({ length: Number(concurrency ?? 4) }, () => worker()));
