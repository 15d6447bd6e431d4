import type { ServiceHandlers } from '@huedb/grpc';
import type { CatalogService as CatalogServiceDescriptor } from '@huedb/proto/catalog';
import type { CatalogService } from './catalog.service.js';

/**
 * The gRPC transport of the catalog: one handler per RPC of huedb.catalog.v1.CatalogService,
 * each calling one method of one aggregate's service and wrapping its result in the response
 * message. No rules here; errors are the services' RpcErrors. Also what single-node mode calls
 * in-process.
 */
export function createCatalogHandlers(
  catalog: CatalogService,
): ServiceHandlers<typeof CatalogServiceDescriptor> {
  const { tenants, databases, collections, forks, segments, members } = catalog;
  return {
    createTenant: async (req) => ({ tenant: await tenants.create(req) }),
    getTenant: async (req) => ({ tenant: await tenants.get(req) }),
    updateTenant: async (req) => ({ tenant: await tenants.update(req) }),
    createDatabase: async (req) => ({ database: await databases.create(req) }),
    getDatabase: async (req) => ({ database: await databases.get(req) }),
    listDatabases: async (req) => ({ databases: await databases.list(req) }),
    deleteDatabase: async (req) => ({ deletedCollectionIds: await databases.delete(req) }),
    createCollection: async (req) => collections.create(req),
    getCollection: async (req) => ({ collection: await collections.get(req) }),
    getCollectionById: async (req) => ({ collection: await collections.getById(req.id) }),
    listCollections: async (req) => ({ collections: await collections.list(req) }),
    countCollections: async (req) => ({ count: await collections.count(req) }),
    updateCollection: async (req) => ({ collection: await collections.update(req) }),
    deleteCollection: async (req) => collections.delete(req),
    setCollectionDimension: async (req) => ({ dimension: await collections.setDimension(req) }),
    getCollectionByResourceName: async (req) => ({
      collection: await collections.getByResourceName(req),
    }),
    registerCompaction: async (req) => ({ collection: await segments.registerCompaction(req) }),
    listSegmentVersions: async (req) => ({ versions: await segments.listVersions(req) }),
    deleteSegmentVersions: async (req) => segments.deleteVersions(req),
    forkCollection: async (req) => ({ collection: await forks.fork(req) }),
    countForks: async (req) => ({ count: await forks.count(req) }),
    getLogRetention: async (req) => ({ retainFrom: await forks.logRetention(req.collectionId) }),
    listPendingForks: async (req) => ({ collectionIds: await forks.listPending(req.limit) }),
    heartbeat: async (req) => ({ nowMs: await members.heartbeat(req) }),
    listMembers: async (req) => ({ members: await members.list(req) }),
    reset: async () => {
      await catalog.reset();
      return {};
    },
  };
}
