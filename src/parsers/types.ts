import type { Diagnostic, FlowRecord, Provider } from '../model/index.js';

/** Bytes (or already-decoded text) of one input, in order. Parsers consume it once. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

export interface ParseOptions {
  /** Name of the input used in records (`source_object`) and diagnostics. */
  object: string;
  /** AWS VPC: the field list of a custom format, when the input has no header line. */
  awsFields?: readonly string[];
  /** Longest line accepted by line-based formats, in characters; longer lines become diagnostics. */
  maxLineLength?: number;
  /** Largest single JSON record accepted by JSON formats, in characters. */
  maxJsonItemLength?: number;
  /** Records per yielded batch (a hint). */
  batchSize?: number;
}

/** What a parser yields: records and diagnostics in input order, in batches for speed. */
export interface ParseBatch {
  records: FlowRecord[];
  diagnostics: Diagnostic[];
}

/** A parser: pure, streaming, never throws on bad data (it yields diagnostics instead). */
export type FlowParser = (input: ByteSource, options: ParseOptions) => AsyncGenerator<ParseBatch, void, undefined>;

export interface FlowFormat {
  /** Registry id, the value of `--format`. */
  id: FlowFormatId;
  description: string;
  provider: Provider;
  /**
   * Looks at the first bytes of an input, decoded as text (BOM removed), and says how sure it is that
   * the input is in this format: 0 = not mine, 1 = certain. Must not throw.
   */
  detect(head: string): number;
  parse: FlowParser;
}

export type FlowFormatId = 'csv' | 'azure-nsg' | 'azure-vnet' | 'aws-vpc' | 'gcp-vpc';

export const DEFAULT_MAX_LINE_LENGTH = 1 << 20; // 1 MiB
export const DEFAULT_MAX_JSON_ITEM_LENGTH = 256 << 20; // 256 MiB: one NSG record of a busy hour stays well below
export const DEFAULT_BATCH_SIZE = 1024; // small enough that batches die young (measured: fewer promotions, less GC than 4096)
