/** Seeded randomness. Math.random cannot be seeded, and every random choice here must be reproducible. */

export type Random = () => number;

/** mulberry32: a small 32-bit PRNG of good statistical quality. Returns uint32s. */
export function mulberry32Uint(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** mulberry32 as floats in [0, 1). */
export function mulberry32(seed: number): Random {
  const next = mulberry32Uint(seed);
  return () => next() / 4294967296;
}
