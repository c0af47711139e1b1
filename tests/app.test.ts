/**
 * The web app's API over real HTTP on loopback: every route, and the safety cases (upload limit
 * and type, unknown platforms, path traversal into and out of outDir, no secrets to the page,
 * the content security policy, the token beyond loopback). The endpoints are the real protocol
 * handlers in front of scorers with known answers, so disagreements are known too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../src/app/server';
import type { Detection, PlatformConfig } from '../src/index';
import { createInferenceRequestHandler } from '../src/local/inference-server';
import { writeSyntheticRun } from './fixtures/synthetic-run';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, checked field by field below
type Json = any;
const json = async (r: Response): Promise<Json> => r.json();
const HORSES = fs.readFileSync(path.join(__dirname, '..', 'src', 'datasets', 'photos', 'horses.jpg'));
const KEY = 'app-test-key';
const SECRET = 'S3CRET-never-on-the-page';

async function scorerServer(detections: Detection[] | 'fail'): Promise<{ url: string; close(): Promise<void> }> {
  const handler = createInferenceRequestHandler(
    { region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'x', endpointName: 'ep', azureKey: KEY },
    {
      model: 'known-answers',
      async detect() {
        if (detections === 'fail') throw new Error('CUDA out of memory');
        return { detections, inferenceMs: 12.5, width: 773, height: 512 };
      },
    },
  );
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const horse = (box: Detection['box'], score = 0.9): Detection => ({ label: 'horse', classId: 17, score, box });
const platform = (scoringUri: string): PlatformConfig => ({
  storage: { type: 's3', bucket: 'bucket-x', region: 'us-east-1', credentials: { accessKeyId: 'AK', secretAccessKey: SECRET } },
  inference: { type: 'azureml', scoringUri, key: KEY },
});

describe('app API', { timeout: 60_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-app-'));
  const outDir = path.join(tmp, 'reports');
  const servers: { url: string; close(): Promise<void> }[] = [];
  let app: RunningApp;
  let base: string;
  before(async () => {
    servers.push(await scorerServer([horse([10, 10, 100, 100]), { label: 'dog', classId: 16, score: 0.8, box: [200, 200, 300, 300] }]));
    servers.push(await scorerServer([horse([12, 12, 102, 98])]));
    servers.push(await scorerServer('fail'));
    writeSyntheticRun(path.join(outDir, 'run-a'), { batches: 3, batchSize: 2 });
    fs.writeFileSync(path.join(outDir, 'run-a', 'report.html'), '<!DOCTYPE html><title>r</title><p>report</p>');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside outDir');
    app = await startApp({ platforms: { a: platform(servers[0].url), b: platform(servers[1].url), broken: platform(servers[2].url) }, outDir, maxUploadBytes: 512 * 1024 });
    base = app.url.replace(/\/$/, '');
  });
  after(async () => {
    await app?.close();
    await Promise.all(servers.map((s) => s.close()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('pages and assets are served with a content security policy that loads nothing off this server', async () => {
    for (const route of ['/', '/runs', '/app.css', '/common.js', '/detect.js', '/runs.js']) {
      const res = await fetch(`${base}${route}`);
      assert.equal(res.status, 200, route);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      const text = await res.text();
      assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org)/, `${route} refers to the network`);
    }
  });

  test('a request addressed to another host name (DNS rebinding) is refused', async () => {
    const port = new URL(base).port;
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/runs', headers: { host: `evil.example:${port}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    assert.equal(status, 403);
    assert.equal((await fetch(`${base.replace('127.0.0.1', 'localhost')}/api/runs`)).status, 200, 'localhost is fine');
  });

  test('platforms: names, kinds and locations, never a secret', async () => {
    const text = await (await fetch(`${base}/api/platforms`)).text();
    assert.deepEqual(JSON.parse(text).platforms.map((p: { name: string }) => p.name), ['a', 'b', 'broken']);
    assert.ok(!text.includes(SECRET) && !text.includes(KEY), 'a secret reached the page');
  });

  test('samples: the bundled photos, by exact name only', async () => {
    const { samples } = await json(await fetch(`${base}/api/samples`));
    assert.ok(samples.includes('horses.jpg'));
    const photo = await fetch(`${base}/samples/horses.jpg`);
    assert.equal(photo.headers.get('content-type'), 'image/jpeg');
    assert.equal(Buffer.from(await photo.arrayBuffer()).length, HORSES.length);
    for (const bad of ['..%2F..%2Fpackage.json', '%2Fetc%2Fpasswd', 'COPYRIGHT.darknet']) assert.equal((await fetch(`${base}/samples/${bad}`)).status, 404, bad);
  });

  test('detect: every chosen platform answers, side by side, with what only one of them found', async () => {
    const res = await fetch(`${base}/api/detect?platforms=a,b&iou=0.5`, { method: 'POST', body: HORSES.subarray(0, 400 * 1024), headers: { 'content-type': 'image/jpeg' } });
    const body = await json(res);
    assert.equal(res.status, 200, JSON.stringify(body));
    const [a, b] = body.answers;
    assert.equal(a.ok && b.ok, true);
    assert.equal(a.modelMs, 12.5);
    assert.ok(a.latencyMs > 0);
    assert.deepEqual(a.unmatched, [{ index: 1, missedBy: ['b'] }], 'the dog only a found');
    assert.deepEqual(b.unmatched, [], "b's horse matches a's (IoU ≈ 0.9)");
    const strict = await json(await fetch(`${base}/api/detect?platforms=a,b&iou=0.95`, { method: 'POST', body: HORSES, headers: { 'content-type': 'image/jpeg' } }));
    assert.deepEqual(strict.answers[1].unmatched, [{ index: 0, missedBy: ['a'] }], 'at IoU 0.95 the horses no longer agree');
  });

  test("detect: an endpoint's failure is its panel's message, the others still answer", async () => {
    const body = await json(await fetch(`${base}/api/detect?platforms=a,broken`, { method: 'POST', body: HORSES, headers: { 'content-type': 'image/jpeg' } }));
    assert.equal(body.answers[0].ok, true);
    assert.equal(body.answers[1].ok, false);
    assert.match(body.answers[1].error, /ModelError.*CUDA out of memory/);
  });

  test('detect: bad uploads get a clear 4xx', async () => {
    const post = (q: string, data: Buffer | string, type = 'image/jpeg') => fetch(`${base}/api/detect?${q}`, { method: 'POST', body: data, headers: { 'content-type': type } });
    const cases: [Promise<Response>, number, RegExp][] = [
      [post('platforms=a', Buffer.alloc(600 * 1024, 0xff)), 413, /larger than 1 MiB|upload limit/],
      [post('platforms=a', 'just text'), 415, /not a JPEG or PNG image/],
      [post('platforms=a', HORSES, 'text/plain'), 415, /image\/jpeg or image\/png/],
      [post('platforms=a', Buffer.alloc(0)), 400, /no image/],
      [post('platforms=', HORSES), 400, /choose at least one platform/],
      [post('platforms=a,zz', HORSES), 400, /unknown platform "zz" \(this app has a, b, broken\)/],
      [post('platforms=a&iou=2', HORSES), 400, /iou must be a number in \(0, 1\], got "2"/],
    ];
    for (const [res, status, message] of cases) {
      const r = await res;
      const body = await json(r);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(body.error, message);
    }
  });

  test('runs: listed, files by name, summary, events; nothing outside outDir is reachable', async () => {
    const { runs } = await json(await fetch(`${base}/api/runs`));
    assert.equal(runs.length, 1);
    const id = runs[0].id;
    assert.equal(id, 'run-a', 'runs are named by their folder (unique even when a folder was copied)');
    assert.ok(runs[0].files.includes('batches.csv') && runs[0].files.includes('report.html'));
    assert.equal(runs[0].dir, undefined, 'no server paths in the listing');
    const csv = await fetch(`${base}/runs/${id}/files/batches.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment/);
    const report = await fetch(`${base}/runs/${id}/files/report.html`);
    assert.match(await report.text(), /<p>report<\/p>/);
    assert.match(report.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const summary = await json(await fetch(`${base}/api/runs/${id}/summary`));
    assert.ok(summary.verdicts.length >= 4, JSON.stringify(summary));
    const events = await (await fetch(`${base}/api/runs/${id}/events`)).text();
    const first = JSON.parse(events.split('\n\n')[0].replace(/^data: /, ''));
    assert.equal(first.status, 'complete');
    assert.equal(first.batches, 6);
    assert.match(first.chart, /^<svg/);
    for (const bad of [`${id}/files/..%2F..%2Fsecret.txt`, `..%2F/files/secret.txt`, `${id}/files/config.json`, `nope/files/batches.csv`, `${id}/files/%2Fetc%2Fpasswd`]) {
      const r = await fetch(`${base}/runs/${bad}`);
      assert.equal(r.status, 404, bad);
      assert.doesNotMatch(await r.text(), /outside outDir/);
    }
    assert.equal((await fetch(`${base}/api/runs/nope/events`)).status, 404);
  });
});

test('a live stream of a running run: a damaged batches file ends it with a message (the server carries on), and close() does not wait for open streams', { timeout: 30_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-app-live-'));
  const dir = writeSyntheticRun(path.join(tmp, 'live'), { batches: 2, batchSize: 2 });
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), status: 'running', endedAt: null }));
  const app = await startApp({ platforms: {}, outDir: tmp });
  try {
    const base = app.url.replace(/\/$/, '');
    const open = await fetch(`${base}/api/runs/live/events`);
    const reader = open.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /"status":"running","batches":4/);
    fs.writeFileSync(path.join(dir, 'batches.csv'), 'run,platform,batch\n"unterminated,x,1\n');
    const rest: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(new TextDecoder().decode(r.value));
    assert.match(rest.join(''), /event: failure/);
    assert.equal((await fetch(`${base}/api/runs`)).status, 200, 'the server is still up');
    const again = await fetch(`${base}/api/runs/live/events`); // left open
    assert.equal(again.status, 200);
    const t = performance.now();
    await app.close();
    assert.ok(performance.now() - t < 3000, 'close() ends the open stream instead of waiting for the run');
  } finally {
    await app.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('beyond loopback the app needs its token; without it every route is 401', { timeout: 30_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-app-token-'));
  // 127.0.0.2 is loopback too (nothing leaves the machine) but not the default address, so the app asks for its token.
  const app = await startApp({ platforms: {}, outDir: tmp, host: '127.0.0.2', token: 'tok-123' });
  try {
    assert.equal(app.token, 'tok-123');
    assert.match(app.url, /\?token=tok-123$/);
    const port = new URL(app.url).port;
    assert.match(app.url, /^http:\/\/127\.0\.0\.2:/);
    for (const route of ['/', '/api/platforms', '/api/runs', '/samples/horses.jpg']) {
      const r = await fetch(`http://127.0.0.2:${port}${route}`);
      assert.equal(r.status, 401, route);
      assert.match((await json(r)).error, /needs its token/);
    }
    assert.equal((await fetch(`http://127.0.0.2:${port}/api/platforms?token=tok-123`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.2:${port}/api/platforms`, { headers: { authorization: 'Bearer tok-123' } })).status, 200);
    assert.equal((await fetch(`http://127.0.0.2:${port}/api/platforms?token=tok-124`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.2:${port}/api/platforms?token=tok-123&token=x`)).status, 401, 'a repeated parameter is refused, not a crash');
    assert.equal((await fetch(`http://127.0.0.2:${port}/api/platforms?token=tok-123`, { headers: { authorization: 'Basic proxy' } })).status, 200, "a proxy's own Authorization header does not hide the token");
  } finally {
    await app.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
