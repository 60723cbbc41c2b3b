/** The synthetic flow-log generator (see generate.ts). */
export { generateFlowLogs, TrafficModel, FORMAT_WRITERS, TRUTH_KEY, DEFAULTS as GENERATE_DEFAULTS, type GenerateOptions, type GenerateSummary, type TrafficOptions } from './generate.js';
export { ensureDemoData, defaultDemoCacheDir, networkflowCacheDir, DEMO_OPTIONS, DEMO_VERSION } from './demo.js';
export { localObjectWriter, objectWriterFromSource, type ObjectWriter } from './object-writer.js';
export { ANOMALY_TYPES, isAnomalyType, type AnomalyType, type AnomalyTruth, type AnomalyOptions, type AnomalySettings } from './anomalies.js';
export { FORMAT_IDS as GENERATE_FORMAT_IDS, isFormatId as isGenerateFormatId, type FormatId as GenerateFormatId, type GenFlow } from './types.js';
export { diurnalFactor } from './traffic.js';
export { Random } from './random.js';
