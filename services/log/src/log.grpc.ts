import type { ServiceHandlers } from '@huedb/grpc';
import type { LogService as LogServiceDescriptor } from '@huedb/proto/log';
import type { WriteAheadLog } from '@huedb/wal';
import { LogService, type LogServiceOptions } from './log.service.js';

/**
 * The gRPC transport of the log: one handler per RPC of huedb.log.v1.LogService, each calling one
 * service method and wrapping its result in the response message. No rules here; errors are the
 * service's RpcErrors. Single-node mode calls these handlers in-process (`inProcessClient`).
 */
export function createLogHandlers(
  wal: WriteAheadLog,
  options: LogServiceOptions = {},
): ServiceHandlers<typeof LogServiceDescriptor> {
  const service = new LogService(wal, options);
  return {
    pushLogs: async (req) => ({ logPosition: await service.pushLogs(req) }),
    scoutLogs: async (req) => ({ toPosition: await service.scoutLogs(req) }),
    pullLogs: async (req, ctx) => ({ batches: await service.pullLogs(req, ctx.signal) }),
    collectionsToCompact: async (req) => ({
      collections: await service.collectionsToCompact(req),
    }),
    advanceCompactionCursor: async (req) => {
      await service.advanceCompactionCursor(req);
      return {};
    },
    purgeCollection: async (req) => {
      await service.purgeCollection(req);
      return {};
    },
  };
}
