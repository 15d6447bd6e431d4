import type {
  Collection,
  DeleteSegmentVersionsRequest,
  ListSegmentVersionsRequest,
  RegisterCompactionRequest,
  SegmentVersion,
} from '@huedb/proto/catalog';
import { collectionNotFound, failedPrecondition, invalid } from './catalog.errors.js';
import { requireUuid, type Input } from './catalog.input.js';
import type { CatalogRepositories } from './catalog.repository.js';
import { collectionFromRow } from './collection.mapper.js';
import { segmentVersionFromRow } from './segment.mapper.js';

/**
 * Segment versions: a compaction registers the next one (compare-and-swap on the version), the
 * GC lists and forgets old ones and learns which manifests nothing references any more.
 */
export class SegmentService {
  constructor(private readonly repositories: CatalogRepositories) {}

  /**
   * Registers a compaction: compare-and-swap of the version (expected → expected + 1), the log
   * position (which never moves backwards) and the manifest key, plus the new segment_versions
   * row, all in one transaction under the collection's row lock, so of two compactors that
   * started from the same version exactly one wins and the other gets FAILED_PRECONDITION.
   */
  async registerCompaction(req: Input<RegisterCompactionRequest>): Promise<Collection> {
    requireUuid('collection', req.collectionId);
    if (req.expectedVersion < 0n) throw invalid('expected_version must not be negative');
    if (req.logPosition < 0n) throw invalid('log_position must not be negative');
    if (req.recordCount < 0n) throw invalid('record_count must not be negative');
    if (req.recordsCompacted < 0n) throw invalid('records_compacted must not be negative');
    if (req.manifestKey === '') throw invalid('manifest_key is required');
    for (const [field, value] of Object.entries(req.usage ?? {})) {
      if (typeof value === 'bigint' && value < 0n)
        throw invalid(`usage.${field} must not be negative`);
    }
    return this.repositories.transaction(async (tx) => {
      const current = await tx.collections.findById(req.collectionId, { lock: true });
      if (!current) throw collectionNotFound(req.collectionId);
      const version = BigInt(current.version);
      if (version !== req.expectedVersion) {
        throw failedPrecondition(
          `Collection [${req.collectionId}] is at version ${version}, not ${req.expectedVersion}`,
        );
      }
      const logPosition = BigInt(current.log_position);
      if (req.logPosition < logPosition) {
        throw failedPrecondition(
          `Collection [${req.collectionId}] log position ${req.logPosition} is behind ${logPosition}`,
        );
      }
      const next = version + 1n;
      const row = await tx.segments.setCurrent(
        req.collectionId,
        next,
        req.logPosition,
        req.manifestKey,
        req.recordsCompacted,
      );
      await tx.segments.insert({
        collectionId: req.collectionId,
        version: next,
        logPosition: req.logPosition,
        manifestKey: req.manifestKey,
        recordCount: req.recordCount,
      });
      await meterCompaction(tx, current.tenant, req);
      return collectionFromRow(row!);
    });
  }

  /** A collection's versions, newest first — also after it was deleted, for the GC. */
  async listVersions(req: Input<ListSegmentVersionsRequest>): Promise<SegmentVersion[]> {
    requireUuid('collection', req.collectionId);
    const { collections, segments } = this.repositories;
    if (!(await collections.idExists(req.collectionId))) {
      throw collectionNotFound(req.collectionId);
    }
    const rows = await segments.list(req.collectionId);
    return rows.map(segmentVersionFromRow);
  }

  /**
   * Forgets versions below `below_version` and returns how many, with the manifest keys no other
   * live collection references (the caller deletes those objects). A live collection's current
   * version is never forgotten (FAILED_PRECONDITION): readers still use it. A deleted one's all
   * may be.
   */
  async deleteVersions(
    req: Input<DeleteSegmentVersionsRequest>,
  ): Promise<{ deleted: bigint; unreferencedManifestKeys: string[] }> {
    requireUuid('collection', req.collectionId);
    return this.repositories.transaction(async (tx) => {
      const live = await tx.collections.findById(req.collectionId, { lock: true });
      if (!live && !(await tx.collections.idExists(req.collectionId))) {
        throw collectionNotFound(req.collectionId);
      }
      if (live && req.belowVersion > BigInt(live.version)) {
        throw failedPrecondition(
          `Collection [${req.collectionId}] is at version ${live.version}: ` +
            `cannot forget versions below ${req.belowVersion}`,
        );
      }
      const { deleted, unreferenced } = await tx.segments.deleteBelow(
        req.collectionId,
        req.belowVersion,
      );
      return { deleted: BigInt(deleted), unreferencedManifestKeys: unreferenced };
    });
  }
}

/**
 * A compaction's usage, in its registration's transaction: the CAS on the version admits each log
 * range once, so a retried or raced compaction is metered once (docs/decisions/0030). Counters go
 * to the hour of registration; the tenant's stored totals become that hour's gauge readings.
 */
async function meterCompaction(
  tx: CatalogRepositories,
  tenant: string,
  req: Input<RegisterCompactionRequest>,
): Promise<void> {
  const usage = req.usage;
  const storedBytes = usage?.storedBytes ?? 0n;
  await tx.usage.setCollectionSize(req.collectionId, req.recordCount, storedBytes);
  const hourStartMs = BigInt(Date.now());
  const counters = usage
    ? (
        [
          ['records_written', usage.recordsWritten],
          ['records_deleted', usage.recordsDeleted],
          ['bytes_written', usage.bytesWritten],
          ['compaction_ms', usage.compactionMs],
        ] as const
      ).filter(([, value]) => value > 0n)
    : [];
  await tx.usage.addCounters(
    counters.map(([metric, value]) => ({ tenant, hourStartMs, metric, value })),
  );
  const stored = await tx.usage.storedTotals(tenant);
  await tx.usage.setGauges([
    { tenant, hourStartMs, metric: 'stored_records', value: stored.records },
    { tenant, hourStartMs, metric: 'stored_bytes', value: stored.bytes },
  ]);
}
