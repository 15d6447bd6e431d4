import { ConfigResourceTypes } from '@platformatic/kafka';
import { pause } from './deadline.js';
import { WalArgumentError, WalClosedError, WalError, WalUnavailableError } from './errors.js';
import type { KafkaBroker } from './kafka-broker.js';
import { describeError, isKafkaError } from './kafka-errors.js';
import type { ResolvedKafkaWalOptions } from './kafka-wal.options.js';
import type { WalLogger } from './wal.js';

/** Room above the largest batch in the `max.message.bytes` of a topic this instance creates. */
const ENVELOPE_BYTES = 1024 * 1024;
/** What a record batch needs beyond its messages' values, at most (headers, keys, framing). */
const RECORD_BATCH_OVERHEAD_BYTES = 64 * 1024;

/**
 * Provisions the WAL topic: creates it if it is missing (never expiring anything: only the log
 * truncates), checks that an existing one has the configured partition count, and waits until
 * every partition has a leader. Returns the largest batch the topic accepts, which is less than
 * `maxBatchBytes` when a topic created earlier (or by someone else) takes smaller messages. Gives
 * up with WalClosedError once the WAL is closed (`stop.closed()`; `stop.signal` ends a pause).
 */
export async function provisionTopic(
  broker: KafkaBroker,
  options: ResolvedKafkaWalOptions,
  logger: WalLogger,
  stop: { closed(): boolean; signal: AbortSignal },
): Promise<number> {
  const { admin, topic } = broker;
  try {
    await admin.createTopics({
      topics: [topic],
      partitions: options.partitions,
      replicas: options.replicationFactor,
      configs: [
        // Never lose uncompacted data: nothing expires; only the log itself truncates.
        { name: 'retention.ms', value: '-1' },
        { name: 'retention.bytes', value: '-1' },
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'min.insync.replicas', value: String(options.minInsyncReplicas) },
        { name: 'unclean.leader.election.enable', value: 'false' },
        { name: 'max.message.bytes', value: String(options.maxBatchBytes + ENVELOPE_BYTES) },
        { name: 'message.timestamp.type', value: 'CreateTime' },
      ],
    });
    logger.info(
      `created topic ${topic} (${options.partitions} partitions, replication ` +
        `${options.replicationFactor}, min.insync.replicas ${options.minInsyncReplicas})`,
    );
  } catch (err) {
    if (!isKafkaError(err, 'TOPIC_ALREADY_EXISTS')) {
      throw new WalUnavailableError(`creating topic ${topic} failed: ${describeError(err)}`, {
        cause: err,
      });
    }
  }
  const maxBatchBytes = await fitBatchesToTopic(broker, options.maxBatchBytes, logger);
  let lastProblem = '';
  for (let attempt = 0; !stop.closed(); attempt++) {
    try {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
      const found = metadata.topics.get(topic);
      if (found && found.partitionsCount !== options.partitions) {
        throw new WalArgumentError(
          `topic ${topic} has ${found.partitionsCount} partitions, but this instance is ` +
            `configured for ${options.partitions}; the partition count of a WAL topic must never change`,
        );
      }
      if (found && found.partitions.every((p) => p.leader >= 0)) return maxBatchBytes;
      lastProblem = 'not every partition has a leader yet';
    } catch (err) {
      if (err instanceof WalError) throw err;
      lastProblem = describeError(err);
    }
    if (attempt % 20 === 19) logger.warn(`waiting for topic ${topic}: ${lastProblem}`);
    await pause(100, stop.signal);
  }
  throw new WalClosedError();
}

/**
 * Limits batches to what the topic accepts, so an oversized append is refused up front
 * (INVALID_ARGUMENT) instead of failing in the broker, and group commits never build a record
 * batch the topic would reject. Keeps `maxBatchBytes` when the topic's limit cannot be read.
 */
async function fitBatchesToTopic(
  broker: KafkaBroker,
  maxBatchBytes: number,
  logger: WalLogger,
): Promise<number> {
  let topicMax: number;
  try {
    const [described] = await broker.admin.describeConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: broker.topic,
          configurationKeys: ['max.message.bytes'],
        },
      ],
    });
    topicMax = Number(described?.configs.find((c) => c.name === 'max.message.bytes')?.value);
  } catch (err) {
    logger.warn(`could not read max.message.bytes of ${broker.topic}`, err);
    return maxBatchBytes;
  }
  if (!Number.isFinite(topicMax)) return maxBatchBytes;
  const fits = topicMax - RECORD_BATCH_OVERHEAD_BYTES;
  if (fits >= maxBatchBytes) return maxBatchBytes;
  logger.warn(
    `${broker.topic} accepts messages up to ${topicMax} bytes: batches are limited to ${fits} ` +
      `bytes instead of ${maxBatchBytes}`,
  );
  return fits;
}
