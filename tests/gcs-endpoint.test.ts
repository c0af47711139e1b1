/**
 * The local Cloud Storage endpoint against the official Node client (@google-cloud/storage) and,
 * where the machine has it, Google's own CLI (`gcloud storage`) as an independent client: uploads
 * of every kind, ranged reads, listings, preconditions, errors, and data that outlives a restart.
 * (The adapter's 100-object round trip through the stack is in storage.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { startGcsServer, type RunningGcsServer } from '../src/local/gcs-server';

const BUCKET = 'cloudbench';
let dataDir = '';
let server: RunningGcsServer;
let storage: Storage;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-gcs-test-'));
  server = await startGcsServer({ dataDir, buckets: [BUCKET] });
  storage = new Storage({ apiEndpoint: server.apiEndpoint, projectId: 'test' });
});
after(async () => {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function raw(method: string, url: string, init: { body?: Buffer | string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${server.apiEndpoint}${url}`, { method, body: init.body, headers: init.headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('local Cloud Storage endpoint, official Node client', () => {
  test('resumable uploads in several chunks (a Buffer and a stream) come back byte-exact', async () => {
    const bucket = storage.bucket(BUCKET);
    // 256 KiB is the chunk granularity the client requires; an odd tail makes the last chunk short.
    const big = randomBytes(3 * 256 * 1024 + 12_345);
    await bucket.file('resumable/buffer.bin').save(big, { resumable: true, chunkSize: 256 * 1024 });
    const streamed = randomBytes(700_001);
    await pipeline(Readable.from([streamed.subarray(0, 300_000), streamed.subarray(300_000)]), bucket.file('resumable/stream.bin').createWriteStream({ resumable: true, chunkSize: 256 * 1024 }));
    const [a] = await bucket.file('resumable/buffer.bin').download();
    const [b] = await bucket.file('resumable/stream.bin').download();
    assert.ok(a.equals(big));
    assert.ok(b.equals(streamed));
    const [meta] = await bucket.file('resumable/buffer.bin').getMetadata();
    assert.equal(meta.size, String(big.length));
    assert.equal(meta.md5Hash, createHash('md5').update(big).digest('base64'));
  });

  test('the client\'s default resumable uploads (one request, `bytes 0-*/N` or an unknown total) finish byte-exact', async () => {
    const bucket = storage.bucket(BUCKET);
    const body = randomBytes(1_000_003);
    await bucket.file('default/save.bin').save(body, { resumable: true });
    await pipeline(Readable.from([body.subarray(0, 400_000), body.subarray(400_000)]), bucket.file('default/stream.bin').createWriteStream());
    const local = path.join(dataDir, '..', `cloudbench-gcs-upload-${process.pid}.bin`);
    fs.writeFileSync(local, body);
    try {
      await bucket.upload(local, { destination: 'default/upload.bin', resumable: true });
    } finally {
      fs.rmSync(local, { force: true });
    }
    for (const name of ['default/save.bin', 'default/stream.bin', 'default/upload.bin']) {
      assert.ok((await bucket.file(name).download())[0].equals(body), name);
    }
    assert.deepEqual(fs.readdirSync(path.join(dataDir, '.tmp')), [], 'no upload leaves a temp file behind');
  });

  test('a byte range reads exactly that slice (206)', async () => {
    const body = randomBytes(10_000);
    const file = storage.bucket(BUCKET).file('range/r.bin');
    await file.save(body, { resumable: false });
    const chunks: Buffer[] = [];
    for await (const c of file.createReadStream({ start: 1000, end: 2999 })) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(body.subarray(1000, 3000)));
    const r = await raw('GET', `/storage/v1/b/${BUCKET}/o/range%2Fr.bin?alt=media`, { headers: { range: 'bytes=-10' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), 'bytes 9990-9999/10000');
  });

  test('listings: every name once across small pages, delimiter folds folders into prefixes', async () => {
    const bucket = storage.bucket(BUCKET);
    const names = ['list/a.txt', 'list/b.txt', 'list/sub/c.txt', 'list/sub/d.txt', 'list/sub2/e.txt', 'list/z.txt'];
    for (const n of names) await bucket.file(n).save(Buffer.from(n), { resumable: false });
    const seen: string[] = [];
    let query: { prefix: string; maxResults: number; autoPaginate: false; pageToken?: string } | undefined = { prefix: 'list/', maxResults: 4, autoPaginate: false };
    let pages = 0;
    while (query) {
      const [files, next] = (await bucket.getFiles(query)) as unknown as [Array<{ name: string }>, typeof query | null];
      seen.push(...files.map((f) => f.name));
      pages += 1;
      query = next?.pageToken ? { ...query, pageToken: next.pageToken } : undefined;
    }
    assert.deepEqual(seen, names);
    assert.equal(pages, 2);
    const listing = JSON.parse((await raw('GET', `/storage/v1/b/${BUCKET}/o?prefix=list/&delimiter=/`)).text) as { items: Array<{ name: string }>; prefixes: string[] };
    assert.deepEqual(listing.items.map((i) => i.name), ['list/a.txt', 'list/b.txt', 'list/z.txt']);
    assert.deepEqual(listing.prefixes, ['list/sub/', 'list/sub2/']);
  });

  test('preconditions, missing objects and buckets answer in the JSON API\'s error shape', async () => {
    const file = storage.bucket(BUCKET).file('pre/once.txt');
    await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await assert.rejects(file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }), (err: { code?: number }) => err.code === 412);
    assert.equal((await file.download())[0].toString(), 'first');
    // Reads and deletes take the same precondition: another generation's is refused with 412.
    const [meta] = await file.getMetadata();
    const wrong = String(Number(meta.generation) + 1);
    assert.equal((await raw('GET', `/storage/v1/b/${BUCKET}/o/pre%2Fonce.txt?alt=media&ifGenerationMatch=${wrong}`)).status, 412);
    assert.equal((await raw('DELETE', `/storage/v1/b/${BUCKET}/o/pre%2Fonce.txt?ifGenerationMatch=${wrong}`)).status, 412);
    assert.equal((await file.download())[0].toString(), 'first', 'a refused delete deletes nothing');
    await assert.rejects(storage.bucket(BUCKET).file('pre/none').getMetadata(), (err: { code?: number; errors?: Array<{ reason: string }> }) => err.code === 404 && err.errors?.[0].reason === 'notFound');
    const missingBucket = await raw('GET', '/storage/v1/b/no-such-bucket/o');
    assert.equal(missingBucket.status, 404);
    assert.deepEqual(Object.keys(JSON.parse(missingBucket.text).error).sort(), ['code', 'errors', 'message']);
    await assert.rejects(storage.bucket(BUCKET).delete(), (err: { code?: number }) => err.code === 409, 'a bucket with objects is not deleted');
    await storage.createBucket('second-bucket');
    await assert.rejects(storage.createBucket('second-bucket'), (err: { code?: number }) => err.code === 409);
    await storage.bucket('second-bucket').delete();
    assert.deepEqual((await storage.getBuckets())[0].map((b) => b.name), [BUCKET]);
    const badName = await raw('POST', `/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=..`, { body: 'x' });
    assert.equal(badName.status, 400);
    const nullMetadata = await raw('POST', `/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart`, {
      body: '--b\r\nContent-Type: application/json\r\n\r\nnull\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--',
      headers: { 'content-type': 'multipart/related; boundary=b' },
    });
    assert.equal(nullMetadata.status, 400, nullMetadata.text);
    // A bucket may be called "tmp": uploads in progress live elsewhere and survive its deletion.
    await storage.createBucket('tmp');
    await storage.bucket('tmp').delete();
    await storage.bucket(BUCKET).file('pre/after-tmp.txt').save('still works', { resumable: false });
  });

  test('the resumable protocol by hand: 308 without Range before any byte, Range after a chunk, a resent chunk is not stored twice', async () => {
    const start = await raw('POST', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=hand.bin`, { body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(start.status, 200);
    const session = new URL(start.headers.get('location')!);
    const put = (body: Buffer | string, range: string) => raw('PUT', `${session.pathname}${session.search}`, { body, headers: { 'content-range': range } });
    const q0 = await put('', 'bytes */*');
    assert.equal(q0.status, 308);
    assert.equal(q0.headers.get('range'), null);
    assert.equal((await put('abcde', 'bytes 0-4/*')).headers.get('range'), 'bytes=0-4');
    // The client lost the reply and sends bytes 3..9 again: 3 and 4 are already there.
    const done = await put('defghij', 'bytes 3-9/10');
    assert.equal(done.status, 200);
    assert.equal((await storage.bucket(BUCKET).file('hand.bin').download())[0].toString(), 'abcdefghij');
    // The final reply was lost: asking again answers with the object, as GCS does.
    const again = await put('', 'bytes */10');
    assert.equal(again.status, 200);
    assert.equal(JSON.parse(again.text).name, 'hand.bin');
  });

  test('two PUTs of one session at once (a retry while the first still sends) are taken in turn', async () => {
    const start = await raw('POST', `/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=twice.bin`, { body: '{}', headers: { 'content-type': 'application/json' } });
    const session = new URL(start.headers.get('location')!);
    const body = randomBytes(2_000_000);
    const put = () => raw('PUT', `${session.pathname}${session.search}`, { body, headers: { 'content-range': `bytes 0-${body.length - 1}/${body.length}` } });
    const [a, b] = await Promise.all([put(), put()]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.ok((await storage.bucket(BUCKET).file('twice.bin').download())[0].equals(body));
    assert.deepEqual(fs.readdirSync(path.join(dataDir, '.tmp')), []);
  });

  test('an invalid range (last byte before the first) is ignored: the whole object comes back', async () => {
    await storage.bucket(BUCKET).file('range/whole.txt').save('0123456789', { resumable: false });
    const r = await raw('GET', `/storage/v1/b/${BUCKET}/o/range%2Fwhole.txt?alt=media`, { headers: { range: 'bytes=5-3' } });
    assert.equal(r.status, 200);
    assert.equal(r.text, '0123456789');
  });

  test('objects outlive a restart of the endpoint on the same data folder', async () => {
    await storage.bucket(BUCKET).file('keep/me.txt').save('still here', { resumable: false });
    const second = await startGcsServer({ dataDir });
    try {
      const again = new Storage({ apiEndpoint: second.apiEndpoint, projectId: 'test' });
      assert.equal((await again.bucket(BUCKET).file('keep/me.txt').download())[0].toString(), 'still here');
      const [files] = await again.bucket(BUCKET).getFiles({ prefix: 'keep/' });
      assert.deepEqual(files.map((f) => f.name), ['keep/me.txt']);
    } finally {
      await second.close();
    }
  });
});

const gcloud = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
const hasGcloud = gcloud.status === 0;

describe('local Cloud Storage endpoint, Google\'s CLI as an independent client', { skip: hasGcloud ? false : 'gcloud is not installed on this machine' }, () => {
  test('gcloud storage cp (multipart and resumable), ls, hash, cp back and rm', { timeout: 180_000 }, async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-gcloud-'));
    try {
      const tokenFile = path.join(work, 'token');
      fs.writeFileSync(tokenFile, 'ya29.local-any');
      const env = {
        ...process.env,
        CLOUDSDK_CONFIG: path.join(work, 'config'),
        CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${server.apiEndpoint}/`,
        CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
        CLOUDSDK_CORE_PROJECT: 'test',
        CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: '1',
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
      };
      // Asynchronously: the endpoint runs in this process and must keep serving while gcloud waits.
      const run = async (...args: string[]) => {
        try {
          return (await promisify(execFile)('gcloud', ['storage', ...args], { env, encoding: 'utf8', timeout: 60_000 })).stdout;
        } catch (err) {
          assert.fail(`gcloud storage ${args.join(' ')}: ${(err as { stderr?: string }).stderr ?? err}`);
        }
      };
      const small = randomBytes(300_000); // a multipart upload
      const large = randomBytes(12 * 1024 * 1024 + 7); // above gcloud's resumable threshold
      fs.writeFileSync(path.join(work, 'small.bin'), small);
      fs.writeFileSync(path.join(work, 'large.bin'), large);
      await run('cp', path.join(work, 'small.bin'), `gs://${BUCKET}/cli/small.bin`);
      await run('cp', path.join(work, 'large.bin'), `gs://${BUCKET}/cli/large.bin`);
      assert.deepEqual((await run('ls', `gs://${BUCKET}/cli/`)).trim().split('\n').sort(), [`gs://${BUCKET}/cli/large.bin`, `gs://${BUCKET}/cli/small.bin`]);
      // gcloud checks its download against the endpoint's CRC32C with its own implementation.
      await run('cp', `gs://${BUCKET}/cli/large.bin`, path.join(work, 'large.back'));
      assert.ok(fs.readFileSync(path.join(work, 'large.back')).equals(large));
      const hashes = await run('hash', `gs://${BUCKET}/cli/small.bin`);
      assert.ok(hashes.includes(`md5_hash: ${createHash('md5').update(small).digest('base64')}`), hashes);
      await run('rm', `gs://${BUCKET}/cli/small.bin`, `gs://${BUCKET}/cli/large.bin`);
      assert.equal(JSON.parse((await raw('GET', `/storage/v1/b/${BUCKET}/o?prefix=cli/`)).text).items, undefined);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
