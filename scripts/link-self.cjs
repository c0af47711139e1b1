#!/usr/bin/env node
// Makes `import … from "cloudbench"` resolve inside this checkout (the notebooks use it, as a user's
// own code would): node_modules/cloudbench → the project root.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const link = path.join(root, 'node_modules', 'cloudbench');
try {
  const target = fs.readlinkSync(link);
  if (path.resolve(path.dirname(link), target) === root) process.exit(0);
  fs.rmSync(link, { force: true });
} catch {
  /* no link yet */
}
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync(path.relative(path.dirname(link), root), link, 'dir');
