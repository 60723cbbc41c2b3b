/**
 * networkflow — the library API. Every capability is exported here; the CLI and later faces are thin
 * layers over it.
 */
export * from './model/index.js';
export type { ByteSource, FlowFormat, FlowFormatId, FlowParser, ParseBatch, ParseOptions } from './parsers/types.js';
export { FLOW_FORMATS, FLOW_FORMAT_IDS, detectFlowFormat, getFlowFormat, isFlowFormatId, type Detection } from './parsers/registry.js';
export { csvFormat } from './parsers/flow/csv.js';
export { azureNsgFormat } from './parsers/flow/azure-nsg.js';
export { azureVnetFormat } from './parsers/flow/azure-vnet.js';
export { awsVpcFormat } from './parsers/flow/aws-vpc.js';
export { gcpVpcFormat } from './parsers/flow/gcp-vpc.js';
export { normalizeIp } from './parsers/ip.js';
export { unwrap, detectContainer, DEFAULT_LIMITS, type ContainerEntry, type ContainerKind, type ContainerLimits } from './containers/index.js';
export { decodeFlows, type DecodeEvent, type DecodeOptions } from './ingest/decode.js';
export { parseLocalInputs, type ParseInputsHandlers, type ParseInputsOptions, type ParseInputsResult } from './ingest/parse-inputs.js';
export { emptySummary, formatSummary, countDiagnostic, type RunSummary, type ObjectFailure } from './ingest/summary.js';
