import { CatalogService } from '@huedb/proto/catalog';
import { ControlService } from '@huedb/proto/control';
import { LogService } from '@huedb/proto/log';
import { QueryService } from '@huedb/proto/query';
import { createClient, type ClientOptions, type ServiceClient } from '@huedb/grpc';
import { rendezvousPick } from '@huedb/core';
import { grpcTlsOf, membershipObserver, type Logger } from '@huedb/service';
import type { GatewayConfig } from '../config.js';
import type { Backends } from './backends.js';

/** How long the list of live query nodes is reused before asking the catalog again. */
const MEMBERS_TTL_MS = 1_000;

/** Backends reached over gRPC: the catalog, a static set of log instances, live query nodes. */
export class GrpcBackends implements Backends {
  readonly catalog: ServiceClient<typeof CatalogService>;
  readonly control: ServiceClient<typeof ControlService>;
  private readonly logs = new Map<string, ServiceClient<typeof LogService>>();
  private readonly queryClients = new Map<string, ServiceClient<typeof QueryService>>();
  private members: { addresses: string[]; fetchedAt: number } | undefined;
  private membersInFlight: Promise<string[]> | undefined;

  private readonly link: ClientOptions;
  /** Logs query nodes joining and leaving this gateway's ring; feeds huedb_membership_members. */
  private readonly observeRing: ((addresses: readonly string[]) => void) | undefined;

  constructor(
    private readonly config: GatewayConfig,
    log?: Pick<Logger, 'info'>,
  ) {
    this.observeRing = log && membershipObserver('query', log);
    this.link = {
      timeoutMs: config.rpcTimeoutMs,
      retries: config.rpcRetries,
      tls: grpcTlsOf(config),
    };
    this.catalog = createClient(CatalogService, config.catalogAddress, this.link);
    // The control plane is a module of the catalog process (decision 0020): same address.
    this.control = createClient(ControlService, config.catalogAddress, this.link);
    for (const address of config.logAddresses) {
      this.logs.set(address, createClient(LogService, address, this.link));
    }
  }

  logsFor(collectionId: string): ServiceClient<typeof LogService>[] {
    const addresses = [...this.logs.keys()];
    return rendezvousPick(collectionId, addresses, addresses.length).map((a) => this.logs.get(a)!);
  }

  async queryNodesFor(collectionId: string): Promise<ServiceClient<typeof QueryService>[]> {
    const addresses = await this.liveQueryNodes();
    return rendezvousPick(collectionId, addresses, addresses.length).map((address) => {
      let client = this.queryClients.get(address);
      if (!client) {
        client = createClient(QueryService, address, this.link);
        this.queryClients.set(address, client);
      }
      return client;
    });
  }

  close(): void {
    this.catalog.close();
    this.control.close();
    for (const client of this.logs.values()) client.close();
    for (const client of this.queryClients.values()) client.close();
  }

  private async liveQueryNodes(): Promise<string[]> {
    if (this.members && Date.now() - this.members.fetchedAt < MEMBERS_TTL_MS) {
      return this.members.addresses;
    }
    // One catalog call however many requests arrive while it is in flight.
    this.membersInFlight ??= this.catalog
      .listMembers({ role: 'query', maxAgeMs: BigInt(this.config.memberMaxAgeMs) })
      .then((res) => {
        const addresses = res.members.map((m) => m.address).filter(Boolean);
        this.members = { addresses, fetchedAt: Date.now() };
        this.observeRing?.(addresses);
        return addresses;
      })
      .finally(() => (this.membersInFlight = undefined));
    return this.membersInFlight;
  }
}
