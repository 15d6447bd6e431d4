import type { CatalogService } from '@huedb/proto/catalog';
import type { ControlService } from '@huedb/proto/control';
import type { LogService } from '@huedb/proto/log';
import type { QueryService } from '@huedb/proto/query';
import type { ServiceClient } from '@huedb/grpc';

/** The injection token of {@link Backends}. */
export const BACKENDS = Symbol('Backends');

/**
 * What the gateway talks to. Over gRPC in a cluster; in-process clients in single-node mode.
 * Candidates come in rendezvous order for the collection: callers use the first and move to the
 * next only when one is UNAVAILABLE.
 */
export interface Backends {
  readonly catalog: ServiceClient<typeof CatalogService>;
  /** The control plane (users, API keys, sessions, audit), served next to the catalog. */
  readonly control: ServiceClient<typeof ControlService>;
  /** Log service instances for a collection, preferred first (never empty). */
  logsFor(collectionId: string): ServiceClient<typeof LogService>[];
  /** Live query nodes for a collection, preferred first (empty when none is live). */
  queryNodesFor(collectionId: string): Promise<ServiceClient<typeof QueryService>[]>;
  close(): void;
}
