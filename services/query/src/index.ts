/**
 * HueDB query nodes: stateless readers over a collection's segment and log tail. Single-node mode
 * builds a QueryEngine in-process and wires it with inProcessClient(QueryService, handlers).
 */
export { QueryEngine } from './query.service.js';
export { CollectionStateCache } from './collection-state.js';
export { TailWarmer, type Warmable, type WarmSources } from './tail-warmer.js';
export { LogTailSource, type TailSource } from './tail-reader.js';
export { createQueryHandlers } from './query.grpc.js';
export { queryMetrics, segmentCacheMetrics, type QueryObserver } from './query-metrics.js';
export { loadQueryConfig, querySettings, type QueryConfig } from './config.js';
