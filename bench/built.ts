/**
 * The benchmarks that run the compiled package (child processes loading dist/) measure what
 * `npm ci` ships only when dist/ is current; the launchers' own rule (scripts/entry.cjs) says so.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { entry } = require('../scripts/entry.cjs') as { entry: (name: string) => { fromSource: boolean; stale: boolean } };

/** Why dist/ cannot be benchmarked now, or null when it is built and newer than every source file. */
export function distNotCurrent(): string | null {
  const e = entry('cli');
  if (!e.fromSource) return null;
  return e.stale ? 'dist/ is older than src/ (npm run build)' : 'dist/ is not built (npm run build)';
}
