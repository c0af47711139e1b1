/**
 * CLI start-up: the compiled dist/ against the TypeScript sources through tsx (what every command
 * paid before the build step), alternating, median of 7 each, for a command that loads little
 * (--help) and one that reads state (stack status).
 *
 *   node --import tsx bench/startup.bench.ts
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from '../src/analysis/descriptive';
import { distNotCurrent } from './built';

export const title = 'CLI start-up: compiled JavaScript vs TypeScript through tsx';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'cloudbench.cjs');

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cloudbench ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return performance.now() - t;
}


export async function bench(log: (line: string) => void): Promise<void> {
  const notCurrent = distNotCurrent();
  if (notCurrent) {
    log(`skipped: ${notCurrent}`);
    return;
  }
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-startup-'));
  const env = { CLOUDBENCH_CACHE_DIR: cache };
  for (const args of [['--help'], ['stack', 'status']]) {
    const compiled: number[] = [];
    const source: number[] = [];
    time(args, env);
    time(args, { ...env, CLOUDBENCH_FROM_SOURCE: '1' }); // tsx's own cache warm, as on a developer's machine
    for (let i = 0; i < 7; i++) {
      compiled.push(time(args, env));
      source.push(time(args, { ...env, CLOUDBENCH_FROM_SOURCE: '1' }));
    }
    log(`cloudbench ${args.join(' ')}: compiled ${median(compiled).toFixed(0)} ms, through tsx ${median(source).toFixed(0)} ms (compiled / tsx ${(median(compiled) / median(source)).toFixed(2)})`);
  }
  fs.rmSync(cache, { recursive: true, force: true });
}

if (require.main === module) {
  bench((l) => console.log(l)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
