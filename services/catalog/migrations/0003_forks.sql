-- Copy-on-write forks (docs/decisions/0007-fork.md) and indexing status.
--
-- A fork starts on its source's segment (the same object keys, nothing copied) at version 0, as
-- in Chroma, so a version-0 row may now exist in segment_versions: it records that the fork
-- references that manifest, which reference-aware GC must see.
ALTER TABLE segment_versions DROP CONSTRAINT segment_versions_version_check;
ALTER TABLE segment_versions ADD CONSTRAINT segment_versions_version_check CHECK (version >= 0);
-- GC asks "does any other live collection still reference this manifest?".
CREATE INDEX segment_versions_manifest_key ON segment_versions (manifest_key);

-- The lineage tree's root (the collection first forked from); NULL for a collection that is no
-- fork. fork_count counts the live collections with the same root.
ALTER TABLE collections ADD COLUMN root_collection_id uuid NULL;
CREATE INDEX collections_root ON collections (root_collection_id)
  WHERE root_collection_id IS NOT NULL;

-- A fork's ancestors' log ranges, read after its segment and before its own log, until its first
-- compaction folds them in (then NULL): a JSON array of
-- {"collection_id": uuid text, "from": int8 text, "to": int8 text}, in application order.
ALTER TABLE collections ADD COLUMN parent_tails jsonb NULL;
CREATE INDEX collections_pending_forks ON collections (seq)
  WHERE parent_tails IS NOT NULL AND deleted_at IS NULL;

-- Log records folded into the current segment over the whole lineage (Chroma's num_indexed_ops).
ALTER TABLE collections ADD COLUMN compacted_records bigint NOT NULL DEFAULT 0
  CHECK (compacted_records >= 0);
