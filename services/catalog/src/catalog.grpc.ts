import type { ServiceHandlers } from '@huedb/grpc';
import type { CatalogService as CatalogServiceDescriptor } from '@huedb/proto/catalog';
import type { CatalogService } from './catalog.service.js';

/**
 * The gRPC transport of the catalog: one handler per RPC of huedb.catalog.v1.CatalogService,
 * each calling one service method and wrapping its result in the response message. No rules
 * here; errors are the service's RpcErrors. Also what single-node mode calls in-process.
 */
export function createCatalogHandlers(
  service: CatalogService,
): ServiceHandlers<typeof CatalogServiceDescriptor> {
  return {
    createTenant: async (req) => ({ tenant: await service.createTenant(req) }),
    getTenant: async (req) => ({ tenant: await service.getTenant(req) }),
    updateTenant: async (req) => ({ tenant: await service.updateTenant(req) }),
    createDatabase: async (req) => ({ database: await service.createDatabase(req) }),
    getDatabase: async (req) => ({ database: await service.getDatabase(req) }),
    listDatabases: async (req) => ({ databases: await service.listDatabases(req) }),
    deleteDatabase: async (req) => ({
      deletedCollectionIds: await service.deleteDatabase(req),
    }),
    createCollection: async (req) => service.createCollection(req),
    getCollection: async (req) => ({ collection: await service.getCollection(req) }),
    getCollectionById: async (req) => ({ collection: await service.getCollectionById(req.id) }),
    listCollections: async (req) => ({ collections: await service.listCollections(req) }),
    countCollections: async (req) => ({ count: await service.countCollections(req) }),
    updateCollection: async (req) => ({ collection: await service.updateCollection(req) }),
    deleteCollection: async (req) => service.deleteCollection(req),
    setCollectionDimension: async (req) => ({
      dimension: await service.setCollectionDimension(req),
    }),
    registerCompaction: async (req) => ({ collection: await service.registerCompaction(req) }),
    listSegmentVersions: async (req) => ({ versions: await service.listSegmentVersions(req) }),
    deleteSegmentVersions: async (req) => service.deleteSegmentVersions(req),
    forkCollection: async (req) => ({ collection: await service.forkCollection(req) }),
    countForks: async (req) => ({ count: await service.countForks(req) }),
    getCollectionByResourceName: async (req) => ({
      collection: await service.getCollectionByResourceName(req),
    }),
    getLogRetention: async (req) => ({
      retainFrom: await service.getLogRetention(req.collectionId),
    }),
    listPendingForks: async (req) => ({
      collectionIds: await service.listPendingForks(req.limit),
    }),
    heartbeat: async (req) => ({ nowMs: await service.heartbeat(req) }),
    listMembers: async (req) => ({ members: await service.listMembers(req) }),
    reset: async () => {
      await service.reset();
      return {};
    },
  };
}
