/**
 * A catalogue of bad inputs, part 2: dataset files, run folders, endpoint requests.
 * What the user sees: for the CLI, exactly one line on stderr saying
 * what is wrong and naming it (option, field path, file), exit status 1, no stack trace, no secret
 * echoed, and fast (before any measuring); for the local endpoints, the service's own error shape.
 *
 * Accepted stderr shapes of a failing command:
 * - `cloudbench: <what is wrong>`, one line (the product's own errors);
 * - commander's usage errors (unknown command or option, missing argument or option value) in the
 *   same one-line form, ending with the help hint: `cloudbench: unknown option '--x' (add --help
 *   for usage)` (`kind: 'usage'` marks these cases);
 * - progress lines (`Hashing 1/2`) may precede the error line: a command reports progress on stderr.
 * A comment `found:` marks a case that failed when this catalogue was written, and what was wrong.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalStackConfig } from '../src/local/stack-types';
import { useLocalStack } from './helpers/local-stack';
import { BASE, BASE_RUN, PHOTO, RUNS, S3, catalogue, cli, fail, noRunFolder, p, writeConfig, type Case, type Expect } from './helpers/bad-input';

// --- 4. Dataset files ----------------------------------------------------------------------------

const DATASETS: Array<[string, string, (dir: string) => void, RegExp]> = [
  ['a folder that does not exist', 'missing', () => {}, /Dataset folder .*missing does not exist/],
  ['a path that is a file', 'a-file.jpg', (f) => fs.writeFileSync(f, 'x'), /Dataset path .*a-file\.jpg is a file, not a folder/],
  ['an empty folder', 'empty', (d) => fs.mkdirSync(d), /Dataset folder .*empty contains no \.jpg, \.jpeg or \.png files \(it is empty\)/],
  ['only non-image files', 'docs', (d) => (fs.mkdirSync(d), fs.writeFileSync(`${d}/readme.txt`, 'x'), fs.writeFileSync(`${d}/labels.csv`, 'x')), /docs contains no \.jpg.*\(it has 2 other entries\)/],
  ['a .jpg whose bytes are text', 'text-jpg', (d) => (fs.mkdirSync(d), fs.copyFileSync(PHOTO('dog.jpg'), `${d}/a.jpg`), fs.writeFileSync(`${d}/b.jpg`, '<html>404</html>')), /text-jpg\/b\.jpg is named like a JPEG but its bytes are not a JPEG or PNG/],
  ['a .png that is a JPEG', 'png-jpeg', (d) => (fs.mkdirSync(d), fs.copyFileSync(PHOTO('horses.jpg'), `${d}/a.png`)), /png-jpeg\/a\.png is named like a PNG but its bytes are a JPEG/],
  ['an empty .jpg', 'zero-jpg', (d) => (fs.mkdirSync(d), fs.writeFileSync(`${d}/z.jpg`, '')), /zero-jpg\/z\.jpg is named like a JPEG but its bytes are not/],
];
catalogue('4. dataset files', DATASETS.flatMap(([what, name, make, line]): Case[] => {
  const dir = p('d', name);
  const file = `dataset-${name}.json`;
  const out = p('out', `dataset-${name}`);
  return [
    cli(`dataset manifest: ${what}`, ['dataset', 'manifest', dir], fail(line), { setup: () => make(dir) }),
    cli(`run --config with a folder dataset: ${what}`, ['run', '--config', p('c', file)], fail(line), {
      setup: () => writeConfig(file, { ...BASE, outDir: out, dataset: { type: 'folder', path: dir } }), check: noRunFolder(out),
    }),
  ];
}));

// --- 5. Run folders ------------------------------------------------------------------------------

type Damage = (dir: string) => void;
const edit = (file: string, f: (text: string) => string) => fs.writeFileSync(file, f(fs.readFileSync(file, 'utf8')));
const lines = (file: string, f: (l: string[]) => string[]) => edit(file, (t) => f(t.split('\n')).join('\n'));
const manifest = (f: (m: Record<string, unknown>) => void): Damage => (d) => edit(`${d}/manifest.json`, (t) => { const m = JSON.parse(t); f(m); return JSON.stringify(m); });
let runs = 0;
function damaged(damage: Damage): { dir: string; setup: () => void } {
  const dir = path.join(RUNS, `damaged-${++runs}`);
  return { dir, setup: () => (fs.cpSync(BASE_RUN, dir, { recursive: true }), damage(dir)) };
}
const HINT = /; add --exclude-invalid to leave out the batches that do not add up/;
const also = (a: RegExp, b: RegExp) => new RegExp(`${a.source}.*${b.source}`);
/**
 * analyze and report refuse, naming the file and line (and --exclude-invalid, unless the manifest
 * is at fault: nothing can be left out then); with --exclude-invalid, damaged rows are left out.
 */
function runFolder(what: string, damage: Damage, line: RegExp, at: 'manifest' | 'header' | 'rows', report = false): Case[] {
  const one = (cmd: string[], expect: Expect) => { const d = damaged(damage); return cli(`${cmd[0]} ${what}${cmd.length > 1 ? ` (${cmd.slice(1).join(' ')})` : ''}`, [cmd[0], d.dir, ...cmd.slice(1)], expect, { setup: d.setup }); };
  const refused = fail(at === 'manifest' ? line : also(line, HINT));
  const rows = at === 'rows';
  return [
    one(['analyze'], refused),
    ...(rows ? [one(['analyze', '--exclude-invalid'], { status: 0, stdout: /Analysis of run/, line: /^cloudbench: note: left out: / })] : []),
    // report reads the run as analyze does (the same check), after loading the slow report stack: a few cases.
    ...(report ? [one(['report', '--format', 'html'], refused)] : []),
    ...(report && rows ? [one(['report', '--format', 'html', '--exclude-invalid'], { status: 0, stdout: /HTML: .*report\.html/, line: /^cloudbench: warning: left out: / })] : []),
  ];
}
const secretRun = damaged(manifest((m) => {
  m.status = 'interrupted';
  (m.config as { platforms: Record<string, unknown> }).platforms.aws = { storage: S3, inference: { type: 'azureml', scoringUri: 'https://ep.example/score', key: '***' } };
}));
const badConfigRun = damaged(manifest((m) => ((m.status = 'interrupted'), ((m.config as { batchSize: number }).batchSize = 0))));
const notJsonRun = damaged((d) => fs.writeFileSync(`${d}/manifest.json`, '{"runId": '));
const otherConfigRun = damaged(manifest((m) => (m.status = 'interrupted')));

catalogue('5. run folders', [
  ...runFolder('manifest.json not JSON', (d) => fs.writeFileSync(`${d}/manifest.json`, '{"runId": "x",'), /manifest\.json is not valid JSON/, 'manifest', true),
  ...runFolder('manifest.json without status and config', manifest((m) => (delete m.status, delete m.config)), /manifest\.json is not a cloudbench run manifest \(missing status, config\)/, 'manifest'),
  ...runFolder('batches.csv header changed', (d) => lines(`${d}/batches.csv`, (l) => ((l[0] = l[0].replace('uploadS,', 'uploadSecs,')), l)), /batches\.csv line 1: the header is not run,platform,batch/, 'header', true),
  ...runFolder('a batches.csv cell not a number', (d) => lines(`${d}/batches.csv`, (l) => ((l[2] = l[2].replace(',ok,2,', ',ok,two,')), l)), /batches\.csv line 3: images is "two", not a whole number/, 'rows', true),
  ...runFolder('a duplicated batch row', (d) => lines(`${d}/batches.csv`, (l) => [...l.slice(0, -1), l[2], '']), /batches\.csv line 8: azure batch 1 is recorded twice \(also line 3\)/, 'rows'),
  ...runFolder('a requests.jsonl line not JSON', (d) => lines(`${d}/requests.jsonl`, (l) => ((l[4] = '{"run": "20250101'), l)), /requests\.jsonl line 5: is not valid JSON/, 'rows'),
  ...runFolder('requests.jsonl truncated', (d) => edit(`${d}/requests.jsonl`, (t) => t.slice(0, -40)), /requests\.jsonl line 36: is cut off/, 'rows', true),
  ...runFolder('a request row removed', (d) => lines(`${d}/requests.jsonl`, (l) => [...l.slice(0, 7), ...l.slice(8)]), /batches\.csv line 3: azure batch 1 does not add up with requests\.jsonl: 2 upload rows expected, 1 found/, 'rows'),
  cli('report of an analysis.json from an older version', ['report', p('f', 'old-analysis.json'), '--format', 'html'], fail(/old-analysis\.json is not an analysis this version can report from \(schema 1, expected 2\): run `cloudbench analyze` on its run folder again/), {
    setup: () => fs.writeFileSync(p('f', 'old-analysis.json'), JSON.stringify({ schema: 1, runId: 'x' })),
  }),
  cli('report of a .json that is not JSON', ['report', p('f', 'broken-analysis.json'), '--format', 'html'], fail(/broken-analysis\.json is not valid JSON/), {
    setup: () => fs.writeFileSync(p('f', 'broken-analysis.json'), '{"schema": 2, "manifest": '),
  }),
  cli('run --resume of a run whose config held secrets', ['run', '--resume', secretRun.dir], fail(/run damaged-\d+ used secrets that are not stored: resume it with the same --config file/), { setup: secretRun.setup }),
  cli('run --resume of a run whose manifest is not JSON', ['run', '--resume', notJsonRun.dir], fail(/manifest\.json is not valid JSON/), { setup: notJsonRun.setup }),
  // found: says "config.batchSize: …" without saying the config is the one in that manifest.json.
  cli('run --resume of a run whose recorded config is invalid', ['run', '--resume', badConfigRun.dir], fail(/manifest\.json.*config\.batchSize|config\.batchSize.*manifest\.json/), { setup: badConfigRun.setup }),
  cli('run --resume with a different config', ['run', '--resume', otherConfigRun.dir], fail(/cannot resume 20250101-120000-f1x7: the config differs/, { maxMs: 30_000 }), { setup: otherConfigRun.setup, killMs: 40_000 }),
]);

// --- 6. Endpoint requests against the local stack -------------------------------------------------

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }
function send(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
/** A SigV4-signed SageMaker InvokeEndpoint with the stack's own keys (or others). */
async function invoke(c: LocalStackConfig, body: Buffer, o: { name?: string; accessKeyId?: string } = {}): Promise<Reply> {
  const sm = c.sagemaker;
  const url = new URL(`${sm.endpoint}/endpoints/${o.name ?? sm.endpointName}/invocations`);
  const signer = new SignatureV4({ credentials: { accessKeyId: o.accessKeyId ?? sm.accessKeyId, secretAccessKey: sm.secretAccessKey }, region: sm.region, service: 'sagemaker', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, 'content-type': 'image/jpeg' }, body });
  return send(url.href, 'POST', signed.headers, body);
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0);
  return Buffer.concat([len, Buffer.from(type, 'ascii'), data, crc]);
}
/** A few hundred bytes of PNG whose header claims width × height pixels. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(1024))), pngChunk('IEND', Buffer.alloc(0))]);
}

type Shape = 'sagemaker' | 'azureml' | 's3';
interface HttpCase { name: string; send: (c: LocalStackConfig) => Promise<Reply>; expect: { status: number; shape: Shape; code: string; message: RegExp } }
const azureml = (c: LocalStackConfig, body: Buffer | string, key: string | null = c.azureml.key) =>
  send(c.azureml.scoringUri, 'POST', { 'content-type': 'image/jpeg', ...(key === null ? {} : { authorization: `Bearer ${key}` }) }, body);
const s3 = (c: LocalStackConfig, method: string) => send(`${c.s3.endpoint}/${c.s3.bucket}/cloudbench/probe.jpg`, method, {}, method === 'PUT' ? 'x' : undefined);
const origin = (c: LocalStackConfig) => new URL(c.sagemaker.endpoint).origin;
const ENDPOINT_CASES: HttpCase[] = [
  { name: 'SageMaker: unsigned request', send: (c) => send(`${c.sagemaker.endpoint}/endpoints/${c.sagemaker.endpointName}/invocations`, 'POST', { 'content-type': 'image/jpeg' }, 'x'), expect: { status: 403, shape: 'sagemaker', code: 'MissingAuthenticationTokenException', message: /Missing Authentication Token/ } },
  { name: 'SageMaker: signed with an unknown access key', send: (c) => invoke(c, fs.readFileSync(PHOTO('dog.jpg')), { accessKeyId: 'AKIAUNKNOWN000000000' }), expect: { status: 403, shape: 'sagemaker', code: 'UnrecognizedClientException', message: /security token included in the request is invalid/ } },
  { name: 'SageMaker: GET instead of POST', send: (c) => send(`${c.sagemaker.endpoint}/endpoints/${c.sagemaker.endpointName}/invocations`, 'GET'), expect: { status: 405, shape: 'sagemaker', code: 'UnknownOperationException', message: /Method GET is not allowed .*use POST/ } },
  { name: 'SageMaker: signed, wrong endpoint name', send: (c) => invoke(c, fs.readFileSync(PHOTO('dog.jpg')), { name: 'no-such-endpoint' }), expect: { status: 400, shape: 'sagemaker', code: 'ValidationError', message: /Endpoint no-such-endpoint of account \d+ not found/ } },
  { name: 'SageMaker: signed, empty body', send: (c) => invoke(c, Buffer.alloc(0)), expect: { status: 400, shape: 'sagemaker', code: 'ValidationError', message: /'body' failed to satisfy constraint: Member must not be empty/ } },
  { name: 'SageMaker: signed, not an image', send: (c) => invoke(c, Buffer.from('plain text, not an image')), expect: { status: 424, shape: 'sagemaker', code: 'ModelError', message: /client error \(400\).*InvalidImage.*Could not decode the request body as an image/ } },
  { name: 'Azure ML: no key', send: (c) => azureml(c, 'x', null), expect: { status: 401, shape: 'azureml', code: 'Unauthorized', message: /A valid endpoint key is required/ } },
  { name: 'Azure ML: wrong key', send: (c) => azureml(c, 'x', 'not-the-key'), expect: { status: 401, shape: 'azureml', code: 'Unauthorized', message: /Authorization: Bearer <key>/ } },
  { name: 'Azure ML: empty body', send: (c) => azureml(c, Buffer.alloc(0)), expect: { status: 400, shape: 'azureml', code: 'EmptyBody', message: /The request body is empty/ } },
  { name: 'Azure ML: not an image', send: (c) => azureml(c, 'plain text, not an image'), expect: { status: 400, shape: 'azureml', code: 'InvalidImage', message: /Could not decode the request body as an image/ } },
  { name: 'Azure ML: body over 6 MiB', send: (c) => azureml(c, Buffer.alloc(6 * 2 ** 20 + 1)), expect: { status: 413, shape: 'azureml', code: 'PayloadTooLarge', message: /6291457 bytes exceeds the 6291456-byte limit/ } },
  { name: 'Azure ML: a PNG claiming 30000×30000 pixels', send: (c) => azureml(c, pngBomb(30000, 30000)), expect: { status: 400, shape: 'azureml', code: 'ImageTooLarge', message: /30000×30000 pixels .*over the 50 MP limit/ } },
  { name: 'Azure ML: GET /score', send: (c) => send(c.azureml.scoringUri, 'GET'), expect: { status: 405, shape: 'azureml', code: 'MethodNotAllowed', message: /use POST/ } },
  { name: 'inference server: GET /nope', send: (c) => send(`${origin(c)}/nope`, 'GET'), expect: { status: 404, shape: 'azureml', code: 'NotFound', message: /No route for GET \/nope/ } },
  { name: 'S3: anonymous GET', send: (c) => s3(c, 'GET'), expect: { status: 403, shape: 's3', code: 'AccessDenied', message: /Anonymous access is not allowed/ } },
  { name: 'S3: anonymous PUT', send: (c) => s3(c, 'PUT'), expect: { status: 403, shape: 's3', code: 'AccessDenied', message: /Anonymous access is not allowed/ } },
  { name: 'S3: anonymous DELETE', send: (c) => s3(c, 'DELETE'), expect: { status: 403, shape: 's3', code: 'AccessDenied', message: /Anonymous access is not allowed/ } },
];

function errorOf(shape: Shape, r: Reply): { code: string | undefined; message: string | undefined } {
  if (shape === 's3') {
    assert.match(String(r.headers['content-type']), /xml/, r.body);
    const m = /^<\?xml[^>]*\?>\s*<Error><Code>([^<]+)<\/Code><Message>([^<]*)<\/Message>/.exec(r.body);
    assert.ok(m, `not S3's <Error><Code> shape: ${r.body}`);
    return { code: m[1], message: m[2] };
  }
  assert.match(String(r.headers['content-type']), /^application\/json/, r.body);
  const body = JSON.parse(r.body) as { error?: { code?: string; message?: string }; message?: string; Message?: string };
  if (shape === 'azureml') return { code: body.error?.code, message: body.error?.message };
  return { code: r.headers['x-amzn-errortype'] as string | undefined, message: body.message ?? body.Message };
}

describe('6. endpoint requests', { concurrency: 4 }, () => {
  const stack = useLocalStack();
  before(() => stack.start(), { timeout: 90_000 });
  after(() => stack.stop());
  for (const c of ENDPOINT_CASES) {
    test(c.name, { timeout: 30_000 }, async () => {
      const r = await c.send(stack.get().config);
      assert.equal(r.status, c.expect.status, r.body);
      assert.doesNotMatch(r.body, /^\s+at |node_modules|\.ts:\d+/m, 'a stack trace in the body');
      const { code, message } = errorOf(c.expect.shape, r);
      assert.equal(code, c.expect.code, r.body);
      assert.equal(typeof message, 'string', r.body);
      assert.doesNotMatch(message!, /\n/, 'the message is one line');
      assert.match(message!, c.expect.message);
    });
  }
});
