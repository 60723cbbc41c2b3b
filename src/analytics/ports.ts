/**
 * Service-port usage: flows grouped by protocol and destination port, named from the built-in IANA table,
 * top-N by a measure plus one row folding the rest.
 *
 * ICMP and ICMPv6 have no ports: their flows form one row per protocol (port null, labelled with the protocol).
 * Flows of other protocols without a destination port form one row per protocol labelled 'no port'.
 *
 * The per-file `port` rollup (store/rollups.ts: dst_port × protocol × scope) would serve flows, bytes, packets
 * and denied, but not the distinct sources, so this reads the raw rows, once: grouped by (protocol, port,
 * source) first, from which both the per-port rows and the folded row's distinct sources follow.
 */
import { NetworkflowError } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { FlowStore } from '../store/flow-store.js';
import { serviceName } from './iana-ports.js';

export { SERVICE_PORTS, SERVICE_PORT_INDEX, serviceName, type ServiceNameSource, type ServicePortEntry, type ServiceTransport } from './iana-ports.js';

export const SERVICE_PORT_MEASURES = ['flows', 'bytes', 'packets'] as const;
export type ServicePortMeasure = (typeof SERVICE_PORT_MEASURES)[number];

/** The same ceiling as the other top-N aggregates. */
export const MAX_SERVICE_PORTS = 10_000;

export interface ServicePortsOptions {
  /** Port rows before the folded 'other' row, 1–10000 (default 20). */
  limit?: number;
  /** What ranks the rows (default `flows`). */
  by?: ServicePortMeasure;
}

/** `port`: a destination port; `icmp`: ICMP/ICMPv6; `no-port`: another protocol without a port; `other`: the rest. */
export type ServicePortKind = 'port' | 'icmp' | 'no-port' | 'other';

export interface ServicePortRow {
  kind: ServicePortKind;
  /** As stored (`TCP`, `UDP`, `ICMP`, …); null for the 'other' row (and flows without a protocol). */
  protocol: string | null;
  /** Destination port; null for ICMP, portless flows and the 'other' row. */
  port: number | null;
  /** IANA service name (or the common name, see iana-ports.ts); null when the table has none. */
  service: string | null;
  /** Friendly name: the table's label, else `port/PROTOCOL`; 'ICMP' / 'ICMPv6', 'no port', 'other'. */
  label: string;
  flows: number;
  bytes: number;
  packets: number;
  /** Flows whose decision is `Deny`. */
  denied: number;
  /** Distinct source addresses (for the 'other' row: across all the folded ports, not a sum). */
  distinctSources: number;
}

const ICMP_PROTOCOLS = ['ICMP', 'ICMPv6'];

/**
 * Destination-port usage under `filter`: the top `limit` (protocol, port) groups by `by`, ties broken by
 * flows, then protocol and port; then, when anything is left, one 'other' row summing the rest.
 */
export async function servicePorts(store: FlowStore, filter: Filter = {}, options: ServicePortsOptions = {}): Promise<ServicePortRow[]> {
  const limit = options.limit ?? 20;
  const by = options.by ?? 'flows';
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SERVICE_PORTS) {
    throw new NetworkflowError('bad-option', `limit ${String(limit)} is not an integer from 1 to ${MAX_SERVICE_PORTS}`, 'ask for fewer ports; the rest are folded into the "other" row');
  }
  if (!SERVICE_PORT_MEASURES.includes(by)) {
    throw new NetworkflowError('bad-option', `by ${JSON.stringify(by)} is not a measure`, `use one of ${SERVICE_PORT_MEASURES.join(', ')}`);
  }
  // `by` is one of three fixed column names (checked above), so it is spliced, not bound.
  const rows = await store.query<Omit<ServicePortRow, 'kind' | 'service' | 'label'> & { folded: boolean }>(
    `WITH per_source AS (
       SELECT "protocol" AS protocol,
              CASE WHEN "protocol" IN ($2, $3) THEN NULL ELSE "dst_port" END AS port,
              "src_ip" AS src_ip,
              count(*) AS flows,
              coalesce(sum("bytes"), 0) AS bytes,
              coalesce(sum("packets"), 0) AS packets,
              count(*) FILTER (WHERE "flow_decision" = 'Deny') AS denied
         FROM flows
        GROUP BY 1, 2, 3
     ), grouped AS (
       SELECT protocol, port, sum(flows) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, sum(denied) AS denied,
              count(src_ip) AS distinct_sources
         FROM per_source
        GROUP BY protocol, port
     ), ranked AS (
       SELECT *, row_number() OVER (ORDER BY ${by} DESC, flows DESC, protocol ASC NULLS LAST, port ASC NULLS LAST) AS rank
         FROM grouped
     )
     SELECT protocol, port, flows, bytes, packets, denied, distinct_sources AS "distinctSources", false AS folded, rank
       FROM ranked
      WHERE rank <= $1
     UNION ALL
     SELECT NULL, NULL, sum(s.flows), sum(s.bytes), sum(s.packets), sum(s.denied), count(DISTINCT s.src_ip), true, NULL
       FROM per_source s
       JOIN ranked r ON s.protocol IS NOT DISTINCT FROM r.protocol AND s.port IS NOT DISTINCT FROM r.port
      WHERE r.rank > $1
     HAVING count(*) > 0
     ORDER BY rank ASC NULLS LAST`,
    [limit, ...ICMP_PROTOCOLS],
    filter,
  );
  return rows.map(({ folded, protocol, port, flows, bytes, packets, denied, distinctSources }) => ({
    ...describePort(folded, protocol, port),
    protocol,
    port,
    flows,
    bytes,
    packets,
    denied,
    distinctSources,
  }));
}

/** The kind, service name and label of a (protocol, port) group. */
export function describePort(folded: boolean, protocol: string | null, port: number | null): Pick<ServicePortRow, 'kind' | 'service' | 'label'> {
  if (folded) return { kind: 'other', service: null, label: 'other' };
  if (protocol !== null && ICMP_PROTOCOLS.includes(protocol)) return { kind: 'icmp', service: null, label: protocol };
  if (port === null) return { kind: 'no-port', service: null, label: 'no port' };
  const named = protocol === null ? null : serviceName(port, protocol);
  if (named) return { kind: 'port', ...named };
  return { kind: 'port', service: null, label: `${port}/${protocol ?? '?'}` };
}
