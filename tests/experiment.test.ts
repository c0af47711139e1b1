import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, parseExperimentConfig, type ExperimentConfig } from '../src/config/experiment';
import { loadRun } from '../src/experiment/load-run';
import { MIB, type BatchRow, type RequestRow } from '../src/schema/records';
import { readBatches, readRequests } from '../src/experiment/run-store';
import { runExperiment } from '../src/experiment/runner';
import { localPlatforms } from '../src/local/platforms';
import { createObjectStore } from '../src/targets/factory';
import { useLocalStack } from './helpers/local-stack';

// Generated datasets go to a private cache, so tests never depend on (or fill) the user's.
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-cache-'));
process.env.CLOUDBENCH_CACHE_DIR = cacheDir;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-runs-'));

const stack = useLocalStack();
before(() => stack.start());
after(() => stack.stop());

function config(overrides: Record<string, unknown>): ExperimentConfig {
  return parseExperimentConfig({
    platforms: { aws: 'local:aws', azure: 'local:azure' },
    dataset: { type: 'synthetic', count: 24, seed: 7 },
    batchSize: 8,
    outDir,
    ...overrides,
  });
}

/** The study's metrics recomputed from request rows, written independently of the runner's code. */
function recompute(requests: RequestRow[], batch: BatchRow) {
  const mine = requests.filter((r) => r.platform === batch.platform && r.batch === batch.batch);
  const span = (phase: string) => {
    const rows = mine.filter((r) => r.phase === phase);
    const start = Math.min(...rows.map((r) => r.monoStartMs));
    const end = Math.max(...rows.map((r) => r.monoStartMs + r.durationMs));
    return (end - start) / 1000;
  };
  const mib = batch.bytes / 2 ** 20;
  const up = span('upload');
  const down = span('download');
  const inf = span('inference');
  return {
    uploadSPerMiB: up / mib,
    downloadSPerMiB: down / mib,
    inferenceSPerMiB: inf / mib,
    throughputMiBps: mib / (down + inf),
    requests: mine.length,
    failures: mine.filter((r) => !r.ok).length,
  };
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

describe('experiment runner on the local stack', () => {
  test('3 batches × 8 images: metrics in batches.csv match requests.jsonl; cleanup removes only the run', async () => {
    const platforms = localPlatforms(stack.get().config);
    // Something that is not the run's: it must survive the cleanup.
    const s3 = createObjectStore(platforms.aws.storage);
    await s3.ensureContainer();
    await s3.put('someone-else/keep.txt', Buffer.from('keep'), 4);

    const events: string[] = [];
    // The resolved platform configs (with the stack's keys), so the manifest check below can fail.
    const result = await runExperiment({
      config: config({ batches: 3, warmupBatches: 1, platforms: { aws: platforms.aws, azure: platforms.azure } }),
      local: stack.get().config,
      onEvent: (e) => events.push(e.type),
    });
    assert.equal(result.status, 'complete');
    assert.ok(events.includes('start') && events.includes('end'));

    const batches = readBatches(result.dir);
    const requests = readRequests(result.dir);
    assert.equal(batches.length, 6);
    assert.deepEqual(
      batches.map((b) => `${b.platform}#${b.batch}`).sort(),
      ['aws#0', 'aws#1', 'aws#2', 'azure#0', 'azure#1', 'azure#2'],
    );
    assert.equal(requests.length, 6 * 8 * 3);
    for (const b of batches) {
      assert.equal(b.images, 8);
      assert.equal(b.status, 'ok');
      assert.equal(b.warmup, b.batch === 0);
      assert.equal(b.mib, b.bytes / MIB);
      const expected = recompute(requests, b);
      for (const key of ['uploadSPerMiB', 'downloadSPerMiB', 'inferenceSPerMiB', 'throughputMiBps'] as const) {
        assert.ok(relErr(b[key]!, expected[key]) < 1e-9, `${b.platform}#${b.batch} ${key}: ${b[key]} vs ${expected[key]}`);
      }
      assert.equal(b.requests, expected.requests);
      assert.equal(b.failures, 0);
    }
    // Every inference found something in these photo-based images.
    const inferences = requests.filter((r) => r.phase === 'inference');
    assert.ok(inferences.every((r) => r.ok && r.detections !== null && r.detections > 0), JSON.stringify(inferences.map((r) => r.detections)));

    // Cleanup: nothing of the run is left on either store; the foreign object is untouched.
    for (const p of Object.values(platforms)) {
      const store = createObjectStore(p.storage);
      assert.deepEqual(await store.list(`cloudbench/${result.runId}/`), []);
      await store.close();
    }
    assert.deepEqual(await s3.list('someone-else/'), ['someone-else/keep.txt']);
    await s3.close();

    // The same run through DataFrames.
    const loaded = await loadRun(result.dir);
    assert.equal(loaded.store, 'parquet');
    assert.deepEqual(loaded.batches.shape, [6, loaded.batches.columns.length]);
    assert.equal(loaded.requests.shape[0], 144);
    assert.ok(loaded.batches.columns.includes('throughputMiBps'));
    assert.equal(loaded.manifest.status, 'complete');
    assert.equal(loaded.manifest.dataset.count, 24);
    const stackConfig = stack.get().config;
    const manifestText = JSON.stringify(loaded.manifest);
    for (const secret of [stackConfig.sagemaker.secretAccessKey, stackConfig.azureml.key, 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq']) {
      assert.ok(!manifestText.includes(secret), `secret ${secret.slice(0, 6)}… leaked into manifest.json`);
    }
    assert.match(manifestText, /"secretAccessKey":"\*\*\*"/);
  });

  test('a corrupted download is a failed request (ChecksumMismatch), never silent', async () => {
    const real = stack.get().config.s3;
    // A proxy in front of S3 that flips one byte in the body of one object's GET.
    const proxy = http.createServer((req, res) => {
      const upstream = http.request(real.endpoint + req.url, { method: req.method, headers: req.headers }, (up) => {
        const corrupt = req.method === 'GET' && /img-000003\.jpg/.test(req.url ?? '');
        res.writeHead(up.statusCode ?? 502, up.headers);
        let first = true;
        up.on('data', (chunk: Buffer) => {
          if (corrupt && first) {
            chunk = Buffer.from(chunk);
            chunk[chunk.length - 1] ^= 0xff;
          }
          first = false;
          res.write(chunk);
        });
        up.on('end', () => res.end());
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const aws = localPlatforms(stack.get().config).aws;
      const result = await runExperiment({
        config: config({
          platforms: { aws: { ...aws, storage: { ...aws.storage, endpoint: `http://127.0.0.1:${port}` } } },
          batches: 1,
          phases: ['upload', 'download'],
          failureTolerance: 0,
        }),
        local: stack.get().config,
      });
      const requests = readRequests(result.dir);
      const failed = requests.filter((r) => !r.ok);
      assert.deepEqual(failed.map((r) => [r.phase, path.basename(r.key), r.errorCode]), [['download', 'img-000003.jpg', 'ChecksumMismatch']]);
      const [batch] = readBatches(result.dir);
      assert.equal(batch.failures, 1);
      assert.equal(batch.status, 'failed', 'with failureTolerance 0 one failed request fails the batch');
      assert.equal(batch.inferenceS, null);
      assert.equal(batch.throughputMiBps, null);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe('preflight: a platform that cannot work stops the run before any batch', () => {
  test('wrong Azure ML key, wrong S3 credentials', async () => {
    const local = localPlatforms(stack.get().config);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['azure', { ...local.azure, inference: { ...local.azure.inference, key: 'wrong-key' } }, /platform "azure": inference endpoint .*\/score failed on dog\.jpg \(cloudbench's probe photo\): Unauthorized/],
      ['aws', { ...local.aws, storage: { ...local.aws.storage, credentials: { accessKeyId: 'NOPE', secretAccessKey: 'nope' } } }, /platform "aws": storage s3:\/\/cloudbench .* cannot be opened or created: .*403 Forbidden \(wrong credentials/],
    ];
    for (const [name, platform, message] of cases) {
      let dir = '';
      await assert.rejects(
        runExperiment({ config: config({ platforms: { [name]: platform }, batches: 1 }), local: stack.get().config, onEvent: (e) => { if (e.type === 'start') dir = e.dir; } }),
        (err: Error) => err.name === 'UserError' && message.test(err.message),
      );
      assert.equal(readBatches(dir).length, 0);
      assert.equal((await loadRun(dir)).manifest.status, 'failed');
    }
  });
});

describe('bad configs give clear errors', () => {
  const base = { platforms: { aws: 'local:aws' }, dataset: { type: 'synthetic', count: 8 } };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown platform', { platforms: { aws: 'local:ibm' } }, /config\.platforms\.aws: expected "local:aws", "local:azure", "local:gcp" or an object/],
    ['unknown storage type', { platforms: { x: { storage: { type: 'r2' }, inference: { type: 'http', url: 'http://a' } } } }, /config\.platforms\.x\.storage\.type: expected one of s3, azure-blob, gcs/],
    ['gcs without a bucket', { platforms: { x: { storage: { type: 'gcs' }, inference: { type: 'http', url: 'http://a' } } } }, /config\.platforms\.x\.storage\.bucket: expected a non-empty string, got nothing/],
    ['vertex endpoint not a resource name', { platforms: { x: { storage: { type: 'gcs', bucket: 'bkt' }, inference: { type: 'vertex', endpoint: '1234' } } } }, /config\.platforms\.x\.inference\.endpoint: .*projects\/PROJECT\/locations\/LOCATION\/endpoints\/ID/],
    ['vertex :predict with a foreign codec', { platforms: { x: { storage: { type: 'gcs', bucket: 'bkt' }, inference: { type: 'vertex', endpoint: 'projects/p/locations/us-central1/endpoints/1', codec: 'yolov8' } } } }, /config\.platforms\.x\.inference\.codec: :predict always speaks Vertex's instances\/predictions envelope.*method: rawPredict/],
    ['batchSize 0', { batchSize: 0 }, /config\.batchSize: expected a whole number from 1 to 1000000, got 0/],
    ['no platforms', { platforms: {} }, /config\.platforms: expected at least one platform/],
    ['typo in a field', { batchsize: 8 }, /config\.batchsize: unknown field/],
    ['missing env var', { platforms: { a: { storage: { type: 'azure-blob', container: 'abc', connectionString: '${NOPE_NOT_SET}' }, inference: { type: 'http', url: 'http://a' } } } }, /NOPE_NOT_SET is not set/],
  ];
  for (const [name, override, message] of cases) {
    test(name, () => {
      assert.throws(() => parseExperimentConfig({ ...base, ...override }), (err: Error) => err instanceof ConfigError && message.test(err.message));
    });
  }

  test('a malformed connection string names the platform and leaves no run folder', async () => {
    const before = fs.readdirSync(outDir).length;
    const broken = { storage: { type: 'azure-blob', container: 'abc', connectionString: 'not-a-connection-string' }, inference: { type: 'http', url: 'http://127.0.0.1:1/score' } };
    await assert.rejects(
      runExperiment({ config: config({ platforms: { broken } }), local: stack.get().config }),
      (err: Error) => err instanceof ConfigError && /^config\.platforms\.broken\.storage: /.test(err.message),
    );
    assert.equal(fs.readdirSync(outDir).length, before);
  });

  test('missing dataset folder and folder without images are refused before anything runs', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-empty-'));
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'not an image');
    for (const [dir, message] of [
      [path.join(empty, 'missing'), /does not exist/],
      [empty, /contains no \.jpg, \.jpeg or \.png files/],
    ] as const) {
      await assert.rejects(
        runExperiment({ config: config({ dataset: { type: 'folder', path: dir } }), local: stack.get().config }),
        (err: Error) => err.name === 'DatasetError' && message.test(err.message),
      );
    }
  });
});
