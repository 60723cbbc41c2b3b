// Shared by the benchmark input generators: a small deterministic PRNG (mulberry32) and the chunk size.
export const CHUNK = 1 << 20;

/** Uniform [0, 1) from a 32-bit seed; the same seed gives the same sequence. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
