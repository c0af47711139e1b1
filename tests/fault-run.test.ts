/**
 * A whole run through fault-injecting proxies in front of every service of the local stack, with
 * exact accounting: every request the services saw belongs to exactly one request row; a row's
 * attempts are the requests seen for it; every injected fault is either a retry (an earlier
 * attempt of a row that then succeeded) or the cause of a failed row with its own code; no row
 * is ok with wrong bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseExperimentConfig } from '../src/config/experiment';
import type { AzureBlobTargetConfig, AzureMlTargetConfig, PlatformConfig, S3TargetConfig, SageMakerTargetConfig } from '../src/config/targets';
import { resolveDatasetSource } from '../src/datasets/resolve';
import { type RequestRow } from '../src/schema/records';
import { readRun } from '../src/experiment/run-reader';
import { runExperiment } from '../src/experiment/runner';
import { localPlatforms } from '../src/local/platforms';
import { BUSY_ERROR_CODES, seededDecider, startFaultProxy, type Fault, type FaultProxy, type ProxiedRequest, type ProxyLogEntry, type ServiceShape } from './helpers/fault-proxy';
import { useLocalStack } from './helpers/local-stack';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cache-'));
process.env.CLOUDBENCH_CACHE_DIR = cacheDir;
const stack = useLocalStack();
const SEED = 20261129;
const RATES: Partial<Record<Fault, number>> = {
  status503: 0.08, resetBeforeResponse: 0.05, resetMidBody: 0.05, stallBeforeResponse: 0.02, stallMidBody: 0.02, flipByte: 0.06,
};
const DATASET = { type: 'synthetic' as const, count: 16, seed: 21 };

/** Faults go to measured object and inference requests only: not housekeeping, not the preflight. */
function measuredOnly(kind: 'storage' | 'inference'): (r: ProxiedRequest) => boolean {
  let posts = 0;
  return (r) => {
    if (kind === 'inference') return r.method === 'POST' && ++posts > 1; // the first is the preflight's
    return (r.method === 'PUT' || r.method === 'GET') && /\/b\d{5}\//.test(r.path);
  };
}

/** One image always gets the same fault, so failed rows are certain, not just likely. */
function withForced(base: (r: ProxiedRequest) => Fault, forced: (r: ProxiedRequest) => Fault | undefined): (r: ProxiedRequest) => Fault {
  return (r) => forced(r) ?? base(r);
}

function expectedCode(shape: ServiceShape, fault: Fault): string {
  switch (fault) {
    case 'status503': return BUSY_ERROR_CODES[shape];
    case 'resetBeforeResponse':
    case 'resetMidBody': return 'ECONNRESET';
    case 'stallBeforeResponse': return 'FirstByteTimeout';
    case 'stallMidBody': return 'TotalTimeout';
    case 'flipByte': return 'ChecksumMismatch';
    case 'ok': throw new Error('an ok attempt does not fail a row');
  }
}

describe('a run through fault-injecting proxies', () => {
  const proxies: Record<string, { store: FaultProxy; inference: FaultProxy; storeShape: ServiceShape; inferenceShape: ServiceShape }> = {};
  const sha = new Map<string, string>(); // image bytes sha256 → image name

  before(async () => {
    await stack.start();
    const source = await resolveDatasetSource(DATASET, { cacheDir });
    for (const item of await source.list()) sha.set(createHash('sha256').update(await item.read()).digest('hex'), item.name);
    const alwaysBusy = 'img-000005.jpg';
    const alwaysStalled = [...sha.entries()].find(([, n]) => n === 'img-000010.jpg')![0];
    const c = stack.get().config;
    const blob = /BlobEndpoint=(http:\/\/[^/;]+)/.exec(c.azureBlob.connectionString)![1];
    const storage = (shape: ServiceShape, upstream: string) =>
      startFaultProxy(upstream, shape, withForced(seededDecider(SEED, RATES, measuredOnly('storage')), (r) => (r.method === 'GET' && r.path.split('?')[0].endsWith(alwaysBusy) ? 'status503' : undefined)));
    const inference = (shape: ServiceShape, upstream: string) =>
      startFaultProxy(upstream, shape, withForced(seededDecider(SEED + 1, RATES, measuredOnly('inference')), (r) => (r.bodySha256 === alwaysStalled ? 'stallBeforeResponse' : undefined)));
    proxies.aws = { store: await storage('s3', c.s3.endpoint), inference: await inference('sagemaker', c.sagemaker.endpoint), storeShape: 's3', inferenceShape: 'sagemaker' };
    proxies.azure = { store: await storage('azure-blob', blob), inference: await inference('azureml', new URL(c.azureml.scoringUri).origin), storeShape: 'azure-blob', inferenceShape: 'azureml' };
  });
  after(async () => {
    for (const p of Object.values(proxies)) await Promise.all([p.store.close(), p.inference.close()]);
    await stack.stop();
  });

  test('every injected fault is accounted for in attempts or in a failed row with its code', async (t) => {
    const local = localPlatforms(stack.get().config);
    const blobOrigin = /BlobEndpoint=(http:\/\/[^/;]+)/.exec(stack.get().config.azureBlob.connectionString)![1];
    const platforms: Record<string, PlatformConfig> = {
      aws: {
        storage: { ...(local.aws.storage as S3TargetConfig), endpoint: proxies.aws.store.url },
        inference: { ...(local.aws.inference as SageMakerTargetConfig), endpoint: proxies.aws.inference.url },
      },
      azure: {
        storage: { ...(local.azure.storage as AzureBlobTargetConfig), connectionString: (local.azure.storage as AzureBlobTargetConfig).connectionString!.replace(blobOrigin, proxies.azure.store.url) },
        inference: { ...(local.azure.inference as AzureMlTargetConfig), scoringUri: `${proxies.azure.inference.url}/score` },
      },
    };
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-faults-'));
    const result = await runExperiment({
      handleSignals: false,
      runId: 'seeded-faults', // object paths, and so the seeded faults, are the same in every run
      config: parseExperimentConfig({
        platforms,
        dataset: DATASET,
        batchSize: 4,
        concurrency: 2,
        failureTolerance: 1,
        outDir,
        retry: { maxAttempts: 3, baseDelayMs: 5 },
        timeouts: { connectMs: 1000, firstByteMs: 1000, totalMs: 2000, inference: { firstByteMs: 2500, totalMs: 4000 } },
      }),
    });
    assert.equal(result.status, 'complete');
    const run = await readRun(result.dir); // the sealed batches add up with their rows
    assert.equal(run.requestRows.length, 2 * 16 * 3);

    // Which proxy entries belong to which row.
    const entriesOf = (p: string, r: RequestRow): ProxyLogEntry[] => {
      const log = r.phase === 'inference' ? proxies[p].inference.log : proxies[p].store.log;
      if (r.phase === 'inference') return log.filter((e, i) => i > 0 && e.method === 'POST' && sha.get(e.bodySha256) === r.key);
      const method = r.phase === 'upload' ? 'PUT' : 'GET';
      return log.filter((e) => e.method === method && e.path.split('?')[0].endsWith(`/${r.key}`));
    };
    const claimed = new Set<ProxyLogEntry>();
    const failedUploads = new Set(run.requestRows.filter((r) => r.phase === 'upload' && !r.ok).map((r) => `${r.platform} ${r.key}`));
    const table = new Map<string, { rows: number; attempts: number; retried: number; faults: Record<string, number>; failed: Record<string, number> }>();
    for (const r of run.requestRows) {
      const entries = entriesOf(r.platform, r);
      const where = `${r.platform} ${r.phase} ${r.key}`;
      for (const e of entries) {
        assert.ok(!claimed.has(e), `${where}: a request counted for two rows`);
        claimed.add(e);
      }
      assert.equal(r.attempts, entries.length, `${where}: attempts ${r.attempts}, requests seen ${entries.map((e) => e.fault).join(',')}`);
      const faults = entries.map((e) => e.fault);
      const last = faults[faults.length - 1];
      if (r.ok) {
        assert.equal(last, 'ok', `${where}: ok after ${faults.join(',')}`);
        assert.ok(faults.slice(0, -1).every((f) => f !== 'ok'), `${where}: a retry without a fault: ${faults.join(',')}`);
      } else if (r.phase === 'download' && last === 'ok' && failedUploads.has(`${r.platform} ${r.key}`)) {
        // The object was never stored: the download is answered "not found", caused by the upload's fault.
        assert.equal(r.errorCode, r.platform === 'aws' ? 'NoSuchKey' : 'BlobNotFound', where);
      } else {
        const shape = r.phase === 'inference' ? proxies[r.platform].inferenceShape : proxies[r.platform].storeShape;
        assert.notEqual(last, 'ok', `${where}: failed (${r.errorCode}) after an ok attempt`);
        assert.equal(r.errorCode, expectedCode(shape, last), `${where}: ${faults.join(',')}`);
      }
      const key = `${r.platform} ${r.phase}`;
      const row = table.get(key) ?? { rows: 0, attempts: 0, retried: 0, faults: {}, failed: {} };
      row.rows += 1;
      row.attempts += r.attempts;
      if (r.attempts > 1) row.retried += 1;
      for (const f of faults) if (f !== 'ok') row.faults[f] = (row.faults[f] ?? 0) + 1;
      if (!r.ok) row.failed[r.errorCode!] = (row.failed[r.errorCode!] ?? 0) + 1;
      table.set(key, row);
    }
    // Nothing the services saw is unaccounted for (preflight, listing and cleanup aside).
    for (const [p, { store, inference }] of Object.entries(proxies)) {
      const measured = [...store.log.filter((e) => (e.method === 'PUT' || e.method === 'GET') && /\/b\d{5}\//.test(e.path)), ...inference.log.slice(1)];
      const orphans = measured.filter((e) => !claimed.has(e));
      assert.deepEqual(orphans.map((e) => `${e.method} ${e.path} ${e.fault}`), [], `${p}: requests no row accounts for`);
    }
    const injected = [...table.values()].reduce((s, r) => s + Object.values(r.faults).reduce((a, b) => a + b, 0), 0);
    assert.ok(injected >= 20, `only ${injected} faults were injected`);
    assert.ok([...table.values()].some((r) => r.failed.ChecksumMismatch), 'no flipped byte reached a download');
    // The forced faults: one download always busy, one inference always stalled, on each platform.
    assert.equal(table.get('aws download')?.failed.SlowDown, 1);
    assert.equal(table.get('azure download')?.failed.ServerBusy, 1);
    for (const p of ['aws', 'azure']) assert.equal(table.get(`${p} inference`)?.failed.FirstByteTimeout, 1, p);
    for (const [key, r] of table) {
      t.diagnostic(`${key}: ${r.rows} rows, ${r.attempts} attempts, ${r.retried} retried; injected ${JSON.stringify(r.faults)}; failed ${JSON.stringify(r.failed)}`);
    }
  });
});

describe('a cleanup that fails', () => {
  const cleanupStack = useLocalStack();
  before(() => cleanupStack.start());
  after(() => cleanupStack.stop());

  /** A one-batch upload run on aws whose S3 listing (cleanup's first step) gets `listing`. */
  async function runWithListing(listing: Fault, opts: { extra: Record<string, unknown>; signal?: AbortSignal; onBatch?: (last: boolean) => void }) {
    const c = cleanupStack.get().config;
    const proxy = await startFaultProxy(c.s3.endpoint, 's3', (r) => (r.method === 'GET' && r.path.includes('list-type=2') ? listing : 'ok'));
    const warnings: string[] = [];
    try {
      const local = localPlatforms(c);
      const result = await runExperiment({
        handleSignals: false,
        signal: opts.signal,
        onEvent: (e) => {
          if (e.type === 'warning') warnings.push(e.message);
          if (e.type === 'batch') opts.onBatch?.(e.stepsDone === e.steps);
        },
        config: parseExperimentConfig({
          platforms: { aws: { ...local.aws, storage: { ...(local.aws.storage as S3TargetConfig), endpoint: proxy.url } } },
          dataset: { type: 'synthetic', count: 2, seed: 3 },
          batchSize: 2,
          phases: ['upload'],
          outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cleanup-')),
          ...opts.extra,
        }),
      });
      return { result, warnings };
    } finally {
      await proxy.close();
    }
  }

  test('is a warning that names its reason; the run stays complete', async () => {
    const { result, warnings } = await runWithListing('status503', { extra: { retry: { maxAttempts: 2, baseDelayMs: 5 } } });
    assert.equal(result.status, 'complete');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /^cleanup failed \(SlowDown: Please reduce your request rate\. \(HTTP 503\)\); delete cloudbench\/\S+\/ by hand$/);
  });

  test('a stop during cleanup ends it at once: the run stays complete, a warning says what to delete', async () => {
    const stop = new AbortController();
    let stoppedAt = 0;
    const { result, warnings } = await runWithListing('stallBeforeResponse', {
      extra: { timeouts: { firstByteMs: 30_000, totalMs: 60_000 } },
      signal: stop.signal,
      // The last batch is sealed: cleanup starts now, and its listing stalls.
      onBatch: (last) => { if (last) setTimeout(() => { stoppedAt = Date.now(); stop.abort(); }, 300); },
    });
    assert.ok(Date.now() - stoppedAt < 2000, `the run ended ${Date.now() - stoppedAt} ms after the stop`);
    assert.equal(result.status, 'complete');
    assert.deepEqual(warnings.filter((w) => w.startsWith('cleanup')).map((w) => w.replace(/\/\S+\//, '/<run>/')), ['cleanup interrupted; delete cloudbench/<run>/ by hand']);
  });
});
