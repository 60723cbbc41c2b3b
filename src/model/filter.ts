/**
 * The one filter every query takes (store, analytics, CLI flags, HTTP query parameters). Every field is
 * optional; fields combine with AND; list fields match any of their values. Values are data, never SQL:
 * the store binds each as a parameter.
 */
export interface Filter {
  subscription?: string[];
  resourceGroup?: string[];
  nsg?: string[];
  rule?: string[];
  /** `TCP`, `UDP`, `ICMP`, … as stored in `protocol`. */
  protocol?: string[];
  direction?: ('Inbound' | 'Outbound')[];
  decision?: ('Allow' | 'Deny')[];
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** An address or CIDR (IPv4 or IPv6) matched against either end, or only one end with `ipSide`. */
  ip?: string[];
  ipSide?: 'src' | 'dst' | 'any';
  /** Matched against the destination port, or either port with `portSide: 'any'`. */
  port?: number[];
  portSide?: 'dst' | 'src' | 'any';
  /** ISO 3166-1 alpha-2 country of either end (`ZZ` private/reserved). */
  country?: string[];
}
