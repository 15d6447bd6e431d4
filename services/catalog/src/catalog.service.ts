import { permissionDenied } from './catalog.errors.js';
import { CatalogRepositories } from './catalog.repository.js';
import { CollectionService } from './collection.service.js';
import { DatabaseService } from './database.service.js';
import { ForkService } from './fork.service.js';
import { MemberService } from './member.service.js';
import { SegmentService } from './segment.service.js';
import type { SqlDriver } from './sql/sql-driver.js';
import { TenantService } from './tenant.service.js';

export type { Input } from './catalog.input.js';

/** Options of {@link CatalogService}. */
export interface CatalogServiceOptions {
  /** Whether Reset may wipe the catalog (tests only). */
  allowReset: boolean;
}

/**
 * The catalog's rules, one service per aggregate. Every failure is an RpcError with the code the
 * contract (proto/huedb/catalog/v1/catalog.proto) names — NOT_FOUND, ALREADY_EXISTS,
 * INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED — worded like Chroma's where Chroma has
 * a wording (catalog.errors.ts), so the gateway can pass it through. The transport
 * (catalog.grpc.ts) calls exactly one method of one of these per RPC.
 */
export class CatalogService {
  readonly tenants: TenantService;
  readonly databases: DatabaseService;
  readonly collections: CollectionService;
  readonly forks: ForkService;
  readonly segments: SegmentService;
  readonly members: MemberService;

  constructor(
    private readonly repositories: CatalogRepositories,
    private readonly options: CatalogServiceOptions,
  ) {
    this.tenants = new TenantService(repositories.tenants);
    this.databases = new DatabaseService(repositories);
    this.collections = new CollectionService(repositories);
    this.forks = new ForkService(repositories);
    this.segments = new SegmentService(repositories);
    this.members = new MemberService(repositories.members);
  }

  /** The catalog's rules on a driver whose schema is migrated. */
  static on(driver: SqlDriver, options: CatalogServiceOptions): CatalogService {
    return new CatalogService(new CatalogRepositories(driver), options);
  }

  /** Wipes tenants, databases and collections and reseeds the defaults, if enabled. */
  async reset(): Promise<void> {
    if (!this.options.allowReset) throw permissionDenied('Reset is disabled by config');
    await this.repositories.transaction((tx) => tx.admin.resetData());
  }
}
