/**
 * A query node: serves QueryService over gRPC from segments (object store) and log tails, and
 * heartbeats so gateways route to it; on SIGTERM/SIGINT leaves membership, finishes in-flight
 * reads, then exits. Settings: docs/configuration.md.
 */
import { runService } from '@huedb/service';
import { loadQueryConfig } from './config.js';
import { startQueryNode } from './query.server.js';

await runService({ name: 'query', load: loadQueryConfig, start: startQueryNode });
