/** The order in which platform × batch steps run. */
import type { RunOrder } from '../config/experiment';
import { mulberry32 } from '../random';

export interface Step {
  platform: string;
  batch: number;
}

/**
 * interleaved: every batch runs on every platform before the next batch, platform order shuffled
 * per batch from the run's seed, so drift over time (network, time of day) favours no platform.
 * sequential: all batches on one platform, then the next (the study's protocol).
 */
export function planSteps(platforms: string[], batches: number, order: RunOrder, seed: number): Step[] {
  const steps: Step[] = [];
  if (order === 'sequential') {
    for (const platform of platforms) for (let batch = 0; batch < batches; batch++) steps.push({ platform, batch });
    return steps;
  }
  for (let batch = 0; batch < batches; batch++) {
    // One generator per batch: the order of batch k does not depend on how many batches ran before.
    const rnd = mulberry32((seed * 0x9e3779b1 + batch) >>> 0);
    const shuffled = [...platforms];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    for (const platform of shuffled) steps.push({ platform, batch });
  }
  return steps;
}
