/**
 * Endpoint codecs. One real detection (the local detector on horses.jpg, 773×512, recorded
 * through the SageMaker-protocol endpoint) written in each server's documented response format —
 * Vertex AI AutoML object detection, a Vertex custom container, Ultralytics YOLOv8 JSON,
 * TorchServe's object detector, SageMaker's built-in object detection (normalised
 * [class, score, x1, y1, x2, y2] rows, through a mapping) and a KServe-style custom shape (xywh,
 * through a mapping) — must decode into the same detections. Mapping errors name the path; the
 * http adapter uses the codec on the wire; `raw` leaves detections unknown.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { parseExperimentConfig } from '../src/config/experiment';
import { createCodec, type CodecConfig } from '../src/protocol/codecs';
import { imageSize } from '../src/protocol/image-size';
import { detectionCount, type Detection } from '../src/protocol/scoring';
import { createInferenceEndpoint } from '../src/targets/factory';

const IMAGE = fs.readFileSync(path.join(__dirname, '..', 'src', 'datasets', 'photos', 'horses.jpg'));
const W = 773;
const H = 512;
const RECORDED: Detection[] = [
  { label: 'horse', classId: 17, score: 0.6707, box: [433.3, 209.7, 601.8, 346.2] },
  { label: 'horse', classId: 17, score: 0.5804, box: [0, 188.1, 312.6, 412.6] },
  { label: 'horse', classId: 17, score: 0.3639, box: [241.2, 192.1, 439.1, 370.1] },
];

const responses: Record<string, { codec: CodecConfig; body: unknown }> = {
  cloudbench: { codec: { type: 'cloudbench' }, body: { detections: RECORDED, model: 'mb3-centernet-coco80', inferenceMs: 233.75 } },
  'vertex AutoML': {
    codec: { type: 'vertex' },
    body: {
      predictions: [{ ids: ['1', '1', '1'], displayNames: RECORDED.map((d) => d.label), confidences: RECORDED.map((d) => d.score), bboxes: RECORDED.map((d) => [d.box[0] / W, d.box[2] / W, d.box[1] / H, d.box[3] / H]) }],
      deployedModelId: '4205212387',
    },
  },
  'vertex custom container': { codec: { type: 'vertex' }, body: { predictions: [RECORDED], deployedModelId: '77' } },
  yolov8: {
    codec: { type: 'yolov8' },
    body: RECORDED.map((d) => ({ name: d.label, class: d.classId, confidence: d.score, box: { x1: d.box[0], y1: d.box[1], x2: d.box[2], y2: d.box[3] } })),
  },
  torchserve: { codec: { type: 'torchserve' }, body: RECORDED.map((d) => ({ [d.label]: d.box, score: d.score })) },
  'sagemaker built-in object detection (jsonpath)': {
    codec: { type: 'jsonpath', request: 'base64-json', base64Field: 'image', detections: '$.prediction', label: '[0]', score: '[1]', box: ['[2]', '[3]', '[4]', '[5]'], boxFormat: 'xyxy', normalized: true },
    body: { prediction: RECORDED.map((d) => [d.classId, d.score, d.box[0] / W, d.box[1] / H, d.box[2] / W, d.box[3] / H]) },
  },
  'kserve-style custom (jsonpath, xywh)': {
    codec: { type: 'jsonpath', request: 'image', base64Field: 'image', detections: '$.outputs[0].data', label: 'cls', score: 'conf', box: 'bbox', boxFormat: 'xywh', normalized: false },
    body: { outputs: [{ data: RECORDED.map((d) => ({ cls: d.label, conf: d.score, bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]] })) }] },
  },
};

test('image size from the header bytes', () => {
  assert.deepEqual(imageSize(IMAGE), { width: W, height: H });
  assert.equal(imageSize(Buffer.from('not an image')), null);
});

for (const [server, { codec, body }] of Object.entries(responses)) {
  test(`${server}: decodes into the recorded detections`, () => {
    const parsed = createCodec(codec).decode(JSON.stringify(body), IMAGE);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    assert.equal(parsed.value.detections.length, RECORDED.length);
    parsed.value.detections.forEach((d, i) => {
      assert.equal(d.label, RECORDED[i].label);
      assert.equal(d.classId, RECORDED[i].classId);
      assert.equal(d.score, RECORDED[i].score);
      d.box.forEach((v, k) => assert.ok(Math.abs(v - RECORDED[i].box[k]) < 1e-6, `box[${k}] ${v} vs ${RECORDED[i].box[k]}`));
    });
  });
}

test('requests are encoded as each server expects', () => {
  const vertex = createCodec({ type: 'vertex' }).encode(IMAGE, 'image/jpeg');
  assert.equal(vertex.contentType, 'application/json');
  assert.equal(Buffer.from(JSON.parse(vertex.body.toString()).instances[0].b64, 'base64').equals(IMAGE), true);
  const sm = createCodec(responses['sagemaker built-in object detection (jsonpath)'].codec).encode(IMAGE, 'image/jpeg');
  assert.equal(Buffer.from(JSON.parse(sm.body.toString()).image, 'base64').equals(IMAGE), true);
  assert.equal(createCodec({ type: 'yolov8' }).encode(IMAGE, 'image/jpeg').body, IMAGE);
});

test('a mapping that does not match says which path and what is there', () => {
  const codec = createCodec(responses['kserve-style custom (jsonpath, xywh)'].codec);
  const wrong = (body: unknown) => {
    const r = codec.decode(JSON.stringify(body), IMAGE);
    assert.equal(r.ok, false);
    return (r as { error: string }).error;
  };
  assert.match(wrong({ outputs: [] }), /detections \$\.outputs\[0\]\.data: \$\.outputs\[0\] is missing \(\$\.outputs is a list of 0\)/);
  assert.match(wrong({ outputs: [{ data: [{ cls: 'horse', confidence: 0.5, bbox: [1, 2, 3, 4] }] }] }), /detection 0: score \$\.conf is missing \(\$ is an object with cls, confidence, bbox\)/);
  assert.match(wrong({ outputs: [{ data: [{ cls: 'horse', conf: 0.5, bbox: [1, 2, 3] }] }] }), /detection 0: a box must be 4 numbers/);
  assert.match(createCodec({ type: 'yolov8' }).decode('{"detections": []}', IMAGE).ok ? '' : (createCodec({ type: 'yolov8' }).decode('{"detections": []}', IMAGE) as { error: string }).error, /expected a list of Ultralytics results/);
  assert.match((createCodec({ type: 'vertex' }).decode('<html>', IMAGE) as { error: string }).error, /response is not JSON/);
});

test('raw: any 2xx counts and the detections are unknown, not zero', () => {
  const r = createCodec({ type: 'raw' }).decode('whatever the server says', IMAGE);
  assert.ok(r.ok);
  assert.equal(detectionCount(r.value), null);
});

test('codecs in the config: names, mappings, and one clear line for a bad one', () => {
  const base = { platforms: { p: { storage: { type: 's3', bucket: 'bucket-x', region: 'us-east-1' }, inference: { type: 'http', url: 'https://x.example/score' } } }, dataset: { type: 'synthetic', count: 1 } };
  const withCodec = (codec: unknown) => parseExperimentConfig({ ...base, platforms: { p: { ...base.platforms.p, inference: { ...base.platforms.p.inference, codec } } } });
  assert.equal('codec' in (withCodec(undefined).platforms.p as { inference: object }).inference, false, 'absent when not written: older configs hash as before');
  assert.deepEqual((withCodec('yolov8').platforms.p as { inference: { codec: unknown } }).inference.codec, { type: 'yolov8' });
  const sm = (withCodec({ type: 'sagemaker-json', detections: '$.prediction', label: '[0]', score: '[1]', box: ['[2]', '[3]', '[4]', '[5]'], normalized: true }).platforms.p as { inference: { codec: CodecConfig } }).inference.codec;
  assert.equal(sm.type === 'jsonpath' && sm.request, 'base64-json');
  assert.throws(() => withCodec('tensorflow'), /config\.platforms\.p\.inference\.codec: expected one of cloudbench, raw, vertex, yolov8, torchserve, jsonpath, sagemaker-json, got "tensorflow"/);
  assert.throws(() => withCodec('jsonpath'), /codec: "jsonpath" needs a mapping/);
  assert.throws(() => withCodec({ type: 'jsonpath', detections: '$.a', label: 'l', score: 's', box: ['a', 'b'] }), /codec\.box: expected one path to a 4-number list, or 4 paths, got 2/);
  assert.throws(() => withCodec({ type: 'jsonpath', detections: '$.a..b', label: 'l', score: 's', box: 'b' }), /codec\.detections: cannot read the path/);
});

test('the http adapter speaks the codec on the wire (a YOLOv8-style server)', async () => {
  let received: Buffer | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(responses.yolov8.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = createInferenceEndpoint({ type: 'http', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`, codec: { type: 'yolov8' } }, {});
  try {
    const r = await endpoint.invoke(IMAGE, 'image/jpeg');
    assert.ok(r.record.ok, r.record.errorMessage);
    assert.equal(received?.equals(IMAGE), true);
    assert.deepEqual(r.response?.detections.map((d) => d.label), ['horse', 'horse', 'horse']);
  } finally {
    await endpoint.close();
    server.close();
  }
});
