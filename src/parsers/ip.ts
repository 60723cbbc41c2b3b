/**
 * IP address text normalization: IPv4 dotted quad as is (validated), IPv6 in RFC 5952 form
 * (lower case, leading zeros dropped, the longest run of zero groups as `::`, embedded IPv4 kept).
 * Returns null for text that is not an address.
 */
export function normalizeIp(text: string): string | null {
  if (text.indexOf(':') === -1) return isIPv4(text) ? text : null;
  return normalizeIPv6(text);
}

export function isIPv4(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let digits = 0;
  let value = 0;
  let lead = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && lead === 48)) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      digits++;
      value = value * 10 + (c - 48);
      if (digits > 3) return false;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/**
 * Scans a dotted-quad IPv4 address in text[pos, end) that stops at the character code `delimiter` or at
 * `end`: the position after it (the delimiter's position, or `end`), or -1 when the text there is not a
 * valid address (same rules as isIPv4). Allocates nothing: the line parsers' hot paths use it.
 */
export function ipv4End(text: string, pos: number, end: number, delimiter: number): number {
  let parts = 0, digits = 0, value = 0, lead = 0;
  let i = pos;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && lead === 48)) return -1;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      if (++digits > 3) return -1;
      value = value * 10 + (c - 48);
    } else if (c === delimiter) {
      break;
    } else {
      return -1;
    }
  }
  if (parts !== 3 || digits === 0 || value > 255 || (digits > 1 && lead === 48)) return -1;
  return i;
}

/** ipv4End over the bytes of ASCII text. */
export function ipv4EndBytes(b: Uint8Array, pos: number, end: number, delimiter: number): number {
  let parts = 0, digits = 0, value = 0, lead = 0;
  let i = pos;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && lead === 48)) return -1;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      if (++digits > 3) return -1;
      value = value * 10 + (c - 48);
    } else if (c === delimiter) {
      break;
    } else {
      return -1;
    }
  }
  if (parts !== 3 || digits === 0 || value > 255 || (digits > 1 && lead === 48)) return -1;
  return i;
}

function normalizeIPv6(text: string): string | null {
  let s = text;
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone); // zone ids are local to a host; flow logs do not carry them
  if (s.length < 2 || s.length > 45) return null;
  let tailV4: number[] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) !== -1) {
    const v4 = s.slice(lastColon + 1);
    if (!isIPv4(v4)) return null;
    const o = v4.split('.').map(Number);
    tailV4 = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl !== -1) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  if (tailV4) {
    groups[6] = tailV4[0];
    groups[7] = tailV4[1];
  }
  return formatIPv6(groups, tailV4 !== null || isV4Mapped(groups));
}

function isV4Mapped(g: number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

function formatIPv6(groups: number[], embedV4: boolean): string {
  const count = embedV4 ? 6 : 8;
  // longest run of two or more zero groups (first one wins ties)
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < count; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < count && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  let out: string;
  if (bestStart === -1) out = hex(0, count);
  else out = `${hex(0, bestStart)}::${hex(bestStart + bestLen, count)}`;
  if (embedV4) {
    const v4 = `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
    out = out.endsWith(':') ? out + v4 : `${out}:${v4}`;
  }
  return out;
}
