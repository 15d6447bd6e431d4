import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  ProduceAcks,
  Producer,
  type Message,
} from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInfra, uniqueName } from '@huedb/testing';

/**
 * The operations the Kafka WAL relies on, against a real broker with @platformatic/kafka:
 * a topic that never expires data, acks=all idempotent produce, ordered read-back (group and
 * manual fetch), high-water mark, and truncation with DeleteRecords.
 */
describe('Kafka (real broker) with @platformatic/kafka', () => {
  const { kafkaBrokers } = getInfra();
  const topic = uniqueName('smoke.wal');
  const admin = new Admin({ clientId: 'smoke-admin', bootstrapBrokers: kafkaBrokers });
  const producer = new Producer({
    clientId: 'smoke-producer',
    bootstrapBrokers: kafkaBrokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  const consumer = new Consumer({
    clientId: 'smoke-consumer',
    groupId: uniqueName('smoke-group'),
    bootstrapBrokers: kafkaBrokers,
  });
  const values = Array.from({ length: 20 }, (_, i) => `batch-${i}`);
  const produced: bigint[] = [];

  beforeAll(async () => {
    await admin.createTopics({
      topics: [topic],
      partitions: 2,
      replicas: 1,
      configs: [{ name: 'retention.ms', value: '-1' }],
    });
  });

  afterAll(async () => {
    await consumer.close();
    await producer.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.close();
  });

  it('produces with acks=all and idempotence, one offset per message, in order', async () => {
    for (const value of values) {
      const result = await producer.send({
        messages: [
          { topic, partition: 0, key: Buffer.from('collection-a'), value: Buffer.from(value) },
        ],
      });
      const offset = result.offsets?.find((o) => o.partition === 0)?.offset;
      expect(typeof offset).toBe('bigint');
      produced.push(offset!);
    }
    expect(produced).toEqual(values.map((_, i) => BigInt(i)));
    expect(producer.producerId).toBeDefined();
  });

  it('consumes the same records back in order through a consumer group', async () => {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'earliest',
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 200,
    });
    const received: Message[] = [];
    for await (const message of stream) {
      received.push(message);
      if (received.length === values.length) break;
    }
    await stream.close();
    expect(received.map((m) => m.value.toString())).toEqual(values);
    expect(received.map((m) => m.offset)).toEqual(produced);
    expect(received.every((m) => m.partition === 0 && m.key.toString() === 'collection-a')).toBe(
      true,
    );
  });

  it('reads a partition from any offset by manual fetch, with no group', async () => {
    const metadata = await admin.metadata({ topics: [topic] });
    const topicMeta = metadata.topics.get(topic)!;
    const leader = topicMeta.partitions[0]!.leader;
    const response = await consumer.fetch({
      node: leader,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
      topics: [
        {
          topicId: topicMeta.id,
          partitions: [
            {
              partition: 0,
              fetchOffset: 5n,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              partitionMaxBytes: 1 << 20,
            },
          ],
        },
      ],
    });
    const partition = response.responses[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(0);
    expect(partition.highWatermark).toBe(BigInt(values.length));
    const records = (partition.records ?? []).flatMap((batch) =>
      batch.records.map((r) => ({
        offset: batch.firstOffset + BigInt(r.offsetDelta),
        value: r.value!.toString(),
      })),
    );
    // A fetch returns whole record batches, so it may start before the requested offset.
    const fromFive = records.filter((r) => r.offset >= 5n);
    expect(fromFive.map((r) => r.value)).toEqual(values.slice(5));
  });

  it('reports the high-water mark and truncates with DeleteRecords', async () => {
    const latest = await admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: 0, timestamp: ListOffsetTimestamps.LATEST }],
        },
      ],
    });
    expect(latest[0]!.partitions[0]!.offset).toBe(BigInt(values.length));

    const deleted = await admin.deleteRecords({
      topics: [{ name: topic, partitions: [{ partition: 0, offset: 8n }] }],
    });
    expect(deleted[0]!.partitions[0]!.lowWatermark).toBe(8n);

    const earliest = await admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: 0, timestamp: ListOffsetTimestamps.EARLIEST }],
        },
      ],
    });
    expect(earliest[0]!.partitions[0]!.offset).toBe(8n);
  });
});
