import type { KafkaBroker } from './kafka-broker.js';
import type { ServedPartition } from './kafka-reader.js';
import type { WalLogger } from './wal.js';

/** What {@link KafkaTruncation} needs. */
export interface KafkaTruncationOptions {
  broker: KafkaBroker;
  /** Whether to truncate when cursors move (truncateNow works either way). */
  enabled: boolean;
  logger: WalLogger;
  /** True once the WAL is closing: no new truncation starts. */
  closed(): boolean;
  /** The log start of `served` moved: release what waited for the reader there. */
  onLogStart(served: ServedPartition): void;
}

/**
 * Truncation of the Kafka WAL: DeleteRecords on a partition up to its oldest uncompacted batch,
 * whenever a cursor moves there. At most one runs per partition; a cursor move during one makes
 * it run again afterwards. A failure is logged and retried at the next cursor move or start.
 */
export class KafkaTruncation {
  constructor(private readonly o: KafkaTruncationOptions) {}

  /** Truncates `served` soon (in the background), if enabled. */
  schedule(served: ServedPartition): void {
    if (!this.o.enabled || this.o.closed()) return;
    if (served.truncation) {
      served.truncateAgain = true;
      return;
    }
    served.truncation = this.now(served)
      .catch((err: unknown) => {
        // Retried when the next cursor of the partition moves, or at the next start.
        this.o.logger.warn(`truncating ${this.o.broker.topic}/${served.partition} failed`, err);
      })
      .finally(() => {
        served.truncation = undefined;
        if (served.truncateAgain) {
          served.truncateAgain = false;
          this.schedule(served);
        }
      });
  }

  /**
   * DeleteRecords up to the partition's truncation target: its oldest uncompacted batch, never
   * beyond what the reader has applied (see PartitionTails.truncationTarget).
   */
  async now(served: ServedPartition): Promise<void> {
    const target = served.tails.truncationTarget();
    if (target <= served.tails.logStartOffset) return;
    const { broker } = this.o;
    const result = await broker.call(`truncating partition ${served.partition}`, () =>
      broker.admin.deleteRecords({
        topics: [
          { name: broker.topic, partitions: [{ partition: served.partition, offset: target }] },
        ],
      }),
    );
    const low = result
      .find((t) => t.name === broker.topic)
      ?.partitions.find((p) => p.partition === served.partition)?.lowWatermark;
    if (low !== undefined) {
      served.tails.setLogStart(low);
      this.o.onLogStart(served);
    }
  }
}
