/** Parsers for command-line option values: one wording of the error everywhere, a user's words in it. */
import { UserError } from '../errors';

/** A whole number within [min, max] (max optional), e.g. `intOption('--batches', 1)`. */
export function intOption(flag: string, min: number, max?: number): (value: string) => number {
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  return (value: string) => {
    // Number('') is 0: an unset shell variable (--seed "$SEED") must not become a value.
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new UserError(`${flag} takes a whole number ${range}, got ${/^\S+$/.test(value) ? value : JSON.stringify(value)}`);
    }
    return n;
  };
}

/** A TCP port; 0 means ephemeral. */
export const portOption = (flag: string) => intOption(flag, 0, 65535);

/** Detector worker threads of the local endpoints (each runs its wasm threads: local/detector-threads.ts). */
export const instancesOption = intOption('--instances', 1, 64);

/** A significance level strictly between 0 and 1. */
export function alphaOption(value: string): number {
  const a = Number(value);
  if (!(a > 0 && a < 1)) throw new UserError(`--alpha takes a number between 0 and 1 (exclusive), got ${value}`);
  return a;
}
