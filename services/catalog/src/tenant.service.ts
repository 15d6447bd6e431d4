import type {
  CreateTenantRequest,
  GetTenantRequest,
  Tenant,
  UpdateTenantRequest,
} from '@huedb/proto/catalog';
import { alreadyExists, tenantNotFound } from './catalog.errors.js';
import { requireName, type Input } from './catalog.input.js';
import { isUniqueViolation } from './sql/sql-driver.js';
import { tenantFromRow } from './tenant.mapper.js';
import type { TenantRepository } from './tenant.repository.js';

/** Tenants: created once, found by name, given a resource name (Chroma's CRN prefix). */
export class TenantService {
  constructor(private readonly tenants: TenantRepository) {}

  async create(req: Input<CreateTenantRequest>): Promise<Tenant> {
    requireName('tenant', req.name);
    const row = await this.tenants.insert(req.name);
    if (!row) throw alreadyExists(`Tenant [${req.name}] already exists`);
    return tenantFromRow(row);
  }

  async get(req: Input<GetTenantRequest>): Promise<Tenant> {
    const row = await this.tenants.find(req.name);
    if (!row) throw tenantNotFound(req.name);
    return tenantFromRow(row);
  }

  async update(req: Input<UpdateTenantRequest>): Promise<Tenant> {
    requireName('resource', req.resourceName);
    try {
      const row = await this.tenants.setResourceName(req.name, req.resourceName);
      if (!row) throw tenantNotFound(req.name);
      return tenantFromRow(row);
    } catch (err) {
      // Resource names identify tenants from outside (Chroma's CRNs), so they are unique.
      if (isUniqueViolation(err)) {
        throw alreadyExists(`Resource name [${req.resourceName}] is taken by another tenant`);
      }
      throw err;
    }
  }
}
