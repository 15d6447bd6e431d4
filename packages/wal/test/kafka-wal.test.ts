import { randomUUID } from 'node:crypto';
import { Admin, ConfigResourceTypes, ListOffsetTimestamps } from '@platformatic/kafka';
import { Operation } from '@huedb/proto/log';
import { getInfra, uniqueName } from '@huedb/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  PartitionNotServedError,
  WalArgumentError,
  WalTimeoutError,
  WalUnavailableError,
  partitionForCollection,
} from '@huedb/wal';
import { describeWalConformance } from '@huedb/wal/conformance';
import { KafkaWal, type KafkaWalOptions, type WalLogger } from '@huedb/wal/kafka';

const { kafkaBrokers } = getInfra();
const filePrefix = uniqueName('waltest');
const admin = new Admin({ clientId: 'wal-test-admin', bootstrapBrokers: kafkaBrokers });
const topics: string[] = [];
let logs = 0;

/** Warnings go to the test output; the chatter of every open does not. */
const logger: WalLogger = {
  info: () => {},
  warn: (message, err) => console.warn(`[wal] ${message}`, err ?? ''),
};

/** Options of a log with its own topic, deleted after this file. */
function freshOptions(overrides: Partial<KafkaWalOptions> = {}): KafkaWalOptions {
  const topicPrefix = `${filePrefix}.l${++logs}`;
  topics.push(`${topicPrefix}.wal`);
  return { brokers: kafkaBrokers, topicPrefix, partitions: 2, logger, ...overrides };
}

afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.close();
});

// Two partitions: with three or more collections, some share a partition (positions with gaps).
describeWalConformance('Kafka', {
  concurrentInstances: true,
  async create(config) {
    const options = freshOptions({
      ...config.limits,
      pullTimeoutMs: config.pullTimeoutMs,
      clock: config.clock,
    });
    return {
      open: () => KafkaWal.open(options),
      destroy: async () => {},
    };
  },
});

describe('Kafka WAL specifics', () => {
  const opened: KafkaWal[] = [];
  const open = async (options: KafkaWalOptions) => {
    const wal = await KafkaWal.open(options);
    opened.push(wal);
    return wal;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((wal) => wal.close()));
  });

  async function logStart(topic: string, partition: number): Promise<bigint> {
    const [listed] = await admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: partition, timestamp: ListOffsetTimestamps.EARLIEST }],
        },
      ],
    });
    return listed!.partitions[0]!.offset;
  }

  /** Polls the log start until it equals `expected`; fails if it ever goes beyond it. */
  async function expectLogStart(topic: string, partition: number, expected: bigint) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const start = await logStart(topic, partition);
      expect(start).toBeLessThanOrEqual(expected);
      if (start === expected) return;
      if (Date.now() > deadline) throw new Error(`log start still ${start}, want ${expected}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('creates the topic with the partitions and configs the design requires', async () => {
    const options = freshOptions({ partitions: 3, maxBatchBytes: 4 * 1024 * 1024 });
    const wal = await open(options);
    const metadata = await admin.metadata({ topics: [wal.topic], forceUpdate: true });
    expect(metadata.topics.get(wal.topic)?.partitionsCount).toBe(3);
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: wal.topic }],
    });
    const config = new Map(described!.configs.map((c) => [c.name, c.value]));
    expect(config.get('retention.ms')).toBe('-1');
    expect(config.get('retention.bytes')).toBe('-1');
    expect(config.get('cleanup.policy')).toBe('delete');
    expect(config.get('min.insync.replicas')).toBe('1');
    expect(Number(config.get('max.message.bytes'))).toBeGreaterThan(4 * 1024 * 1024);

    // A second instance configured with another partition count must not remap collections.
    await expect(KafkaWal.open({ ...options, partitions: 4 })).rejects.toBeInstanceOf(
      WalArgumentError,
    );
  });

  it('uses Kafka offsets as positions: gaps where collections share a partition', async () => {
    const wal = await open(freshOptions());
    const a = randomUUID();
    let b = randomUUID();
    while (partitionForCollection(b, 2) !== partitionForCollection(a, 2)) b = randomUUID();
    expect(wal.partitionOf(a)).toBe(partitionForCollection(a, 2));
    const rec = [{ id: 'x', operation: Operation.ADD }];
    const a1 = await wal.append(a, rec);
    const b1 = await wal.append(b, rec);
    const a2 = await wal.append(a, rec);
    expect([b1 - a1, a2 - b1]).toEqual([1n, 1n]);
    expect((await wal.pull(a, a1 + 1n, a2 + 1n)).map((x) => x.logPosition)).toEqual([a2]);
    expect(await wal.scout(a)).toBe(a2 + 1n);
  });

  it('truncates a partition only up to its oldest uncompacted batch', async () => {
    const options = freshOptions({ partitions: 1 });
    const wal = await open(options);
    const topic = wal.topic;
    const [a, b] = [randomUUID(), randomUUID()];
    const rec = (id: string) => [{ id, operation: Operation.ADD }];
    const a0 = await wal.append(a, rec('a0')); // 0
    const b0 = await wal.append(b, rec('b0')); // 1
    const a1 = await wal.append(a, rec('a1')); // 2
    const b1 = await wal.append(b, rec('b1')); // 3
    expect([a0, b0, a1, b1]).toEqual([0n, 1n, 2n, 3n]);

    await wal.advanceCursor(a, a1); // cursor message at 4; b0 (1) is still uncompacted
    await expectLogStart(topic, 0, b0);
    await wal.advanceCursor(b, b1); // at 5; oldest uncompacted: a1 (2)
    await expectLogStart(topic, 0, a1);
    expect(await wal.truncate()).toEqual(new Map([[0, a1]]));

    // A restart reads from the truncated start and rebuilds the same tails.
    const restarted = await open(options);
    // Each collection's whole uncompacted tail (a pull from below its cursor is refused).
    const pulled = async (w: KafkaWal, c: string) => {
      const tail = (await w.collectionsToCompact(0, 0)).find((t) => t.collectionId === c);
      return tail
        ? (await w.pull(c, tail.firstPosition, await w.scout(c))).map((x) => x.logPosition)
        : [];
    };
    expect(await pulled(restarted, a)).toEqual([a1]);
    expect(await pulled(restarted, b)).toEqual([b1]);
    expect(await restarted.collectionsToCompact(0, 0)).toEqual(
      await wal.collectionsToCompact(0, 0),
    );

    // A purged collection no longer holds truncation back; b1 (3) does.
    await restarted.purge(a); // at 6
    await expectLogStart(topic, 0, b1);
    // Everything compacted: truncate up to the readers' position (nothing uncompacted is lost).
    const end = await wal.scout(b);
    await wal.advanceCursor(b, end); // at 7
    await expectLogStart(topic, 0, end + 1n);
    expect(await pulled(wal, b)).toEqual([]);
    expect(await pulled(restarted, b)).toEqual([]);

    // Both instances, and a third started now, keep serving new appends.
    const a2 = await restarted.append(a, rec('a2'));
    const third = await open(options);
    expect(await pulled(third, a)).toEqual([a2]);
    expect(await pulled(wal, a)).toEqual([a2]);
    expect(await third.collectionsToCompact(0, 0)).toHaveLength(1);
  });

  it('stores batches above the broker’s default 1 MiB message limit, refuses oversized ones', async () => {
    const wal = await open(freshOptions({ maxBatchBytes: 3 * 1024 * 1024 }));
    const c = randomUUID();
    const embedding = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    const records = [1, 2].map((i) => ({ id: `big${i}`, operation: Operation.ADD, embedding }));
    const position = await wal.append(c, records);
    const [batch] = await wal.pull(c, 0n, await wal.scout(c));
    expect(batch?.logPosition).toBe(position);
    expect(Buffer.compare(batch!.records[1]!.embedding!, embedding)).toBe(0);
    const four = [1, 2, 3, 4].map((i) => ({ id: `big${i}`, operation: Operation.ADD, embedding }));
    await expect(wal.append(c, four)).rejects.toBeInstanceOf(WalArgumentError);
  });

  it('limits batches to what an existing topic accepts, group commits included', async () => {
    const options = freshOptions({ partitions: 1 });
    await admin.createTopics({
      topics: [`${options.topicPrefix}.wal`],
      partitions: 1,
      replicas: 1,
      configs: [{ name: 'max.message.bytes', value: String(200 * 1024) }],
    });
    const warnings: string[] = [];
    const wal = await open({
      ...options,
      logger: { info: () => {}, warn: (message) => warnings.push(message) },
    });
    expect(warnings.join('\n')).toMatch(/accepts messages up to 204800 bytes/);
    const c = randomUUID();
    const sized = (bytes: number) => [
      { id: `e${bytes}`, operation: Operation.ADD, embedding: new Uint8Array(bytes) },
    ];
    await expect(wal.append(c, sized(150 * 1024))).rejects.toBeInstanceOf(WalArgumentError);
    // Ten concurrent 60 KiB appends cannot share one record batch: they are split, and all land.
    const positions = await Promise.all(
      Array.from({ length: 10 }, () => wal.append(c, sized(60 * 1024))),
    );
    expect(new Set(positions).size).toBe(10);
    expect(await wal.pull(c, 0n, await wal.scout(c))).toHaveLength(10);
  });

  it('answers pulls only for the partitions it serves, but appends and scouts anywhere', async () => {
    const options = freshOptions();
    const all = await open(options);
    const part0 = await open({ ...options, servedPartitions: [0] });
    let inOne = randomUUID();
    while (partitionForCollection(inOne, 2) !== 1) inOne = randomUUID();
    const position = await part0.append(inOne, [{ id: 'x', operation: Operation.ADD }]);
    expect(await part0.scout(inOne)).toBe(position + 1n);
    await expect(part0.pull(inOne, 0n, position + 1n)).rejects.toBeInstanceOf(
      PartitionNotServedError,
    );
    expect((await all.pull(inOne, 0n, position + 1n)).map((b) => b.logPosition)).toEqual([
      position,
    ]);
    expect(await part0.collectionsToCompact(0, 0)).toEqual([]);
  });

  it('fails to open within its deadline when no broker answers', async () => {
    const started = Date.now();
    const err = await KafkaWal.open({
      brokers: ['127.0.0.1:1'],
      topicPrefix: 'unreachable',
      openTimeoutMs: 3_000,
      requestTimeoutMs: 1_000,
      logger,
    }).catch((e: unknown) => e);
    expect([WalTimeoutError, WalUnavailableError].some((cls) => err instanceof cls)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
