/**
 * The log service as a library, for processes that host it in-process (single-node mode) and for
 * tests: the rules, the transport handlers over any WriteAheadLog, the server, and the config.
 */
export { LogService, type LogServiceOptions } from './log.service.js';
export { createLogHandlers } from './log.grpc.js';
export { startLogServer, type LogServer, type LogServerOptions } from './log.server.js';
export { loadConfig, type LogConfig } from './config.js';
export { logSettings } from './config.js';
export { registerTailMetrics, walMetrics } from './wal-metrics.js';
