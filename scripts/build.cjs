#!/usr/bin/env node
// Compiles src/ to dist/ (JavaScript, declarations, source maps) and copies the files the code
// reads next to itself (the bundled photos). Run by `npm ci` / `npm install` (prepare) and by
// `npm test`; incremental, so an unchanged tree takes a few seconds.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('cloudbench build: TypeScript compilation failed (see above); the CLI falls back to running src/ through tsx');
  process.exit(r.status ?? 1);
}
fs.cpSync(path.join(root, 'src', 'datasets', 'photos'), path.join(root, 'dist', 'datasets', 'photos'), { recursive: true });
// The detector's wasm thread script is JavaScript (wasm-threads.ts): tsc does not emit it.
fs.copyFileSync(path.join(root, 'src', 'local', 'wasm-pthread-worker.cjs'), path.join(root, 'dist', 'local', 'wasm-pthread-worker.cjs'));
// The stamp the launchers compare src/ against: dist is current when no source is newer.
fs.writeFileSync(path.join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
