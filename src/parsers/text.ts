/**
 * Decoding bytes to text as a stream: UTF-8 with a streaming decoder, a leading BOM removed,
 * and invalid sequences replaced (U+FFFD) so that the good data around them survives.
 */
import type { ByteSource } from './types.js';

export const REPLACEMENT_CHAR = '\uFFFD';

export async function* decodeText(input: ByteSource): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield text;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

/** Drops a leading BOM from text that did not go through the decoder (string chunks). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
