import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createAzureBlobStore } from '../src/targets/azure-blob-store';
import { createGcsStore } from '../src/targets/gcs-store';
import { createS3Store } from '../src/targets/s3-store';
import type { ObjectStore } from '../src/targets/types';
import { useLocalStack } from './helpers/local-stack';

const stack = useLocalStack();
before(() => stack.start());
after(() => stack.stop());

const stores: Record<string, () => ObjectStore> = {
  s3: () => {
    const c = stack.get().config.s3;
    return createS3Store({ type: 's3', bucket: c.bucket, region: c.region, endpoint: c.endpoint, credentials: c });
  },
  'azure-blob': () => {
    const c = stack.get().config.azureBlob;
    return createAzureBlobStore({ type: 'azure-blob', connectionString: c.connectionString, container: c.container });
  },
  // The official client against the stack's JSON API endpoint, under a prefix of the bucket.
  gcs: () => {
    const c = stack.get().config.gcs;
    return createGcsStore({ type: 'gcs', bucket: c.bucket, projectId: c.projectId, apiEndpoint: c.apiEndpoint, prefix: 'under/a/prefix' });
  },
};
const MISSING_CODE: Record<string, string> = { s3: 'NoSuchKey', 'azure-blob': 'BlobNotFound', gcs: 'notFound' };

/** Splits a buffer into uneven chunks, as a file or network stream would deliver it. */
function streamOf(buf: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 7919) chunks.push(buf.subarray(i, i + 7919));
  return Readable.from(chunks);
}

for (const [name, make] of Object.entries(stores)) {
  describe(`${name} object store`, () => {
    test('put/get/list/delete 100 objects byte-exact, Buffer and stream bodies', async () => {
      const store = make();
      try {
        await store.ensureContainer();
        const outside = `keep-${name}/untouched.bin`;
        await store.put(outside, Buffer.from('not mine'), 8);
        const objects = Array.from({ length: 100 }, (_, i) => ({
          key: `t-${name}/obj-${String(i).padStart(3, '0')}.bin`,
          body: randomBytes(1 + ((i * 9973) % 300_000)),
        }));
        for (const [i, o] of objects.entries()) {
          const rec = await store.put(o.key, i % 2 ? streamOf(o.body) : o.body, o.body.length);
          assert.equal(rec.ok, true, `${o.key}: ${rec.errorCode} ${rec.errorMessage}`);
          assert.equal(rec.bytes, o.body.length);
          assert.equal(rec.attempts, 1);
          assert.ok(rec.durationMs > 0);
        }
        // A small page size makes the listing paginate (s3rver needs the legacy OpenSSL provider for it).
        const listed = await store.list(`t-${name}/`, { pageSize: 7 });
        assert.deepEqual(listed.sort(), objects.map((o) => o.key).sort());
        for (const o of objects) {
          const got = await store.get(o.key);
          assert.equal(got.record.ok, true, `${o.key}: ${got.record.errorCode}`);
          assert.ok(got.body?.equals(o.body), `${o.key} differs after the round trip`);
          assert.equal(got.record.bytes, o.body.length);
          assert.ok(got.record.ttfbMs !== undefined && got.record.ttfbMs <= got.record.durationMs);
        }
        assert.equal(await store.delete(listed), 100);
        assert.deepEqual(await store.list(`t-${name}/`), []);
        assert.deepEqual(await store.list(`keep-${name}/`), [outside]);
      } finally {
        await store.close();
      }
    });

    test('a missing object is a failed record with the service error code, not an exception', async () => {
      const store = make();
      try {
        const got = await store.get(`t-${name}/does-not-exist`);
        assert.equal(got.record.ok, false);
        assert.equal(got.body, undefined);
        assert.equal(got.record.errorCode, MISSING_CODE[name]);
      } finally {
        await store.close();
      }
    });
  });
}

describe('retries are counted as attempts', () => {
  // Port 1 on loopback refuses connections, which both SDKs retry.
  test('s3', async () => {
    const store = createS3Store({
      type: 's3', bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const rec = await store.put('k', Buffer.from('x'), 1);
    await store.close();
    assert.equal(rec.ok, false);
    assert.equal(rec.attempts, 3); // the SDK's default maxAttempts
  });
  test('azure-blob', async () => {
    const cs = stack.get().config.azureBlob.connectionString.replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'BlobEndpoint=http://127.0.0.1:1');
    const store = createAzureBlobStore(
      { type: 'azure-blob', connectionString: cs, container: 'cloudbench' },
      { retry: { maxAttempts: 2, baseDelayMs: 10 } },
    );
    const rec = await store.put('k', Buffer.from('x'), 1);
    await store.close();
    assert.equal(rec.ok, false);
    assert.equal(rec.attempts, 2);
  });
  test('gcs', async () => {
    const store = createGcsStore({ type: 'gcs', bucket: 'b', projectId: 'p', apiEndpoint: 'http://127.0.0.1:1' }, { retry: { maxAttempts: 3, baseDelayMs: 10 } });
    const rec = await store.put('k', Buffer.from('x'), 1);
    await store.close();
    assert.equal(rec.ok, false);
    assert.equal(rec.attempts, 3);
    assert.equal(rec.errorCode, 'ECONNREFUSED');
  });
});
