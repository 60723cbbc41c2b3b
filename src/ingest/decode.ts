/**
 * From the bytes of one object to flow records: unwrap containers (gzip, zip), detect each entry's
 * format by content (or use the one given), and run its parser. Per-entry failures (unknown format,
 * empty entry) are events, so the other entries of a zip still go through; a broken container
 * (truncated, corrupt, over a limit) throws from the iteration and fails the object alone.
 */
import { unwrap, type ContainerLimits } from '../containers/index.js';
import { peekBytes, type Chunk } from '../containers/peek.js';
import { NetworkflowError, type Diagnostic, type EventRecord, type FlowRecord } from '../model/index.js';
import { detectLogFormat, getLogFormat, isLogFormatId } from '../parsers/logs/registry.js';
import type { LogFormatId } from '../parsers/logs/types.js';
import { DETECTION_HEAD_BYTES, detectFlowFormat, getFlowFormat } from '../parsers/registry.js';
import type { FlowFormatId, ParseOptions } from '../parsers/types.js';

export interface DecodeOptions extends Omit<ParseOptions, 'object'> {
  /** A format id, or `auto` (default) to detect each entry by content. */
  format?: FlowFormatId | LogFormatId | 'auto';
  /** Cloud-log formats count too (detection picks the most confident of flows and logs); default flows only. */
  logs?: boolean;
  limits?: Partial<ContainerLimits>;
}

export type DecodeEvent =
  | { kind: 'entry'; entry: string; format: FlowFormatId | LogFormatId; containers: string[] }
  | { kind: 'batch'; entry: string; records: FlowRecord[]; diagnostics: Diagnostic[] }
  | { kind: 'events'; entry: string; events: EventRecord[]; diagnostics: Diagnostic[] }
  | { kind: 'entry-failed'; entry: string; error: NetworkflowError };

export async function* decodeFlows(
  source: AsyncIterable<Chunk>,
  object: string,
  options: DecodeOptions = {},
): AsyncGenerator<DecodeEvent, void, undefined> {
  for await (const entry of unwrap(source, object, options.limits)) {
    const { head, stream } = await peekBytes(entry.bytes, DETECTION_HEAD_BYTES);
    if (head.length === 0) {
      yield { kind: 'entry-failed', entry: entry.name, error: new NetworkflowError('input-unreadable', `${entry.name}: empty input`) };
      continue;
    }
    let formatId: FlowFormatId | LogFormatId;
    if (options.format && options.format !== 'auto') {
      formatId = options.format;
    } else {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
      const flow = detectFlowFormat(text);
      const log = options.logs ? detectLogFormat(text) : null;
      const detected = log !== null && (flow === null || log.confidence > flow.confidence) ? log : flow;
      if (!detected) {
        yield {
          kind: 'entry-failed',
          entry: entry.name,
          error: new NetworkflowError(
            'unknown-format',
            `${entry.name}: not a ${options.logs ? 'flow-log or cloud-log' : 'flow-log'} format networkflow recognizes`,
            `name the format with --format (csv, azure-nsg, azure-vnet, aws-vpc, gcp-vpc${options.logs ? ', aws-cloudwatch, aws-cloudtrail, azure-monitor, azure-activity, gcp-logging' : ''})`,
          ),
        };
        // close the entry's stream so a zip can move on to its next entry
        await stream[Symbol.asyncIterator]().return?.();
        continue;
      }
      formatId = detected.format.id;
    }
    yield { kind: 'entry', entry: entry.name, format: formatId, containers: entry.containers };
    const { format: _f, limits: _l, logs: _g, ...parseOptions } = options;
    if (isLogFormatId(formatId)) {
      for await (const batch of getLogFormat(formatId).parse(stream, { ...parseOptions, object: entry.name })) {
        yield { kind: 'events', entry: entry.name, events: batch.events, diagnostics: batch.diagnostics };
      }
      continue;
    }
    const parser = getFlowFormat(formatId);
    for await (const batch of parser.parse(stream, { ...parseOptions, object: entry.name })) {
      yield { kind: 'batch', entry: entry.name, records: batch.records, diagnostics: batch.diagnostics };
    }
  }
}
