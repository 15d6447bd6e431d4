import type { Producer } from '@platformatic/kafka';
import { WalClosedError, WalTimeoutError, WalUnavailableError } from './errors.js';
import { describeError } from './kafka-errors.js';
import type { OutgoingMessage } from './kafka-message.mapper.js';

/** How the group-commit producer reports trouble. */
export interface ProducerLogger {
  warn(message: string, err?: unknown): void;
}

/** Options of {@link GroupCommitProducer}. */
export interface GroupCommitProducerOptions {
  topic: string;
  /** Makes a new idempotent, acks=all producer. Called at start and after every failure. */
  createProducer: () => Producer;
  /** An append not acknowledged within this many milliseconds (from its call) is rejected. */
  timeoutMs: number;
  /**
   * Sum of message sizes per produce request (one Kafka record batch per partition, which must
   * fit the topic's max.message.bytes). A single larger message is still sent, alone.
   */
  maxGroupBytes: number;
  logger: ProducerLogger;
}

type Settle = (err: Error | null, offset?: bigint) => void;

interface PendingMessage {
  readonly message: OutgoingMessage;
  readonly size: number;
  state: 'queued' | 'sent' | 'done';
  readonly settle: Settle;
}

interface PartitionQueue {
  pending: PendingMessage[];
  sending: boolean;
}

interface ProducerHandle {
  readonly producer: Producer;
  inFlight: number;
  retired: boolean;
}

/**
 * Appends messages to partitions of one topic with an idempotent producer, group-committing what
 * queued up while the previous request of a partition was in flight into one produce request
 * (one Kafka record batch, consecutive offsets, one acks=all round trip).
 *
 * Why one request in flight per partition: @platformatic/kafka 1.35 takes a batch's idempotence
 * sequence number when it builds the request but advances it only when the response arrives, so
 * two concurrent requests to one partition would carry the SAME sequence number, and the broker
 * would take the second for a retry of the first — acknowledging it with the first's offset while
 * dropping its data. Serializing per partition keeps sequences distinct; grouping keeps throughput.
 *
 * Why a new producer after any failure or abandoned request: after an ambiguous failure the
 * client's sequence numbers no longer match what the broker stored, and the next batch could again
 * be mistaken for a duplicate. A fresh producer id starts a fresh sequence. The abandoned request
 * may still land (its caller was told the outcome is unknown); it cannot collide with later ones.
 */
export class GroupCommitProducer {
  readonly #options: GroupCommitProducerOptions;
  readonly #queues = new Map<number, PartitionQueue>();
  readonly #handles = new Set<ProducerHandle>();
  #current: ProducerHandle;
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(options: GroupCommitProducerOptions) {
    this.#options = { ...options };
    this.#current = this.#newHandle();
  }

  /** Changes the group size limit (e.g. to what an existing topic accepts). */
  set maxGroupBytes(bytes: number) {
    this.#options.maxGroupBytes = bytes;
  }

  /** Appends `message` to `partition`; resolves with its offset once acknowledged by all ISRs. */
  send(partition: number, message: OutgoingMessage): Promise<bigint> {
    if (this.#closing) return Promise.reject(new WalClosedError());
    return new Promise<bigint>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (pending.state === 'queued') {
          const queue = this.#queues.get(partition)!;
          queue.pending.splice(queue.pending.indexOf(pending), 1);
          this.#checkIdle();
          pending.settle(
            new WalTimeoutError(
              `append not sent within ${this.#options.timeoutMs} ms (earlier appends to its ` +
                `partition are still unacknowledged); it was not written`,
              false,
            ),
          );
        } else {
          pending.settle(
            new WalTimeoutError(
              `append not acknowledged within ${this.#options.timeoutMs} ms; it may still be ` +
                `written (the outcome is unknown)`,
            ),
          );
        }
      }, this.#options.timeoutMs);
      const pending: PendingMessage = {
        message,
        size: message.value.length + message.key.length + 64,
        state: 'queued',
        settle: (err, offset) => {
          if (pending.state === 'done') return;
          pending.state = 'done';
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(offset!);
        },
      };
      let queue = this.#queues.get(partition);
      if (!queue) {
        queue = { pending: [], sending: false };
        this.#queues.set(partition, queue);
      }
      queue.pending.push(pending);
      this.#pump(partition, queue);
    });
  }

  /**
   * Stops accepting messages, waits until every accepted one is settled (each within its
   * deadline), then closes the producers.
   */
  async close(): Promise<void> {
    this.#closing = true;
    if (!this.#isIdle()) {
      await new Promise<void>((resolve) => (this.#idle = resolve));
    }
    await Promise.all(
      [...this.#handles].map((handle) =>
        handle.producer.close().catch((err: unknown) => {
          this.#options.logger.warn('closing a Kafka producer failed', err);
        }),
      ),
    );
    this.#handles.clear();
  }

  #pump(partition: number, queue: PartitionQueue): void {
    if (queue.sending || queue.pending.length === 0) return;
    const group: PendingMessage[] = [];
    let bytes = 0;
    while (queue.pending.length > 0) {
      const next = queue.pending[0]!;
      if (group.length > 0 && bytes + next.size > this.#options.maxGroupBytes) break;
      queue.pending.shift();
      next.state = 'sent';
      group.push(next);
      bytes += next.size;
    }
    queue.sending = true;
    const handle = this.#current;
    handle.inFlight++;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(watchdog);
      queue.sending = false;
      this.#pump(partition, queue);
      this.#checkIdle();
    };
    // A request that outlives every caller's deadline is abandoned so that the partition's later
    // appends are not stuck behind it (the client retries on its own schedule).
    const watchdog = setTimeout(() => {
      this.#retire(handle, 'a produce request was abandoned after its deadline');
      for (const pending of group) {
        pending.settle(
          new WalTimeoutError(
            `append not acknowledged within ${this.#options.timeoutMs} ms; it may still be ` +
              `written (the outcome is unknown)`,
          ),
        );
      }
      finish();
    }, this.#options.timeoutMs);
    const timestamp = BigInt(Date.now());
    handle.producer
      .send({
        messages: group.map(({ message }) => ({
          topic: this.#options.topic,
          partition,
          key: message.key,
          value: message.value,
          headers: message.headers,
          timestamp,
        })),
      })
      .then((result) => {
        const base = result.offsets?.find(
          (o) => o.topic === this.#options.topic && o.partition === partition,
        )?.offset;
        if (base === undefined) {
          throw new Error(`the produce response has no offset for partition ${partition}`);
        }
        // One record batch per partition: its messages have consecutive offsets, in order.
        group.forEach((pending, i) => pending.settle(null, base + BigInt(i)));
      })
      .catch((err: unknown) => {
        this.#retire(handle, 'a produce request failed');
        const reason = describeError(err);
        for (const pending of group) {
          pending.settle(
            new WalUnavailableError(
              `append failed (${reason}); it may have been written (the outcome is unknown)`,
              { cause: err },
            ),
          );
        }
      })
      .finally(() => {
        handle.inFlight--;
        this.#closeIfRetired(handle);
        finish();
      });
  }

  #newHandle(): ProducerHandle {
    const handle: ProducerHandle = {
      producer: this.#options.createProducer(),
      inFlight: 0,
      retired: false,
    };
    this.#handles.add(handle);
    return handle;
  }

  #retire(handle: ProducerHandle, why: string): void {
    if (handle.retired) return;
    handle.retired = true;
    this.#options.logger.warn(`${why}: continuing with a new idempotent producer`);
    if (this.#current === handle) this.#current = this.#newHandle();
    this.#closeIfRetired(handle);
  }

  #closeIfRetired(handle: ProducerHandle): void {
    if (!handle.retired || handle.inFlight > 0 || !this.#handles.has(handle)) return;
    this.#handles.delete(handle);
    handle.producer.close().catch((err: unknown) => {
      this.#options.logger.warn('closing a retired Kafka producer failed', err);
    });
  }

  #isIdle(): boolean {
    for (const queue of this.#queues.values()) {
      if (queue.sending || queue.pending.length > 0) return false;
    }
    return true;
  }

  #checkIdle(): void {
    if (this.#idle && this.#isIdle()) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }
}
