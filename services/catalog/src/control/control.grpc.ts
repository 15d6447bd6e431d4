import type { ServiceHandlers } from '@huedb/grpc';
import type { ControlService as ControlServiceDescriptor } from '@huedb/proto/control';
import type { ControlService } from './control.service.js';

/**
 * The gRPC transport of the control plane: one handler per RPC of
 * huedb.control.v1.ControlService, each calling one method of one service. Also what
 * single-node mode calls in-process.
 */
export function createControlHandlers(
  control: ControlService,
): ServiceHandlers<typeof ControlServiceDescriptor> {
  const { identity, apiKeys, audit, rateLimits, tenantPlans, usage, idempotency } = control;
  return {
    createUser: async (req) => ({ user: await identity.createUser(req) }),
    getUser: async (req) => ({ user: await identity.getUser(req) }),
    authenticatePassword: async (req) => ({ user: await identity.authenticatePassword(req) }),
    issueEmailToken: async (req) => identity.issueEmailToken(req),
    verifyEmailToken: async (req) => identity.verifyEmailToken(req),
    createSession: async (req) => identity.createSession(req),
    resolveSession: async (req) => identity.resolveSession(req.token, req.csrfToken),
    deleteSession: async (req) => ({ deleted: await identity.deleteSession(req.token) }),
    createApiKey: async (req) => apiKeys.create(req),
    resolveApiKey: async (req) => apiKeys.resolve(req.credential),
    revokeApiKey: async (req) => ({ key: await apiKeys.revoke(req) }),
    listApiKeys: async (req) => ({ keys: await apiKeys.list(req) }),
    touchApiKeys: async (req) => ({ updated: await apiKeys.touch(req.keyIds) }),
    keysVersion: async () => ({ version: await apiKeys.version() }),
    listKeyChanges: async (req) => apiKeys.changesSince(req.sinceVersion),
    addMembership: async (req) => ({ membership: await identity.addMembership(req) }),
    listMemberships: async (req) => ({ memberships: await identity.listMemberships(req) }),
    appendAudit: async (req) => ({ entry: await audit.append(req) }),
    listAudit: async (req) => ({ entries: await audit.list(req) }),
    consumeRateLimit: async (req) => rateLimits.consume(req),
    resetRateLimit: async (req) => ({ reset: await rateLimits.reset(req.key) }),
    setTenantPlan: async (req) => ({ plan: await tenantPlans.set(req) }),
    getTenantPlan: async (req) => ({ plan: await tenantPlans.get(req) }),
    recordUsage: async (req) => ({ applied: await usage.record(req) }),
    getUsage: async (req) => usage.get(req),
    beginIdempotentWrite: async (req) => idempotency.begin(req),
    finishIdempotentWrite: async (req) => ({ finished: await idempotency.finish(req) }),
  };
}
