/**
 * What the Kafka WAL does while its broker is briefly unavailable: one writer appends in a loop
 * while the broker is stopped and started again by the commands you give, then every
 * acknowledged append is checked to be in the log exactly once (through the running instance and
 * a freshly opened one). Needs a broker you may stop — NOT a shared one.
 *
 *   eval "$(HUEDB_KAFKA_PORT=29092 HUEDB_KAFKA_CONTROLLER_PORT=29093 \
 *     deploy/local/kafka.sh start /tmp/outage-kafka)"   # prints HUEDB_KAFKA_BROKERS=...
 *   OUTAGE_STOP='deploy/local/kafka.sh stop /tmp/outage-kafka' \
 *   OUTAGE_START='HUEDB_KAFKA_PORT=29092 HUEDB_KAFKA_CONTROLLER_PORT=29093 deploy/local/kafka.sh start /tmp/outage-kafka' \
 *     node --conditions=@huedb/source --import tsx packages/wal/test/bench/broker-outage.ts
 *
 * Knobs (env): OUTAGE_DOWN_MS (how long the broker stays down, default 8000),
 * OUTAGE_APPEND_TIMEOUT_MS (the WAL's append deadline, default 15000).
 */
import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Operation } from '@huedb/proto/log';
import { WalError } from '@huedb/wal';
import { KafkaWal, type KafkaWalOptions } from '@huedb/wal/kafka';

const brokers = (process.env.HUEDB_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const stopCommand = process.env.OUTAGE_STOP;
const startCommand = process.env.OUTAGE_START;
if (brokers.length === 0 || !stopCommand || !startCommand) {
  throw new Error('set HUEDB_KAFKA_BROKERS, OUTAGE_STOP and OUTAGE_START (see the header)');
}
const downMs = Number(process.env.OUTAGE_DOWN_MS ?? 8000);
const appendTimeoutMs = Number(process.env.OUTAGE_APPEND_TIMEOUT_MS ?? 15000);

/** Runs a shell command without blocking the event loop (the appender's timers keep running). */
const run = (command: string) => promisify(exec)(command);

const t0 = performance.now();
const now = () => Math.round(performance.now() - t0);
const say = (message: string) => console.log(`[${String(now()).padStart(6)} ms] ${message}`);

const options: KafkaWalOptions = {
  brokers,
  topicPrefix: `outage_${Date.now().toString(36)}`,
  partitions: 2,
  appendTimeoutMs,
  logger: {
    info: say,
    warn: (m, e) => say(`WARN ${m}${e instanceof Error ? `: ${e.message}` : ''}`),
  },
};
const wal = await KafkaWal.open(options);
const collection = randomUUID();

interface Attempt {
  i: number;
  startMs: number;
  durationMs: number;
  outcome: string;
}
const attempts: Attempt[] = [];
const acked = new Map<string, bigint>();
let stop = false;
let brokerBackAt = Infinity;

const appender = (async () => {
  for (let i = 0; !stop; i++) {
    const startMs = now();
    const id = `r${i}`;
    try {
      const position = await wal.append(collection, [{ id, operation: Operation.DELETE }]);
      acked.set(id, position);
      attempts.push({ i, startMs, durationMs: now() - startMs, outcome: 'ok' });
    } catch (err) {
      const name = err instanceof WalError ? err.name : `unexpected ${String(err)}`;
      const written = (err as { written?: boolean }).written === false ? ', not written' : '';
      attempts.push({ i, startMs, durationMs: now() - startMs, outcome: `${name}${written}` });
    }
    const recent = attempts.slice(-20);
    if (
      recent.length === 20 &&
      recent.every((a) => a.outcome === 'ok' && a.startMs > brokerBackAt)
    ) {
      stop = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();

await new Promise((resolve) => setTimeout(resolve, 1000));
say('stopping the broker');
await run(stopCommand);
const stoppedAt = now();
say(`broker stopped; keeping it down for ${downMs} ms`);
await new Promise((resolve) => setTimeout(resolve, downMs));
say('starting the broker');
await run(startCommand);
brokerBackAt = now();
say('broker answers again');
const giveUp = setTimeout(() => (stop = true), 90_000);
await appender;
clearTimeout(giveUp);

const firstOkAfter = attempts.find(
  (a) => a.outcome === 'ok' && a.startMs + a.durationMs > brokerBackAt,
);
const failures = attempts.filter((a) => a.outcome !== 'ok');
const byOutcome = new Map<string, number>();
for (const a of attempts) byOutcome.set(a.outcome, (byOutcome.get(a.outcome) ?? 0) + 1);
say(`attempts: ${attempts.length}; outcomes: ${JSON.stringify(Object.fromEntries(byOutcome))}`);
say(
  `longest call: ${Math.max(...attempts.map((a) => a.durationMs))} ms (deadline ${appendTimeoutMs})`,
);
say(`first failure ${failures[0] ? failures[0].startMs - stoppedAt : '-'} ms after the stop`);
say(
  `first acknowledged append completed ${firstOkAfter ? firstOkAfter.startMs + firstOkAfter.durationMs - brokerBackAt : '-'} ms after the broker answered again`,
);

// Every acknowledged append is in the log exactly once, at its position, seen by both instances.
async function check(instance: KafkaWal, label: string) {
  const to = await instance.scout(collection);
  const batches = await instance.pull(collection, 0n, to);
  const seen = new Map<string, bigint[]>();
  for (const b of batches) {
    for (const r of b.records) seen.set(r.id, [...(seen.get(r.id) ?? []), b.logPosition]);
  }
  const missing = [...acked.keys()].filter((id) => !seen.has(id));
  const wrongPlace = [...acked].filter(([id, p]) => !seen.get(id)?.includes(p));
  const duplicated = [...seen].filter(([, ps]) => ps.length > 1).map(([id]) => id);
  const unackedButWritten = [...seen.keys()].filter((id) => !acked.has(id));
  say(
    `${label}: ${batches.length} batches; acknowledged ${acked.size}, missing ${missing.length}, ` +
      `at a wrong position ${wrongPlace.length}, duplicated ${duplicated.length}; ` +
      `failed-but-written (ambiguous outcomes) ${unackedButWritten.length}`,
  );
  return missing.length + wrongPlace.length + duplicated.length;
}
let problems = await check(wal, 'running instance');
const started = now();
const fresh = await KafkaWal.open(options);
say(`a new instance opened (recovery) in ${now() - started} ms`);
problems += await check(fresh, 'new instance');
await fresh.close();
await wal.close();
say(problems === 0 ? 'OK: nothing acknowledged was lost or duplicated' : 'FAILED');
process.exit(problems === 0 ? 0 : 1);
