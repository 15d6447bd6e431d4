/**
 * The log process: opens the Kafka WAL (creating the topic if needed and rebuilding tails from
 * it) and serves gRPC; on SIGTERM/SIGINT stops accepting calls, lets in-flight ones finish, then
 * closes the WAL (which finishes accepted appends first). Settings: docs/configuration.md.
 */
import { grpcTlsOf, runService } from '@huedb/service';
import { instrumentWal } from '@huedb/wal';
import { KafkaWal } from '@huedb/wal/kafka';
import { loadConfig } from './config.js';
import { startLogServer } from './log.server.js';
import { registerTailMetrics, walMetrics } from './wal-metrics.js';

await runService({
  name: 'log',
  load: loadConfig,
  async start(config, { log, onClose }) {
    const kafka = await KafkaWal.open({
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
        info: (message, fields) => log.info(fields ?? {}, message),
        warn: (message, err) => log.warn({ err }, message),
      },
    });
    onClose(() => kafka.close());
    const wal = instrumentWal(kafka, walMetrics());
    registerTailMetrics(wal);
    const server = await startLogServer(wal, config.listen, {
      onInternalError: (method, err) => log.error({ err, method }, `${method} failed`),
      tls: grpcTlsOf(config),
    });
    onClose(() => server.close());
    return `listening on ${config.listen.replace(/:\d+$/, `:${server.port}`)} (topic ${kafka.topic})`;
  },
});
