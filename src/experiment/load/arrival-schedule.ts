/**
 * Open-loop arrival schedules: when each request of a rate step is meant to start, fixed before
 * the step begins and never adjusted to how the endpoint answers (that adjustment is what makes a
 * closed-loop client hide queueing: coordinated omission). Poisson arrivals (exponential gaps,
 * as LoadGen's Server scenario) or constant gaps (as wrk2); seeded, so a run can be repeated.
 */
import type { Arrival } from '../../config/load';
import { mulberry32 } from '../../random';

/**
 * Offsets from the step's origin, ms, one per call; the n-th offset is the same for a seed whatever
 * was drawn before. `phase` (0 ≤ phase < 1) shifts constant arrivals by that part of a gap: shard I
 * of N at rate r/N with phase I/N interleaves with the others into one even schedule at rate r.
 */
export function arrivalOffsets(arrival: Arrival, rateRps: number, seed: number, phase = 0): () => number {
  const gapMs = 1000 / rateRps;
  if (arrival === 'constant') {
    let n = 0;
    return () => (n++ + phase) * gapMs;
  }
  const rnd = mulberry32(seed >>> 0);
  let t = 0;
  let first = true;
  return () => {
    // The first request starts at the origin; later ones after exponential gaps (mean 1/rate).
    if (first) {
      first = false;
      return 0;
    }
    t += -Math.log(1 - rnd()) * gapMs;
    return t;
  };
}

/** A seed per step, the same for every platform: each sees the same schedule and images at a rate. */
export function stepSeed(runSeed: number, step: number): number {
  return (Math.imul(runSeed, 0x9e3779b1) + Math.imul(step + 2, 0xc2b2ae35)) >>> 0;
}
