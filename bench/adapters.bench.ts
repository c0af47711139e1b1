/**
 * What an adapter adds to the call it makes: each adapter against the same request sent as a bare
 * keep-alive `http.request`, on the local stack (in its own process), in alternating rounds
 * (A B B A …) so a slow moment of the machine does not favour one side. Printed per call kind:
 * median latency of each, their ratio (adapter / raw) and difference, medians over the calls.
 *
 * - gcs get / put: @google-cloud/storage (media GET checked against CRC32C; a multipart upload)
 *   vs a raw media GET / a raw `uploadType=media` POST of the same bytes.
 * - vertex predict: the Vertex adapter (token source, base64 envelope, codec) vs a raw POST of a
 *   prebuilt envelope with the token; the detector's own time is in both.
 * - azureml score: the JSON POST client vs a raw POST of the image.
 *
 *   node --import tsx bench/adapters.bench.ts      (BENCH_ROUNDS=n, default 6)
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from '../src/analysis/descriptive';
import { localPlatforms } from '../src/local/platforms';
import { startLocalStack, type LocalStackConfig } from '../src/local/stack';
import { createInferenceEndpoint, createObjectStore } from '../src/targets/factory';

export const title = 'Adapter overhead: each adapter vs the same request as a bare HTTP call (local stack)';

const ROOT = path.resolve(__dirname, '..');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function raw(method: string, url: string, body?: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode! < 300 ? resolve(n) : reject(new Error(`${method} ${url}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Kind {
  name: string;
  calls: number;
  adapter(): Promise<void>;
  raw(): Promise<void>;
  close(): Promise<void>;
}

async function kinds(c: LocalStackConfig, image: Buffer): Promise<Kind[]> {
  const p = localPlatforms(c);
  const store = createObjectStore(p.gcp.storage);
  await store.ensureContainer();
  const key = 'bench/adapter.jpg';
  const put = await store.put(key, image, image.length);
  if (!put.ok) throw new Error(`gcs put: ${put.errorCode}`);
  const objectUrl = `${c.gcs.apiEndpoint}/storage/v1/b/${c.gcs.bucket}/o/${encodeURIComponent(key)}?alt=media`;
  const vertex = createInferenceEndpoint(p.gcp.inference);
  const envelope = Buffer.from(JSON.stringify({ instances: [{ b64: image.toString('base64') }] }));
  const azureml = createInferenceEndpoint(p.azure.inference);
  const ok = (r: { ok: boolean; errorCode?: string }) => {
    if (!r.ok) throw new Error(r.errorCode);
  };
  return [
    {
      name: 'gcs get',
      calls: 40,
      adapter: async () => ok((await store.get(key)).record),
      raw: async () => void (await raw('GET', objectUrl)),
      close: async () => undefined,
    },
    {
      name: 'gcs put',
      calls: 40,
      adapter: async () => ok(await store.put('bench/put.jpg', image, image.length)),
      raw: async () => void (await raw('POST', `${c.gcs.apiEndpoint}/upload/storage/v1/b/${c.gcs.bucket}/o?uploadType=media&name=bench%2Fraw.jpg`, image, { 'content-type': 'image/jpeg' })),
      close: () => store.close(),
    },
    {
      name: 'vertex predict',
      calls: 6,
      adapter: async () => ok((await vertex.invoke(image, 'image/jpeg')).record),
      raw: async () => void (await raw('POST', `${c.vertex.apiEndpoint}/v1/${c.vertex.endpoint}:predict`, envelope, { 'content-type': 'application/json', authorization: `Bearer ${c.vertex.accessToken}` })),
      close: () => vertex.close(),
    },
    {
      name: 'azureml score',
      calls: 6,
      adapter: async () => ok((await azureml.invoke(image, 'image/jpeg')).record),
      raw: async () => void (await raw('POST', c.azureml.scoringUri, image, { 'content-type': 'image/jpeg', authorization: `Bearer ${c.azureml.key}` })),
      close: () => azureml.close(),
    },
  ];
}

async function timed(fn: () => Promise<void>, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    into.push(performance.now() - t);
  }
}

export async function bench(log: (l: string) => void): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
  const image = fs.readFileSync(path.join(ROOT, 'src/datasets/photos/horses.jpg'));
  const stack = await startLocalStack();
  try {
    const all = await kinds(stack.config, image);
    log(`  ${rounds} rounds, alternating adapter and raw; a ${(image.length / 1024).toFixed(0)} KiB JPEG; one request at a time`);
    log(`  ${'call'.padEnd(15)} ${'calls'.padStart(5)}  ${'adapter ms'.padStart(10)}  ${'raw ms'.padStart(8)}  ratio  ${'added ms'.padStart(8)}`);
    for (const kind of all) {
      // Warm both paths (connections, the token, the detector) before timing.
      await kind.adapter();
      await kind.raw();
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? [kind.adapter, kind.raw] : [kind.raw, kind.adapter];
        for (const fn of order) await timed(fn, Math.ceil(kind.calls / rounds), fn === kind.adapter ? a : b);
      }
      const ma = median(a);
      const mb = median(b);
      log(`  ${kind.name.padEnd(15)} ${String(a.length).padStart(5)}  ${ma.toFixed(2).padStart(10)}  ${mb.toFixed(2).padStart(8)}  ${(ma / mb).toFixed(2).padStart(5)}  ${(ma - mb).toFixed(2).padStart(8)}`);
      await kind.close();
    }
  } finally {
    agent.destroy();
    await stack.stop();
  }
}

if (require.main === module) {
  bench((l) => console.log(l)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
