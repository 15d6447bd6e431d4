import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type ServiceClient } from '@huedb/grpc';
import { ControlService } from '@huedb/proto/control';
import { createLogger } from '@huedb/service';
import { startSingleNode } from '@huedb/single-node';
import { getAdminToken, getCatalogAddress, getGatewayUrls, uniqueName } from '@huedb/testing';

/** The control plane calls the auth suites make keys with (no admin HTTP API is relied on). */
export type Control = Pick<ServiceClient<typeof ControlService>, 'createApiKey' | 'revokeApiKey'>;

/** A HueDB deployment with auth on, and how to make and revoke its keys. */
export interface AuthDeployment {
  /** Gateway base URLs (one for single-node). */
  urls: string[];
  /** Its HUEDB_ADMIN_TOKEN. */
  adminToken: string;
  control: Control;
  /** Names for this run's tenants (the cluster is shared with other suites). */
  tenant(name: string): string;
  close(): Promise<void>;
}

const SINGLE_NODE_ADMIN = 'e2e-admin-token-0123456789abcdef0123456789';

/**
 * The e2e project's deployment under auth: the shared cluster (auth on, as in production; keys
 * made over gRPC on the catalog's control plane) or, where the project's deployment runs without
 * auth (single-node, as `chroma run`), a single node of this suite's own with auth on, in process.
 */
export async function startAuthDeployment(): Promise<AuthDeployment> {
  const catalog = getCatalogAddress();
  const adminToken = getAdminToken();
  if (catalog && adminToken) {
    const control = createClient(ControlService, catalog);
    const run = uniqueName('auth');
    return {
      urls: getGatewayUrls(),
      adminToken,
      control,
      tenant: (name) => `${run}_${name}`,
      close: async () => control.close(),
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'huedb-auth-'));
  const node = await startSingleNode({
    path: dir,
    host: '127.0.0.1',
    port: 0,
    auth: true,
    adminToken: SINGLE_NODE_ADMIN,
    allowReset: true,
    env: {},
    logger: createLogger({ service: 'single-node', level: 'warn', pretty: false }),
  });
  return {
    urls: [node.url],
    adminToken: SINGLE_NODE_ADMIN,
    control: node.control,
    tenant: (name) => name,
    close: async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
