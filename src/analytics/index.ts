/** Analytics over the FlowStore: aggregations, service ports (and later anomalies, geo, …). */
export * from './flows.js';
export * from './time-buckets.js';
export { MAX_TOP_LIMIT } from './top-n.js';
export * from './ports.js';
export * from './anomaly-types.js';
export { DEFAULT_THRESHOLDS, resolveThresholds, type AnomalyThresholds, type TimeSpan } from './anomaly-context.js';
export { detectAnomalies, anomalyTimeline, anomalyCounts, type DetectOptions } from './anomalies.js';
export * from './anomaly-score.js';
export { AGGREGATE_NAMES, isAggregateName, computeAnalysis, computeAggregate, analysisTables, anomaliesCsv, summaryCsv, type AggregateName, type AggregateOptions, type Analysis } from './analysis.js';
