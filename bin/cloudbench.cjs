#!/usr/bin/env node
// The `cloudbench` command: runs the TypeScript CLI through tsx, so there is no build step.
'use strict';
// The pinned AWS SDK warns on every run that *future* SDK releases will need Node 22: noise for a CLI user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../src/cli.ts').main(process.argv).catch((err) => {
  console.error(`cloudbench: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
