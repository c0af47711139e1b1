#!/usr/bin/env node
// The `cloudbench` command: the compiled CLI in dist/ (built by `npm ci`), or the TypeScript
// sources through tsx while developing (see scripts/entry.cjs).
'use strict';
// The pinned AWS SDK warns on every run that *future* SDK releases will need Node 22: noise for a CLI user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { load } = require('../scripts/entry.cjs');
const cli = load('cli');
if (cli.stale) {
  console.error('cloudbench: note: src/ is newer than dist/: running the sources through tsx (npm run build compiles them)');
}
cli.module.main(process.argv).catch((err) => {
  console.error(`cloudbench: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
