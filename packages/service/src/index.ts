export * from './settings.js';
export * from './common-settings.js';
export * from './docs.js';
export * from './logger.js';
export * from './metrics.js';
export * from './run-service.js';
export * from './tracing.js';
