/**
 * Every adapter, through a fault-injecting proxy in front of the local stack: each kind of fault is
 * retried and counted in `attempts`, a fault on every attempt becomes a failed record with its own
 * code, a stalled response ends within its deadlines, a connect that never completes ends at the
 * connect deadline, and the caller's signal ends a stalled call at once.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AzureBlobTargetConfig, AzureMlTargetConfig, GcsTargetConfig, S3TargetConfig, SageMakerTargetConfig, VertexTargetConfig } from '../src/config/targets';
import { localPlatforms } from '../src/local/platforms';
import { createInferenceEndpoint, createObjectStore } from '../src/targets/factory';
import type { RequestTimeouts } from '../src/targets/timeouts';
import type { AdapterOptions, CallRecord } from '../src/targets/types';
import { BUSY_ERROR_CODES, startFaultProxy, type Decider, type Fault, type FaultProxy, type ServiceShape } from './helpers/fault-proxy';
import { useLocalStack } from './helpers/local-stack';
import { ROOT } from './helpers/cli';

const stack = useLocalStack();

const image = fs.readFileSync(path.join(ROOT, 'src/datasets/photos/dog.jpg'));
// Loose enough that a loaded 2-core machine does not miss them without a fault, tight enough to keep the file short.
const storageTimeouts: RequestTimeouts = { connectMs: 500, firstByteMs: 800, totalMs: 1500 };
// The detector itself takes ~0.3 s an image on one core: inference deadlines leave it room.
const inferenceTimeouts: RequestTimeouts = { connectMs: 500, firstByteMs: 2000, totalMs: 3000 };
const MAX_ATTEMPTS = 3;
const options: AdapterOptions = {
  timeouts: { upload: storageTimeouts, download: storageTimeouts, inference: inferenceTimeouts },
  retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 10 },
};

/** One kind of measured call, made through a proxy (or straight at `origin` when given). */
interface CallKind {
  name: string;
  shape: ServiceShape;
  upstream(): string;
  timeouts: RequestTimeouts;
  /** The SDK's own least backoff before a retry when it cannot take ours (the storage client: 1 s plus up to 1 s of jitter). */
  minBackoffMs?: number;
  /** Makes the call through `base` (an origin replacing the service's own). */
  call(base: string, signal?: AbortSignal): Promise<CallRecord>;
}

type StoreKind = 's3' | 'azure-blob' | 'gcs';
const STORES: StoreKind[] = ['s3', 'azure-blob', 'gcs'];

function storageConfig(kind: StoreKind, base: string): S3TargetConfig | AzureBlobTargetConfig | GcsTargetConfig {
  const p = localPlatforms(stack.get().config);
  if (kind === 's3') return { ...(p.aws.storage as S3TargetConfig), endpoint: base };
  if (kind === 'gcs') return { ...(p.gcp.storage as GcsTargetConfig), apiEndpoint: base };
  const cs = (p.azure.storage as AzureBlobTargetConfig).connectionString!;
  return { ...(p.azure.storage as AzureBlobTargetConfig), connectionString: cs.replace(/BlobEndpoint=http:\/\/[^/;]+/, `BlobEndpoint=${base}`) };
}

const blobOrigin = () => /BlobEndpoint=(http:\/\/[^/;]+)/.exec(stack.get().config.azureBlob.connectionString)![1];
const origin = (store: StoreKind) => (store === 's3' ? stack.get().config.s3.endpoint : store === 'gcs' ? stack.get().config.gcs.apiEndpoint : blobOrigin());
const KEY = 'deadlines/dog.jpg';
// Puts go elsewhere: s3rver rewrites an object in place, so a concurrent get of it could read half.
const PUT_KEY = 'deadlines/put.jpg';

const kinds: CallKind[] = [
  ...STORES.flatMap((store): CallKind[] => {
    const upstream = () => origin(store);
    const make = (base: string) => createObjectStore(storageConfig(store, base), options);
    const minBackoffMs = store === 'gcs' ? 2000 : 0;
    return [
      {
        name: `${store} put`, shape: store, upstream, timeouts: storageTimeouts, minBackoffMs,
        async call(base, signal) {
          const s = make(base);
          try { return await s.put(PUT_KEY, image, image.length, { signal }); } finally { await s.close(); }
        },
      },
      {
        name: `${store} get`, shape: store, upstream, timeouts: storageTimeouts, minBackoffMs,
        async call(base, signal) {
          const s = make(base);
          try {
            const got = await s.get(KEY, { signal });
            if (got.record.ok) assert.ok(got.body?.equals(image), `${store} get returned other bytes`);
            return got.record;
          } finally { await s.close(); }
        },
      },
    ];
  }),
  {
    name: 'sagemaker invoke', shape: 'sagemaker', upstream: () => stack.get().config.sagemaker.endpoint, timeouts: inferenceTimeouts,
    async call(base, signal) {
      const cfg = { ...(localPlatforms(stack.get().config).aws.inference as SageMakerTargetConfig), endpoint: base };
      const e = createInferenceEndpoint(cfg, options);
      try { return (await e.invoke(image, 'image/jpeg', { signal })).record; } finally { await e.close(); }
    },
  },
  {
    name: 'azureml invoke', shape: 'azureml', upstream: () => new URL(stack.get().config.azureml.scoringUri).origin, timeouts: inferenceTimeouts,
    async call(base, signal) {
      const cfg = { ...(localPlatforms(stack.get().config).azure.inference as AzureMlTargetConfig), scoringUri: `${base}/score` };
      const e = createInferenceEndpoint(cfg, options);
      try { return (await e.invoke(image, 'image/jpeg', { signal })).record; } finally { await e.close(); }
    },
  },
  {
    name: 'vertex predict', shape: 'vertex', upstream: () => stack.get().config.vertex.apiEndpoint, timeouts: inferenceTimeouts,
    async call(base, signal) {
      const cfg = { ...(localPlatforms(stack.get().config).gcp.inference as VertexTargetConfig), apiEndpoint: base };
      const e = createInferenceEndpoint(cfg, options);
      try { return (await e.invoke(image, 'image/jpeg', { signal })).record; } finally { await e.close(); }
    },
  },
];

/** The object every `get` reads is stored once, without faults. */
async function storeTheObject(): Promise<void> {
  for (const store of STORES) {
    const s = createObjectStore(storageConfig(store, origin(store)), options);
    await s.ensureContainer();
    const rec = await s.put(KEY, image, image.length);
    assert.ok(rec.ok, `${store}: ${rec.errorMessage}`);
    await s.close();
  }
}

async function through<T>(kind: CallKind, decide: Decider, fn: (proxy: FaultProxy) => Promise<T>): Promise<T> {
  const proxy = await startFaultProxy(kind.upstream(), kind.shape, decide);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

/** The code a call fails with when `fault` hits every attempt, given what the proxy really applied. */
function expectedCode(kind: CallKind, applied: Fault): string {
  switch (applied) {
    case 'status503': return BUSY_ERROR_CODES[kind.shape];
    case 'resetBeforeResponse':
    case 'resetMidBody': return 'ECONNRESET';
    case 'stallBeforeResponse': return 'FirstByteTimeout';
    case 'stallMidBody': return 'TotalTimeout';
    default: throw new Error(`no failure expected for ${applied}`);
  }
}

const TRANSIENT: Fault[] = ['status503', 'resetBeforeResponse', 'resetMidBody', 'stallBeforeResponse', 'stallMidBody'];

describe('request deadlines and retries, per adapter', () => {
  before(async () => {
    await stack.start();
    await storeTheObject();
  });
  after(() => stack.stop());

  test('a fault on the first attempt is retried, and both attempts are counted', async () => {
    await Promise.all(kinds.map(async (kind) => {
      for (const fault of TRANSIENT) {
        await through(kind, (r) => (r.occurrence === 1 ? fault : 'ok'), async (proxy) => {
          const rec = await kind.call(proxy.url);
          const mine = proxy.log.filter((e) => e.method !== 'HEAD');
          assert.equal(rec.ok, true, `${kind.name} after ${fault}: ${rec.errorCode} ${rec.errorMessage}`);
          // Exact accounting: one attempt per request the service side saw, the faulty one first.
          assert.equal(rec.attempts, mine.length, `${kind.name} after ${fault}: attempts vs requests seen`);
          assert.notEqual(mine[0].fault, 'ok', `${kind.name}: the fault was not injected`);
          assert.equal(mine[mine.length - 1].fault, 'ok');
          assert.ok(rec.attempts >= 2, `${kind.name} after ${fault}: ${mine.map((e) => e.fault).join(',')}`);
        });
      }
    }));
  });

  test('a fault on every attempt is a failed record with its own code, within its deadlines', async () => {
    await Promise.all(kinds.map(async (kind) => {
      for (const fault of TRANSIENT) {
        await through(kind, () => fault, async (proxy) => {
          const rec = await kind.call(proxy.url);
          const mine = proxy.log.filter((e) => e.method !== 'HEAD');
          const applied = mine[mine.length - 1].fault;
          assert.equal(rec.ok, false, `${kind.name} under ${fault}`);
          assert.equal(rec.attempts, MAX_ATTEMPTS, `${kind.name} under ${fault}`);
          assert.equal(mine.length, MAX_ATTEMPTS, `${kind.name} under ${fault}: requests seen`);
          assert.equal(rec.errorCode, expectedCode(kind, applied), `${kind.name} under ${fault} (${applied}): ${rec.errorMessage}`);
          // Deadlines are per attempt; backoff here is ≤ 10·2^n ms.
          assert.ok(rec.durationMs < MAX_ATTEMPTS * kind.timeouts.totalMs + (MAX_ATTEMPTS - 1) * (kind.minBackoffMs ?? 0) + 1000, `${kind.name} under ${fault} took ${rec.durationMs} ms`);
        });
      }
    }));
  });

  test('a download whose body broke keeps to the attempt budget across re-requests', async () => {
    const gets = kinds.filter((k) => k.name.endsWith(' get'));
    await Promise.all(gets.map((kind) =>
      // Attempt 1: the body breaks (the SDK has returned); then 503s: the budget of 3 ends it.
      through(kind, (r) => (r.method !== 'GET' ? 'ok' : r.occurrence === 1 ? 'resetMidBody' : r.occurrence <= 3 ? 'status503' : 'ok'), async (proxy) => {
        const rec = await kind.call(proxy.url);
        const mine = proxy.log.filter((e) => e.method === 'GET');
        assert.equal(rec.ok, false, `${kind.name}: ${mine.map((e) => e.fault).join(',')}`);
        assert.equal(rec.attempts, MAX_ATTEMPTS, kind.name);
        assert.equal(mine.length, MAX_ATTEMPTS, `${kind.name}: requests seen ${mine.map((e) => e.fault).join(',')}`);
        assert.equal(rec.errorCode, BUSY_ERROR_CODES[kind.shape], `${kind.name}: ${rec.errorMessage}`);
      }),
    ));
  });

  test('a download to a file whose body broke is fetched again, and the file holds exactly the object', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-tofile-'));
    try {
      await Promise.all(STORES.map((store) =>
        through({ upstream: () => origin(store), shape: store } as CallKind, (r) => (r.method === 'GET' && r.occurrence === 1 ? 'resetMidBody' : 'ok'), async (proxy) => {
          const s = createObjectStore(storageConfig(store, proxy.url), options);
          try {
            const file = path.join(dir, `${store}.jpg`);
            const got = await s.get(KEY, { toFile: file });
            assert.equal(got.record.ok, true, `${store}: ${got.record.errorCode} ${got.record.errorMessage}`);
            assert.ok(got.record.attempts >= 2, `${store}: the fault was not injected`);
            assert.equal(got.body, undefined, `${store}: the bytes went to the file, not to memory`);
            assert.equal(got.record.bytes, image.length);
            assert.ok(fs.readFileSync(file).equals(image), `${store}: the file holds other bytes (the broken attempt's part was not cut)`);
          } finally {
            await s.close();
          }
        }),
      ));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the caller\'s signal ends a stalled call at once, recorded as Aborted', async () => {
    await Promise.all(kinds.map((kind) =>
      through(kind, () => 'stallBeforeResponse', async (proxy) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const rec = await kind.call(proxy.url, controller.signal);
        assert.equal(rec.ok, false);
        assert.equal(rec.errorCode, 'Aborted', `${kind.name}: ${rec.errorCode} ${rec.errorMessage}`);
        assert.ok(rec.durationMs < kind.timeouts.firstByteMs, `${kind.name} took ${rec.durationMs} ms after the abort`);
      }),
    ));
  });

  describe('a connection that is never accepted', () => {
    let listener: ChildProcess;
    let port = 0;
    before(async () => {
      listener = spawn('python3', [path.join(ROOT, 'tests/helpers/unaccepting-listener.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
      port = await new Promise<number>((resolve, reject) => {
        listener.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        listener.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
      });
    });
    after(() => {
      listener.kill();
    });

    test('ends at the connect deadline on every adapter, each attempt counted', async () => {
      await Promise.all(kinds.map(async (kind) => {
        const rec = await kind.call(`http://127.0.0.1:${port}`);
        assert.equal(rec.ok, false);
        assert.equal(rec.errorCode, 'ConnectTimeout', `${kind.name}: ${rec.errorCode} ${rec.errorMessage}`);
        assert.equal(rec.attempts, MAX_ATTEMPTS, kind.name);
        assert.ok(rec.durationMs < MAX_ATTEMPTS * kind.timeouts.connectMs + (MAX_ATTEMPTS - 1) * (kind.minBackoffMs ?? 0) + 1000, `${kind.name} took ${rec.durationMs} ms`);
      }));
    });
  });
});
