/**
 * The log process: reads the config, opens the Kafka WAL (creating the topic if needed and
 * rebuilding tails from it), serves gRPC until SIGTERM/SIGINT, then stops accepting calls, lets
 * in-flight ones finish, and closes the WAL (which finishes accepted appends first).
 * Run: HUEDB_KAFKA_BROKERS=host:port node --conditions=@huedb/source --import tsx src/main.ts
 */
import { KafkaWal } from '@huedb/wal/kafka';
import { loadConfig } from './config.js';
import { startLogServer } from './log.server.js';

const log = (message: string) => console.log(`[log] ${message}`);

async function main(): Promise<void> {
  const config = loadConfig();
  const wal = await KafkaWal.open({
    brokers: config.kafkaBrokers,
    topicPrefix: config.topicPrefix,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    minInsyncReplicas: config.minInsyncReplicas,
    servedPartitions: config.servedPartitions,
    maxTailRecords: config.maxTailRecords,
    maxTailBytes: config.maxTailBytes,
    maxBatchBytes: config.maxBatchBytes,
    appendTimeoutMs: config.appendTimeoutMs,
    pullTimeoutMs: config.pullTimeoutMs,
    logger: {
      info: (message) => log(message),
      warn: (message, err) =>
        console.warn(`[log] ${message}`, err instanceof Error ? err.message : (err ?? '')),
    },
  });
  const server = await startLogServer(wal, config.listen, {
    onInternalError: (method, err) =>
      console.error(`[log] ${method} failed:`, err instanceof Error ? err.stack : err),
  });
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  log(`listening on ${host}:${server.port} (topic ${wal.topic})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining calls`);
    void server
      .close()
      .then(() => wal.close())
      .then(
        () => {
          log('stopped');
          process.exit(0);
        },
        (err: unknown) => {
          console.error('[log] shutdown failed:', err);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('[log] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
