/**
 * The compactor process: polls the log for collections over the thresholds and turns their tails
 * into segment versions; serves Compact on demand over gRPC. On SIGTERM/SIGINT leaves membership,
 * finishes the round in progress, then exits. Settings: docs/configuration.md.
 */
import { runService } from '@huedb/service';
import { loadCompactorConfig } from './config.js';
import { startCompactor } from './compactor.server.js';

await runService({ name: 'compactor', load: loadCompactorConfig, start: startCompactor });
