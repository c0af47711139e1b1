/**
 * Experiment-engine benchmarks (issue 3), printed as ratios measured in one run:
 *  1. harness overhead: the same uploads + downloads through a bare SDK loop and through the
 *     runner, same concurrency (1), same local server; goal runner ≥ 0.95 × bare throughput;
 *  2. memory: peak RSS of a fresh process running 4 and 16 batches; goal flat within 10%.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from '../src/analysis/descriptive';
import { parseExperimentConfig } from '../src/config/experiment';
import { resolveDatasetSource } from '../src/datasets/resolve';
import { readRequests } from '../src/experiment/run-store';
import { runExperiment } from '../src/experiment/runner';
import { localPlatforms } from '../src/local/platforms';
import { startLocalStack, type LocalStackConfig } from '../src/local/stack';
import { datasetCacheDir } from '../src/paths';
import { createObjectStore } from '../src/targets/factory';

const BATCH = 64;
const IMAGES = 256;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface LoopResult {
  seconds: number;
  bytes: number;
  /** Sum of the SDK calls' own durations: what the loop spends outside them is its overhead. */
  callSeconds: number;
}

async function bareLoop(local: LocalStackConfig, platform: 'aws' | 'azure', round: number): Promise<LoopResult> {
  const source = await resolveDatasetSource({ type: 'synthetic', count: IMAGES, seed: 1 }, { cacheDir: datasetCacheDir() });
  const store = createObjectStore(localPlatforms(local)[platform].storage);
  await store.ensureContainer();
  const items = await source.list();
  let seconds = 0;
  let bytes = 0;
  let callMs = 0;
  // Same work per image as the runner's phases: read, hash, put; then get and compare.
  const hashes = new Map<string, string>();
  let t = performance.now();
  for (const item of items) {
    const body = await item.read();
    const key = `bench-bare/${round}/${item.name}`;
    hashes.set(key, createHash('sha256').update(body).digest('hex'));
    const rec = await store.put(key, body, body.length);
    if (!rec.ok) throw new Error(`bare put failed: ${rec.errorCode}`);
    callMs += rec.durationMs;
    bytes += body.length;
  }
  seconds += (performance.now() - t) / 1000;
  t = performance.now();
  for (const item of items) {
    const key = `bench-bare/${round}/${item.name}`;
    const got = await store.get(key);
    if (!got.body || createHash('sha256').update(got.body).digest('hex') !== hashes.get(key)) throw new Error('bare get mismatch');
    callMs += got.record.durationMs;
    bytes += got.body.length;
  }
  seconds += (performance.now() - t) / 1000;
  await store.delete(await store.list(`bench-bare/${round}/`));
  await store.close();
  return { seconds, bytes, callSeconds: callMs / 1000 };
}

async function runnerLoop(local: LocalStackConfig, platform: 'aws' | 'azure', outDir: string): Promise<LoopResult> {
  const config = parseExperimentConfig({
    platforms: { [platform]: `local:${platform}` },
    dataset: { type: 'synthetic', count: IMAGES, seed: 1 },
    batchSize: BATCH,
    phases: ['upload', 'download'],
    outDir,
  });
  const result = await runExperiment({ config, local });
  const seconds = result.batches.reduce((s, b) => s + (b.uploadS ?? 0) + (b.downloadS ?? 0), 0);
  const bytes = result.batches.reduce((s, b) => s + 2 * b.bytes, 0);
  const callSeconds = readRequests(result.dir).reduce((s, r) => s + r.durationMs, 0) / 1000;
  return { seconds, bytes, callSeconds };
}

function peakRss(local: LocalStackConfig, batches: number, outDir: string): number {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'memory-child.ts')], {
    env: { ...process.env, BENCH_LOCAL: JSON.stringify(local), BENCH_BATCHES: String(batches), BENCH_BATCH: String(BATCH), BENCH_OUT: outDir },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!).maxRssMiB as number;
}

export async function benchEngine(log: (line: string) => void): Promise<void> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-bench-'));
  log('Starting the local stack…');
  const stack = await startLocalStack();
  try {
    // Generate the datasets once, outside any timing.
    await resolveDatasetSource({ type: 'synthetic', count: IMAGES, seed: 1 }, { cacheDir: datasetCacheDir() });
    await resolveDatasetSource({ type: 'synthetic', count: 16 * BATCH, seed: 1 }, { cacheDir: datasetCacheDir() });

    log(`\n1. Harness overhead: ${IMAGES} images (upload + download, concurrency 1), ${ROUNDS} alternating rounds, median`);
    log('   platform  bare SDK MiB/s  runner MiB/s  runner/bare   time outside SDK calls: bare  runner');
    for (const platform of ['aws', 'azure'] as const) {
      const bare: number[] = [];
      const runner: number[] = [];
      const bareOutside: number[] = [];
      const runnerOutside: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const b = await bareLoop(stack.config, platform, round);
        bare.push(b.bytes / 2 ** 20 / b.seconds);
        bareOutside.push(1 - b.callSeconds / b.seconds);
        const r = await runnerLoop(stack.config, platform, outDir);
        runner.push(r.bytes / 2 ** 20 / r.seconds);
        runnerOutside.push(1 - r.callSeconds / r.seconds);
      }
      const mb = median(bare);
      const mr = median(runner);
      const pct = (xs: number[]) => `${(median(xs) * 100).toFixed(1)}%`;
      log(`   ${platform.padEnd(8)}  ${mb.toFixed(1).padStart(14)}  ${mr.toFixed(1).padStart(12)}  ${(mr / mb).toFixed(3).padStart(11)}   ${pct(bareOutside).padStart(28)}  ${pct(runnerOutside).padStart(6)}`);
    }

    log(`\n2. Memory: peak RSS of a fresh process running N batches × ${BATCH} images on aws + azure (upload + download)`);
    const rss4 = peakRss(stack.config, 4, outDir);
    const rss16 = peakRss(stack.config, 16, outDir);
    log(`   4 batches: ${rss4.toFixed(0)} MiB   16 batches: ${rss16.toFixed(0)} MiB   ratio 16/4: ${(rss16 / rss4).toFixed(3)}`);
  } finally {
    await stack.stop();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchEngine((l) => console.log(l)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
