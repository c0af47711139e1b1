/**
 * The heavy parts of the product (cloud SDKs, the chart and PDF stack, image encoding), loaded by
 * the command that needs them, when it runs: `cloudbench --help` or `stack status` need none of it.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const load = {
  report: () => require('../report') as typeof import('../report'),
  analysis: () => require('../analysis/analyze-run') as typeof import('../analysis/analyze-run'),
  compare: () => require('../analysis/compare') as typeof import('../analysis/compare'),
  history: () => require('../analysis/history') as typeof import('../analysis/history'),
  runner: () => require('../experiment/runner') as typeof import('../experiment/runner'),
  runStore: () => require('../experiment/run-store') as typeof import('../experiment/run-store'),
  resultsStore: () => require('../experiment/results-store') as typeof import('../experiment/results-store'),
  merge: () => require('../experiment/merge/merge-shards') as typeof import('../experiment/merge/merge-shards'),
  synthetic: () => require('../datasets/synthetic') as typeof import('../datasets/synthetic'),
  // The app sits above the public API (it uses only src/index.ts): the one upward load, allowed in .dependency-cruiser.cjs.
  app: () => require('../app/server') as typeof import('../app/server'),
};
