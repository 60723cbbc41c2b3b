/**
 * Looks at the first bytes of a stream without losing them: returns the head and a stream that
 * yields everything again from the start. Reads only as many chunks as needed to fill the head.
 */
export type Chunk = Uint8Array | string;

export interface Peeked {
  head: Uint8Array;
  stream: AsyncIterable<Uint8Array>;
}

export async function peekBytes(source: AsyncIterable<Chunk>, n: number): Promise<Peeked> {
  const it = source[Symbol.asyncIterator]();
  const buffered: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  const encoder = new TextEncoder();
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const bytes = typeof r.value === 'string' ? encoder.encode(r.value) : r.value;
    if (bytes.length === 0) continue;
    buffered.push(bytes);
    have += bytes.length;
  }
  const head = concatHead(buffered, Math.min(n, have));
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      for (const b of buffered) yield b;
      buffered.length = 0;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield typeof r.value === 'string' ? encoder.encode(r.value) : r.value;
      }
    } finally {
      // the consumer stopped early: let the underlying source release what it holds
      if (!ended) await it.return?.();
    }
  }
  return { head, stream: replay() };
}

function concatHead(chunks: Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1) return chunks[0].subarray(0, n);
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    if (off >= n) break;
    const take = Math.min(c.length, n - off);
    out.set(c.subarray(0, take), off);
    off += take;
  }
  return out;
}
