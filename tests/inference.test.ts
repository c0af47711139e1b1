/**
 * Local inference endpoint (SageMaker + Azure ML wire protocols over a real COCO detector) and
 * the inference adapters. Each test starts and stops its own server on 127.0.0.1:0.
 * Model facts used below (seen on these photos): horses.jpg → horses, dog.jpg → dog (+ bicycle,
 * car), all scoring ≥ 0.3.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { ImageDecodeError } from '../src/local/detector';
import {
  createInferenceRequestHandler,
  startInferenceServer,
  type InferenceServer,
  type InferenceServerOptions,
} from '../src/local/inference-server';
import { createAzureMlEndpoint } from '../src/targets/azureml-endpoint';
import { createSageMakerEndpoint } from '../src/targets/sagemaker-endpoint';
import type { Detection, ScoringResponse } from '../src/protocol/scoring';
import type { InferenceEndpoint } from '../src/targets/types';

const PHOTOS = path.join(__dirname, '..', 'src', 'datasets', 'photos');
const photo = (name: string) => fs.readFileSync(path.join(PHOTOS, name));
const DOG = photo('dog.jpg'); // 768×576
const HORSES = photo('horses.jpg'); // 773×512
const SIZES = new Map<Buffer, [number, number]>([
  [DOG, [768, 576]],
  [HORSES, [773, 512]],
]);

const BASE: InferenceServerOptions = {
  region: 'us-east-1',
  accessKeyId: 'AKIDCLOUDBENCHLOCAL',
  secretAccessKey: 'local-secret-key',
  endpointName: 'cloudbench-detector',
  azureKey: 'local-azure-key',
};
const CREDS = { accessKeyId: BASE.accessKeyId, secretAccessKey: BASE.secretAccessKey };
const TIMEOUT = { timeout: 90_000 };

async function withServer(opts: Partial<InferenceServerOptions>, fn: (s: InferenceServer) => Promise<void>): Promise<void> {
  const server = await startInferenceServer({ ...BASE, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
  const left = process.getActiveResourcesInfo().filter((r) => /TCPServerWrap|MessagePort|Worker/.test(r));
  assert.deepEqual(left, [], 'server or worker handles left after close()');
}

function sagemaker(server: InferenceServer, over: { secretAccessKey?: string; accessKeyId?: string; endpointName?: string } = {}): InferenceEndpoint {
  return createSageMakerEndpoint({
    type: 'sagemaker',
    endpointName: over.endpointName ?? BASE.endpointName,
    region: BASE.region,
    endpoint: server.sagemakerEndpoint,
    credentials: { ...CREDS, ...over },
  });
}

function assertFound(response: ScoringResponse | undefined, image: Buffer, label: string): void {
  assert.ok(response, 'no response');
  assert.equal(response.model, 'mb3-centernet-coco80');
  assert.ok(response.inferenceMs > 0);
  const hit = response.detections.find((d) => d.label === label && d.score >= 0.3);
  assert.ok(hit, `no ${label} ≥ 0.3 in ${JSON.stringify(response.detections)}`);
  const [w, h] = SIZES.get(image)!;
  for (const d of response.detections) assertInside(d, w, h);
}

function assertInside(d: Detection, w: number, h: number): void {
  const [x1, y1, x2, y2] = d.box;
  assert.ok(0 <= x1 && x1 < x2 && x2 <= w && 0 <= y1 && y1 < y2 && y2 <= h, `box ${d.box} outside ${w}×${h}`);
}

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
}

function rawPost(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A SigV4-signed InvokeEndpoint request built by hand, to send what the SDK would never send. */
async function signedPost(
  server: InferenceServer,
  signedBody: Buffer,
  opts: { sentBody?: Buffer; payloadHashHeader?: boolean; query?: Record<string, string> } = {},
): Promise<RawReply> {
  const signer = new SignatureV4({
    credentials: CREDS,
    region: BASE.region,
    service: 'sagemaker',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: opts.payloadHashHeader ?? true, // false = like botocore: no x-amz-content-sha256
  });
  const path = `/endpoints/${encodeURIComponent(BASE.endpointName)}/invocations`;
  const request: HttpRequest = {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: server.port,
    path,
    query: opts.query ?? {},
    headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'image/jpeg' },
    body: signedBody,
  };
  const signed = await signer.sign(request);
  const qs = new URLSearchParams(opts.query ?? {}).toString();
  return rawPost(`${server.sagemakerEndpoint}${path}${qs ? `?${qs}` : ''}`, opts.sentBody ?? signedBody, signed.headers);
}

test('SageMaker protocol: the official SDK gets horses and a dog, boxes in image pixels', TIMEOUT, async () => {
  await withServer({}, async (server) => {
    const endpoint = sagemaker(server);
    try {
      const horses = await endpoint.invoke(HORSES, 'image/jpeg');
      assert.equal(horses.record.ok, true, horses.record.errorMessage);
      assert.equal(horses.record.attempts, 1);
      assert.equal(horses.record.bytes, HORSES.length);
      assert.ok(horses.record.durationMs > 0 && horses.record.startedAt > 0);
      assertFound(horses.response, HORSES, 'horse');

      const dog = await endpoint.invoke(DOG, 'image/jpeg');
      assert.equal(dog.record.ok, true, dog.record.errorMessage);
      assertFound(dog.response, DOG, 'dog');
    } finally {
      await endpoint.close();
    }

    // The raw client sees the response metadata a real endpoint sends.
    const client = new SageMakerRuntimeClient({ region: BASE.region, endpoint: server.sagemakerEndpoint, credentials: CREDS });
    try {
      const out = await client.send(new InvokeEndpointCommand({ EndpointName: BASE.endpointName, Body: DOG, ContentType: 'image/jpeg' }));
      assert.equal(out.InvokedProductionVariant, 'AllTraffic');
      assert.equal(out.ContentType, 'application/json');
      assertFound(JSON.parse(Buffer.from(out.Body!).toString('utf8')) as ScoringResponse, DOG, 'dog');
    } finally {
      client.destroy();
    }
  });
});

test('SageMaker protocol: SigV4 is verified (unsigned, wrong secret, unknown key, tampered body → 403)', TIMEOUT, async () => {
  await withServer({}, async (server) => {
    const url = `${server.sagemakerEndpoint}/endpoints/${BASE.endpointName}/invocations`;
    const unsigned = await rawPost(url, DOG, { 'content-type': 'image/jpeg' });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    assert.match(String(unsigned.json.message), /Missing Authentication Token/);

    const garbage = await rawPost(url, DOG, { authorization: 'AWS4-HMAC-SHA256 Credential=nope' });
    assert.equal(garbage.status, 403);
    assert.equal(garbage.headers['x-amzn-errortype'], 'IncompleteSignatureException');

    const cases = [
      { over: { secretAccessKey: 'wrong-secret' }, code: 'InvalidSignatureException' },
      { over: { accessKeyId: 'AKIDSOMEONEELSE' }, code: 'UnrecognizedClientException' },
    ];
    for (const c of cases) {
      const endpoint = sagemaker(server, c.over);
      const r = await endpoint.invoke(DOG, 'image/jpeg');
      await endpoint.close();
      assert.equal(r.record.ok, false);
      assert.equal(r.record.errorCode, c.code, r.record.errorMessage);
      assert.equal(r.response, undefined);
    }
    // And the status, as seen by the raw client.
    const client = new SageMakerRuntimeClient({ region: BASE.region, endpoint: server.sagemakerEndpoint, credentials: { ...CREDS, secretAccessKey: 'x' } });
    await assert.rejects(client.send(new InvokeEndpointCommand({ EndpointName: BASE.endpointName, Body: DOG })), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, 'InvalidSignatureException');
      assert.equal(err.$metadata?.httpStatusCode, 403);
      return true;
    });
    client.destroy();

    // Signed for one body, sent with another (the signer must not trust x-amz-content-sha256).
    const tampered = await signedPost(server, DOG, { sentBody: HORSES });
    assert.equal(tampered.status, 403);
    assert.equal(tampered.headers['x-amzn-errortype'], 'InvalidSignatureException');

    // A correct signature without x-amz-content-sha256 (botocore's way) and with a query passes;
    // a signed request for an unknown (URL-encoded) endpoint name gets AWS's 400 ValidationError.
    const botoStyle = await signedPost(server, DOG, { payloadHashHeader: false, query: { 'a b': 'c/d' } });
    assert.equal(botoStyle.status, 200, JSON.stringify(botoStyle.json));
    const missing = await sagemaker(server, { endpointName: 'no such endpoint' }).invoke(DOG, 'image/jpeg');
    assert.equal(missing.record.errorCode, 'ValidationError');
    assert.match(missing.record.errorMessage ?? '', /Endpoint no such endpoint of account 000000000000 not found/);
  });
});

test('SageMaker protocol: bad input is a typed 4xx (ModelError 424/400, ValidationError)', TIMEOUT, async () => {
  await withServer({ maxBodyBytes: 100_000 }, async (server) => {
    const endpoint = sagemaker(server);
    try {
      const notImage = await endpoint.invoke(Buffer.from('this is not an image'), 'image/jpeg');
      assert.equal(notImage.record.ok, false);
      assert.equal(notImage.record.errorCode, 'ModelError');
      assert.match(notImage.record.errorMessage ?? '', /Received client error \(400\).*Could not decode the request body as an image/);

      const empty = await endpoint.invoke(Buffer.alloc(0), 'image/jpeg');
      assert.equal(empty.record.errorCode, 'ValidationError');
      assert.match(empty.record.errorMessage ?? '', /empty/);

      const tooBig = await endpoint.invoke(DOG, 'image/jpeg'); // 160 KB > 100 KB limit
      assert.equal(tooBig.record.errorCode, 'ValidationError');
      assert.match(tooBig.record.errorMessage ?? '', /exceeds the 100000-byte limit/);
    } finally {
      await endpoint.close();
    }

    const client = new SageMakerRuntimeClient({ region: BASE.region, endpoint: server.sagemakerEndpoint, credentials: CREDS });
    try {
      await assert.rejects(client.send(new InvokeEndpointCommand({ EndpointName: BASE.endpointName, Body: Buffer.from('GIF89a junk') })), (err: Error & Record<string, unknown>) => {
        assert.equal(err.name, 'ModelError');
        assert.equal(err.OriginalStatusCode, 400);
        assert.match(String(err.OriginalMessage), /"code":"InvalidImage"/);
        assert.match(String(err.LogStreamArn), /^arn:aws:logs:us-east-1:000000000000:log-group:\/aws\/sagemaker\/Endpoints\/cloudbench-detector/);
        assert.equal((err.$metadata as { httpStatusCode?: number }).httpStatusCode, 424);
        return true;
      });
    } finally {
      client.destroy();
    }
  });
});

test('Azure ML protocol: bearer key, detections, JSON errors, deployment header', TIMEOUT, async () => {
  await withServer({}, async (server) => {
    const endpoint = createAzureMlEndpoint({ type: 'azureml', scoringUri: server.scoringUri, key: BASE.azureKey, deployment: 'blue' });
    const wrongKey = createAzureMlEndpoint({ type: 'azureml', scoringUri: server.scoringUri, key: 'not-the-key' });
    try {
      const dog = await endpoint.invoke(DOG, 'image/jpeg');
      assert.equal(dog.record.ok, true, dog.record.errorMessage);
      assert.equal(dog.record.attempts, 1);
      assert.equal(dog.record.bytes, DOG.length);
      assertFound(dog.response, DOG, 'dog');

      const denied = await wrongKey.invoke(DOG, 'image/jpeg');
      assert.equal(denied.record.ok, false);
      assert.equal(denied.record.errorCode, 'Unauthorized');

      const notImage = await endpoint.invoke(Buffer.from('<html>nope</html>'), 'image/jpeg');
      assert.equal(notImage.record.errorCode, 'InvalidImage');
      assert.match(notImage.record.errorMessage ?? '', /Could not decode the request body as an image/);

      const empty = await endpoint.invoke(Buffer.alloc(0), 'image/jpeg');
      assert.equal(empty.record.errorCode, 'EmptyBody');
    } finally {
      await endpoint.close();
      await wrongKey.close();
    }

    const noKey = await rawPost(server.scoringUri, DOG, { 'content-type': 'image/jpeg' });
    assert.equal(noKey.status, 401);
    assert.deepEqual(Object.keys(noKey.json), ['error']);
    const badInput = await rawPost(server.scoringUri, Buffer.from('xyz'), { authorization: `Bearer ${BASE.azureKey}` });
    assert.equal(badInput.status, 400);
    assert.equal((badInput.json.error as { code: string }).code, 'InvalidImage');
    const pinned = await rawPost(server.scoringUri, HORSES, { authorization: `Bearer ${BASE.azureKey}`, 'azureml-model-deployment': 'green' });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.headers['azureml-model-deployment'], 'green');
    assertFound(pinned.json as unknown as ScoringResponse, HORSES, 'horse');

    const ping = await fetch(`${server.sagemakerEndpoint}/ping`);
    assert.equal(ping.status, 200);
    assert.equal(ping.headers.get('content-type'), 'application/json');
    await ping.arrayBuffer();
  });
});

test('model failures: SageMaker 424 ModelError (OriginalStatusCode 500), Azure ML 500 JSON', TIMEOUT, async () => {
  // The protocol layer alone, with a scorer that fails like a broken model would.
  const handler = createInferenceRequestHandler(BASE, {
    model: 'broken',
    detect: async (image) => {
      if (image[0] === 0x42) throw new ImageDecodeError('bad image');
      throw new Error('tensor shape mismatch');
    },
  });
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SageMakerRuntimeClient({ region: BASE.region, endpoint: base, credentials: CREDS });
  try {
    await assert.rejects(client.send(new InvokeEndpointCommand({ EndpointName: BASE.endpointName, Body: Buffer.from('x') })), (err: Error & Record<string, unknown>) => {
      assert.equal(err.name, 'ModelError');
      assert.equal(err.OriginalStatusCode, 500);
      assert.match(String(err.message), /Received server error \(500\) from primary.*tensor shape mismatch/);
      assert.equal((err.$metadata as { attempts?: number }).attempts, 1, 'ModelError must not be retried');
      return true;
    });
    const az = await rawPost(`${base}/score`, Buffer.from('x'), { authorization: `Bearer ${BASE.azureKey}` });
    assert.equal(az.status, 500);
    assert.deepEqual(az.json, { error: { code: 'ModelError', message: 'Inference failed: tensor shape mismatch' } });
    const decode = await rawPost(`${base}/score`, Buffer.from('B'), { authorization: `Bearer ${BASE.azureKey}` });
    assert.equal(decode.status, 400);
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('instances: 2 workers serve concurrent requests correctly', TIMEOUT, async () => {
  await withServer({ instances: 2 }, async (server) => {
    assert.equal(server.instances, 2);
    const auth = { authorization: `Bearer ${BASE.azureKey}`, 'content-type': 'image/jpeg' };
    const images = [DOG, HORSES, HORSES, DOG];
    const endpoint = sagemaker(server);
    try {
      const [raw, viaSdk] = await Promise.all([
        Promise.all(images.map((img) => rawPost(server.scoringUri, img, auth))),
        Promise.all([endpoint.invoke(HORSES, 'image/jpeg'), endpoint.invoke(DOG, 'image/jpeg')]),
      ]);
      raw.forEach((r, i) => {
        assert.equal(r.status, 200);
        assertFound(r.json as unknown as ScoringResponse, images[i], images[i] === DOG ? 'dog' : 'horse');
      });
      assertFound(viaSdk[0].response, HORSES, 'horse');
      assertFound(viaSdk[1].response, DOG, 'dog');
      const served = new Set(raw.map((r) => r.headers['x-cloudbench-instance']));
      assert.deepEqual([...served].sort(), ['0', '1'], 'both instances should have served');
    } finally {
      await endpoint.close();
    }
  });
});

test('close() leaves nothing running: a child process exits on its own', TIMEOUT, async () => {
  const serverModule = path.join(__dirname, '..', 'src', 'local', 'inference-server.ts');
  const script = `
    const { startInferenceServer } = require(${JSON.stringify(serverModule)});
    (async () => {
      const s = await startInferenceServer(${JSON.stringify({ ...BASE, instances: 2 })});
      const r = await fetch(s.scoringUri, { method: 'POST', body: require('fs').readFileSync(${JSON.stringify(path.join(PHOTOS, 'dog.jpg'))}),
        headers: { authorization: 'Bearer ${BASE.azureKey}' } });
      const body = await r.json();
      await s.close();
      console.log(JSON.stringify({ status: r.status, labels: body.detections.map((d) => d.label) }));
    })();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  assert.equal(signal, null, `child did not exit on its own after close() (killed). stderr: ${err}`);
  assert.equal(code, 0, err);
  const result = JSON.parse(out.trim().split('\n').pop()!) as { status: number; labels: string[] };
  assert.equal(result.status, 200);
  assert.ok(result.labels.includes('dog'));
});

test('Azure ML adapter retries 429/503/connection reset, at most 3 attempts, then reports the code', TIMEOUT, async () => {
  const body = JSON.stringify({ detections: [], model: 'stub', inferenceMs: 1 });
  const script: ((res: http.ServerResponse) => void)[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => (script.shift() ?? ((r) => r.writeHead(500).end()))(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  const endpoint = createAzureMlEndpoint({ type: 'azureml', scoringUri: uri, key: 'k' });
  const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => (res: http.ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
  try {
    script.push((res) => res.socket?.destroy(), reply(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'retry-after': '0' }), reply(200, JSON.parse(body)));
    const ok = await endpoint.invoke(DOG, 'image/jpeg');
    assert.equal(ok.record.ok, true, ok.record.errorMessage);
    assert.equal(ok.record.attempts, 3);

    script.push(...[1, 2, 3, 4].map(() => reply(503, { error: { code: 'ServiceUnavailable', message: 'busy' } }, { 'retry-after': '0' })));
    const busy = await endpoint.invoke(DOG, 'image/jpeg');
    assert.deepEqual([busy.record.ok, busy.record.attempts, busy.record.errorCode], [false, 3, 'ServiceUnavailable']);
    script.length = 0;

    script.push((res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>'));
    const gateway = await endpoint.invoke(DOG, 'image/jpeg');
    assert.deepEqual([gateway.record.attempts, gateway.record.errorCode], [1, 'HTTP_502']);
  } finally {
    await endpoint.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
