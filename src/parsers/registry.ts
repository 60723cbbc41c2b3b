/**
 * The flow-log formats networkflow reads, and detection by content: every format's detector looks at
 * the head of an input and says how sure it is; the most confident one wins. File names are never used.
 */
import { awsVpcFormat } from './flow/aws-vpc.js';
import { azureNsgFormat } from './flow/azure-nsg.js';
import { azureVnetFormat } from './flow/azure-vnet.js';
import { csvFormat } from './flow/csv.js';
import { gcpVpcFormat } from './flow/gcp-vpc.js';
import type { FlowFormat, FlowFormatId } from './types.js';

export const FLOW_FORMATS: readonly FlowFormat[] = [csvFormat, azureNsgFormat, azureVnetFormat, awsVpcFormat, gcpVpcFormat];

export const FLOW_FORMAT_IDS: readonly FlowFormatId[] = FLOW_FORMATS.map((f) => f.id);

/** How much of an input detection looks at. */
export const DETECTION_HEAD_BYTES = 64 * 1024;

export function isFlowFormatId(id: string): id is FlowFormatId {
  return (FLOW_FORMAT_IDS as readonly string[]).includes(id);
}

export function getFlowFormat(id: FlowFormatId): FlowFormat {
  const format = FLOW_FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`unknown format id ${id}`);
  return format;
}

export interface Detection {
  format: FlowFormat;
  confidence: number;
}

/** The most likely format of an input from its head (decoded text, BOM removed); null if none claims it. */
export function detectFlowFormat(head: string): Detection | null {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  let best: Detection | null = null;
  for (const format of FLOW_FORMATS) {
    let confidence = 0;
    try {
      confidence = format.detect(text);
    } catch {
      confidence = 0; // a detector must not throw; if one does, it simply does not claim the input
    }
    if (confidence > 0 && (best === null || confidence > best.confidence)) best = { format, confidence };
  }
  return best;
}
