import { create } from '@bufbuild/protobuf';
import { TenantSchema, type Tenant } from '@huedb/proto/catalog';
import type { TenantRow } from './tenant.repository.js';

/** A `tenants` row → its proto message. */
export function tenantFromRow(row: TenantRow): Tenant {
  return create(TenantSchema, {
    name: row.name,
    ...(row.resource_name !== null && { resourceName: row.resource_name }),
  });
}
