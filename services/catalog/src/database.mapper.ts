import { create } from '@bufbuild/protobuf';
import { DatabaseSchema, type Database } from '@huedb/proto/catalog';
import type { DatabaseRow } from './database.repository.js';

/** A `databases` row → its proto message. */
export function databaseFromRow(row: DatabaseRow): Database {
  return create(DatabaseSchema, { id: row.id, name: row.name, tenant: row.tenant });
}
