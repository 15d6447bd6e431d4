import type { CompactorService } from '@huedb/proto/compactor';
import type { ServiceHandlers } from '@huedb/grpc';
import type { Compactor } from './compactor.service.js';

/** gRPC handlers of CompactorService: compaction on demand (operators, tests). */
export function createCompactorHandlers(
  compactor: Compactor,
): ServiceHandlers<typeof CompactorService> {
  return {
    compact: async (request) => {
      const results = [];
      for (const collectionId of request.collectionIds) {
        const outcome = await compactor.compact(collectionId);
        results.push({
          collectionId,
          version: outcome.version,
          logPosition: outcome.logPosition,
          recordCount: BigInt(outcome.recordCount),
          recordsCompacted: BigInt(outcome.recordsCompacted),
        });
      }
      return { results };
    },
  };
}
