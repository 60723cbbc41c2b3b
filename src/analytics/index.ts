/** Analytics over the FlowStore: aggregations, service ports (and later anomalies, geo, …). */
export * from './flows.js';
export * from './time-buckets.js';
export { MAX_TOP_LIMIT } from './top-n.js';
export * from './ports.js';
