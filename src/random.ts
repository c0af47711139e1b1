/** Seeded randomness. Math.random cannot be seeded, and every random choice here must be reproducible. */

export type Random = () => number;

/** mulberry32: a small 32-bit PRNG of good statistical quality; floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
