/** Analysis defaults, in a module of their own so the CLI can show them without loading the analysis. */
import { UserError } from '../errors';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_BOOTSTRAP = { iterations: 10_000, seed: 1, level: 0.95 } as const;
/** Run-vs-run intervals: one per platform × metric × run, so fewer resamples keep compare and history quick. */
export const DEFAULT_CHANGE_BOOTSTRAP = { ...DEFAULT_BOOTSTRAP, iterations: 2000 } as const;
export const ANALYSIS_FILE = 'analysis.json';
/** Measured batches a platform (or a run) needs in a metric before it is tested. */
export const MIN_BATCHES = 2;

/** The significance level, checked once for the analysis, compare and history alike. */
export function checkAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new UserError(`alpha must be between 0 and 1 (exclusive), got ${alpha}`);
  return alpha;
}
