// Which code the launchers (bin/cloudbench.cjs, index.cjs) load: the compiled dist/ (no
// TypeScript compilation at start-up), or src/ through tsx when dist/ is missing or older than
// a source file (development: edit, run, no build step), or when CLOUDBENCH_FROM_SOURCE=1.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** { file, fromSource, stale } for the module `name` ('cli' or 'index') of the package at `root`. */
function entry(name, root = ROOT, env = process.env) {
  const built = path.join(root, 'dist', '.built');
  const src = path.join(root, 'src');
  const hasSource = fs.existsSync(src);
  if (env.CLOUDBENCH_FROM_SOURCE === '1' && hasSource) return { file: path.join(src, `${name}.ts`), fromSource: true, stale: false };
  if (!fs.existsSync(built)) return hasSource ? { file: path.join(src, `${name}.ts`), fromSource: true, stale: false } : { file: path.join(root, 'dist', `${name}.js`), fromSource: false, stale: false };
  if (hasSource && newestSource(src) > fs.statSync(built).mtimeMs) return { file: path.join(src, `${name}.ts`), fromSource: true, stale: true };
  return { file: path.join(root, 'dist', `${name}.js`), fromSource: false, stale: false };
}

/** Loads the module, registering tsx first when it is TypeScript. */
function load(name) {
  const e = entry(name);
  if (e.fromSource) require('tsx/cjs');
  return { module: require(e.file), ...e };
}

module.exports = { entry, load };
