/**
 * The layers of src/, bottom to top: a module may import from its own layer and the ones below,
 * never above (`npm run check:deps`, also in CI). See the README's "Source layout".
 */
'use strict';
const LAYERS = [
  ['base', '^src/(errors|paths|random|concurrency|durable-files|version)\\.ts$'],
  ['schema', '^src/schema/'],
  ['protocol', '^src/protocol/'],
  ['datasets', '^src/datasets/'],
  ['config', '^src/config/'],
  ['targets', '^src/targets/'],
  ['local', '^src/local/'],
  ['experiment', '^src/experiment/'],
  ['analysis', '^src/analysis/'],
  ['report', '^src/report/'],
  ['notebook', '^src/notebook/'],
  ['cli', '^src/(cli/|cli\\.ts$)'],
  ['index', '^src/index\\.ts$'],
  ['app', '^src/app/'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `${name}-imports-upward`,
  comment: `${name} may import only from ${LAYERS.slice(0, i + 1).map(([n]) => n).join(', ')}`,
  severity: 'error',
  // The CLI's lazy loader starts the app (the top layer) for `cloudbench app`: the one upward load.
  from: name === 'cli' ? { path, pathNot: '^src/cli/lazy\\.ts$' } : { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|') },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'modules that import each other', from: {}, to: { circular: true } },
    ...layerRules,
    {
      name: 'report-reads-the-model',
      severity: 'error',
      comment: 'the report and the notebook helpers read the analysis model, never run folders or rows',
      from: { path: '^src/(report|notebook)/' },
      to: { path: '^src/(experiment|datasets|targets|local)/' },
    },
    {
      name: 'app-uses-the-public-api',
      severity: 'error',
      comment: 'the web app uses only what src/index.ts exports, like any other client of the package',
      from: { path: '^src/app/' },
      to: { path: '^src/', pathNot: '^src/(index\\.ts|app/)' },
    },
    {
      name: 'lazy-loads-only-the-app-upward',
      severity: 'error',
      comment: 'the lazy loader may reach above the CLI for the app and nothing else',
      from: { path: '^src/cli/lazy\\.ts$' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'src-not-from-tests',
      severity: 'error',
      comment: 'the product never imports test or benchmark code',
      from: { path: '^src/' },
      to: { path: '^(tests|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(node_modules|types|dist)/' },
  },
};
