#!/usr/bin/env node
// The `cloudbench` command: runs the TypeScript CLI through tsx, so there is no build step.
'use strict';
require('tsx/cjs');
require('../src/cli.ts').main(process.argv).catch((err) => {
  console.error(`cloudbench: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
