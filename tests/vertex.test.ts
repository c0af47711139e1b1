/**
 * The Vertex AI prediction protocol of the local inference server, through the Vertex adapter (the
 * same JSON POST client and token source a real endpoint gets) and, for the error shapes, raw HTTP.
 * The scorer is a stub with known answers, so what is checked is the protocol, not the model.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { VertexTargetConfig } from '../src/config/targets';
import { ImageDecodeError } from '../src/local/detector';
import { createInferenceRequestHandler } from '../src/local/inference-server';
import { LOCAL_DEPLOYED_MODEL_ID, VERTEX_MAX_BODY_BYTES } from '../src/local/vertex-protocol';
import { createVertexEndpoint } from '../src/targets/vertex-endpoint';

const TOKEN = 'ya29.test-token';
const ENDPOINT = 'projects/proj-1/locations/europe-west4/endpoints/42';
const DETECTION = { label: 'dog', classId: 16, score: 0.9, box: [1, 2, 30, 40] as [number, number, number, number] };
// A JPEG's first bytes are enough for the stub; a leading 'B' makes it refuse the image like a decoder would.
const IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

let server: http.Server;
let base = '';
const seen: Buffer[] = [];

before(async () => {
  const handler = createInferenceRequestHandler(
    { region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'x', endpointName: 'e', azureKey: 'k', vertex: { project: 'proj-1', location: 'europe-west4', endpointId: '42', token: TOKEN } },
    {
      model: 'stub-detector',
      async detect(image) {
        seen.push(image);
        if (image[0] === 0x42) throw new ImageDecodeError('not an image');
        return { detections: [DETECTION], inferenceMs: 12.5, width: 100, height: 80, instances: 2 };
      },
    },
  );
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = (over: Partial<VertexTargetConfig> = {}): VertexTargetConfig => ({ type: 'vertex', endpoint: ENDPOINT, apiEndpoint: base, accessToken: TOKEN, ...over });

async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('Vertex AI predict protocol', () => {
  test(':predict through the adapter: the image arrives intact, detections, model time and instances come back', async () => {
    seen.length = 0;
    const endpoint = createVertexEndpoint(config(), { retry: { maxAttempts: 1 } });
    try {
      const r = await endpoint.invoke(IMAGE, 'image/jpeg');
      assert.equal(r.record.ok, true, `${r.record.errorCode} ${r.record.errorMessage}`);
      assert.ok(seen[0].equals(IMAGE), 'the b64 instance decodes to the bytes sent');
      assert.deepEqual(r.response?.detections, [DETECTION]);
      assert.equal(r.response?.inferenceMs, 12.5);
      assert.equal(r.response?.instances, 2);
      assert.equal(r.response?.model, 'stub-detector');
      assert.equal(r.record.bytes, Buffer.byteLength(JSON.stringify({ instances: [{ b64: IMAGE.toString('base64') }] })));
      assert.equal(endpoint.location, `${base}/v1/${ENDPOINT}:predict`);
    } finally {
      await endpoint.close();
    }
  });

  test('the envelope is what Vertex returns: predictions, deployedModelId, model resource name, X-Vertex-AI headers', async () => {
    const r = await post(`/v1/${ENDPOINT}:predict`, JSON.stringify({ instances: [{ b64: IMAGE.toString('base64') }, { b64: IMAGE.toString('base64') }] }));
    assert.equal(r.status, 200);
    assert.equal((r.json.predictions as unknown[]).length, 2, 'one prediction per instance');
    assert.equal(r.json.deployedModelId, LOCAL_DEPLOYED_MODEL_ID);
    assert.equal(r.json.model, 'projects/proj-1/locations/europe-west4/models/cloudbench-detector');
    assert.equal(r.headers.get('x-vertex-ai-deployed-model-id'), LOCAL_DEPLOYED_MODEL_ID);
    assert.equal(r.headers.get('x-vertex-ai-endpoint-id'), '42');
  });

  test(':rawPredict takes the image bytes and answers the container\'s own JSON (cloudbench codec by default)', async () => {
    const endpoint = createVertexEndpoint(config({ method: 'rawPredict' }), { retry: { maxAttempts: 1 } });
    try {
      const r = await endpoint.invoke(IMAGE, 'image/jpeg');
      assert.equal(r.record.ok, true, `${r.record.errorCode} ${r.record.errorMessage}`);
      assert.equal(r.record.bytes, IMAGE.length);
      assert.deepEqual(r.response?.detections, [DETECTION]);
    } finally {
      await endpoint.close();
    }
  });

  test('a wrong token is refused with 401 UNAUTHENTICATED, once (not retried), before the model sees anything', async () => {
    seen.length = 0;
    const endpoint = createVertexEndpoint(config({ accessToken: 'ya29.someone-elses' }));
    try {
      const r = await endpoint.invoke(IMAGE, 'image/jpeg');
      assert.equal(r.record.ok, false);
      assert.equal(r.record.errorCode, 'UNAUTHENTICATED');
      assert.equal(r.record.attempts, 1);
      assert.match(r.record.errorMessage ?? '', /invalid authentication credentials/);
      assert.equal(seen.length, 0);
    } finally {
      await endpoint.close();
    }
    const raw = await fetch(`${base}/v1/${ENDPOINT}:predict`, { method: 'POST', body: '{}' });
    assert.equal(raw.status, 401);
    assert.match(raw.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.deepEqual(Object.keys(((await raw.json()) as { error: object }).error).sort(), ['code', 'message', 'status']);
  });

  test('Google error JSON for an unknown endpoint, a bad payload, an oversize request and an image the model refuses', async () => {
    const cases: Array<[string, Buffer | string, number, string, RegExp]> = [
      [`/v1/projects/proj-1/locations/europe-west4/endpoints/43:predict`, '{}', 404, 'NOT_FOUND', /Endpoint `projects\/proj-1\/locations\/europe-west4\/endpoints\/43` not found/],
      [`/v1/${ENDPOINT}:predict`, 'not json', 400, 'INVALID_ARGUMENT', /not JSON/],
      [`/v1/${ENDPOINT}:predict`, '{"instances":[]}', 400, 'INVALID_ARGUMENT', /non-empty list/],
      [`/v1/${ENDPOINT}:predict`, '{"instances":[{"image":"x"}]}', 400, 'INVALID_ARGUMENT', /instances\[0\] must be \{"b64"/],
      [`/v1/${ENDPOINT}:predict`, Buffer.alloc(VERTEX_MAX_BODY_BYTES + 1, 0x20), 400, 'INVALID_ARGUMENT', /exceeds the limit: 1572864 bytes/],
      [`/v1/${ENDPOINT}:predict`, JSON.stringify({ instances: [{ b64: Buffer.from('B').toString('base64') }] }), 400, 'INVALID_ARGUMENT', /rejected the instance: not an image/],
    ];
    for (const [path, body, status, name, message] of cases) {
      const r = await post(path, body);
      const error = r.json.error as { code: number; status: string; message: string };
      assert.equal(r.status, status, `${path} ${String(body).slice(0, 30)}`);
      assert.equal(error.code, status);
      assert.equal(error.status, name);
      assert.match(error.message, message);
    }
  });
});
