/** Single-node HueDB: every service in one process, data in one directory. */
export { startSingleNode, type SingleNode, type SingleNodeOptions } from './single-node.js';
export { configurationDocs } from './configuration-docs.js';
export { loadSingleNodeConfig, singleNodeSettings, type SingleNodeConfig } from './config.js';
