/** The order in which platform × batch steps run. */
import { ConfigError, type ExperimentConfig, type RunOrder } from '../config/experiment';
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

export interface PlanCheck {
  /** Batches per platform the run will measure. */
  plannedBatches: number;
  /** Settings the dataset shrinks, in words (the run goes on). */
  warnings: string[];
}

/**
 * How many batches a config gets from a dataset of `images`, saying so wherever the dataset
 * shrinks the work; a config that would measure nothing at all is an error.
 */
export function checkPlan(config: Pick<ExperimentConfig, 'batchSize' | 'batches' | 'warmupBatches'>, images: number): PlanCheck {
  const { batchSize, batches, warmupBatches } = config;
  const available = Math.ceil(images / batchSize);
  const warnings: string[] = [];
  if (batchSize > images) warnings.push(`batchSize is ${batchSize} but the dataset has only ${images} images: one batch of ${images}`);
  else if (batches !== null && batches > available) {
    warnings.push(`batches is ${batches} but ${images} images make only ${available} batch${available > 1 ? 'es' : ''} of ${batchSize}: running ${available}`);
  }
  const plannedBatches = batches === null ? available : Math.min(batches, available);
  const last = images - (plannedBatches - 1) * batchSize;
  if (plannedBatches > 1 && last < batchSize && plannedBatches === available) {
    warnings.push(`the last batch has ${last} of ${batchSize} images (its per-MiB figures stay comparable; its times do not)`);
  }
  if (warmupBatches >= plannedBatches) {
    throw new ConfigError(
      `config.warmupBatches is ${warmupBatches}, which leaves none of the ${plannedBatches} batch${plannedBatches > 1 ? 'es' : ''} to measure: lower it or run more batches`,
    );
  }
  return { plannedBatches, warnings };
}
