import type { LogService, PositionedBatch } from '@huedb/proto/log';
import { firstAvailable, PULL_PAGE_RECORDS, type ServiceClient } from '@huedb/grpc';
import { NotFoundError } from '@huedb/core';

/** Where the query node reads collections' tails from. */
export interface TailSource {
  /** The collection's batches in [from, to), ascending. */
  pull(collectionId: string, from: bigint, to: bigint): Promise<PositionedBatch[]>;
}

/**
 * Reads tails from the log service, in pages, from the collection's preferred log instance and
 * the next one when an instance is unreachable.
 */
export class LogTailSource implements TailSource {
  constructor(
    private readonly logsFor: (collectionId: string) => ServiceClient<typeof LogService>[],
  ) {}

  async pull(collectionId: string, from: bigint, to: bigint): Promise<PositionedBatch[]> {
    const batches: PositionedBatch[] = [];
    let next = from;
    while (next < to) {
      const page = await this.page(collectionId, next, to);
      if (page.length === 0) break;
      batches.push(...page);
      // Positions are integers that grow along the log, so nothing of this collection lies
      // between the last batch and the next integer; no density is assumed.
      next = page[page.length - 1]!.logPosition + 1n;
    }
    return batches;
  }

  private async page(collectionId: string, from: bigint, to: bigint): Promise<PositionedBatch[]> {
    const { batches } = await firstAvailable(
      this.logsFor(collectionId),
      (log) =>
        log.pullLogs({
          collectionId,
          fromPosition: from,
          toPosition: to,
          maxRecords: PULL_PAGE_RECORDS,
        }),
      {
        noneMessage: 'No log instance is available',
        // The collection was compacted past the row this read started from: NOT_FOUND makes the
        // gateway refresh the row (new segment version) and read again.
        onAborted: () =>
          new NotFoundError(`Collection ${collectionId} moved to a newer segment version`),
      },
    );
    return batches;
  }
}
