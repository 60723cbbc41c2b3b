/** IANA protocol numbers and names as the `protocol` column spells them. */
const BY_NUMBER: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6' };
const BY_NAME: Record<string, string> = {
  tcp: 'TCP', t: 'TCP', udp: 'UDP', u: 'UDP', icmp: 'ICMP', i: 'ICMP', icmpv6: 'ICMPv6', 'ipv6-icmp': 'ICMPv6',
};

/** `6` → `TCP`, `17` → `UDP`, other numbers as text; null for values that are not protocol numbers. */
export function protocolFromNumber(n: number): string | null {
  if (!Number.isInteger(n) || n < 0 || n > 255) return null;
  return BY_NUMBER[n] ?? String(n);
}

/** Accepts a number (`6`), a name (`tcp`, `TCP`, `ICMPv6`) or an Azure letter (`T`, `U`); null if unknown. */
export function protocolFromText(text: string): string | null {
  const t = text.trim();
  if (t.length === 0) return null;
  const c = t.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    if (!/^\d{1,3}$/.test(t)) return null;
    return protocolFromNumber(Number(t));
  }
  return BY_NAME[t.toLowerCase()] ?? null;
}
