/**
 * The local stack as an untrusted client or a crashing owner would meet it: a SIGKILL of its owner
 * during start-up leaves no process behind; half-sent requests are closed; S3 refuses anonymous
 * and mis-signed requests; an image bomb is refused from its header.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import type { S3TargetConfig } from '../src/config/targets';
import { localPlatforms } from '../src/local/platforms';
import { createInferenceEndpoint, createObjectStore } from '../src/targets/factory';
import { isAlive, ROOT, waitUntil } from './helpers/cli';
import { useLocalStack } from './helpers/local-stack';

/** The stack host among a process's children (tsx also starts an esbuild service process). */
function stackHostOf(pid: number): number | undefined {
  return childrenOf(pid).find((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('stack-host.ts');
    } catch {
      return false;
    }
  });
}

/** Children of a process, from /proc (the stack host is forked by its owner). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

describe('a SIGKILL of the stack\'s owner during start-up', () => {
  // Early (tsx still compiling the host), mid (servers and detector loading), late (about ready).
  for (const delayMs of [0, 700, 1800]) {
    test(`${delayMs} ms after the host appears: no process, temp folder or port is left`, async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-owner-'));
      const owner = spawn(
        process.execPath,
        ['--import', 'tsx', '-e', `require(${JSON.stringify(path.join(ROOT, 'src/local/stack.ts'))}).startLocalStack().then(() => setInterval(() => {}, 1000))`],
        { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' },
      );
      let host = 0;
      await waitUntil(() => (host = stackHostOf(owner.pid!) ?? 0) > 0, 20_000, 'the stack host to be forked');
      await new Promise((r) => setTimeout(r, delayMs));
      owner.kill('SIGKILL');
      await waitUntil(() => !isAlive(host), 15_000, `stack host ${host} to exit after its owner died`);
      const left = fs.readdirSync(tmp).filter((f) => f.startsWith('cloudbench-stack-'));
      assert.deepEqual(left, [], `temp folders left in ${tmp}`);
      fs.rmSync(tmp, { recursive: true, force: true });
    });
  }
});

describe('the running stack', () => {
  const stack = useLocalStack({ serverTimeouts: { headersMs: 600, checkMs: 100 } });
  before(() => stack.start());
  after(() => stack.stop());

  test('a request whose headers never finish is closed after the header timeout, on every server', async () => {
    const blob = /BlobEndpoint=([^;]+)/.exec(stack.get().config.azureBlob.connectionString)![1];
    const servers = { s3: stack.get().config.s3.endpoint, azureBlob: blob, inference: stack.get().config.sagemaker.endpoint };
    await Promise.all(Object.entries(servers).map(async ([name, base]) => {
      const started = Date.now();
      const reply = await new Promise<string>((resolve, reject) => {
        let got = '';
        const s: net.Socket = net.connect(Number(new URL(base).port), '127.0.0.1', () => s.write('PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le'));
        s.on('data', (d: Buffer) => (got += d));
        s.on('close', () => resolve(got));
        s.on('error', reject);
        setTimeout(() => reject(new Error(`${name}: socket still open after 10 s`)), 10_000).unref();
      });
      const took = Date.now() - started;
      assert.match(reply, /^HTTP\/1\.1 408/, `${name} answered ${JSON.stringify(reply.slice(0, 40))}`);
      assert.ok(took >= 500 && took < 3000, `${name} closed after ${took} ms`);
    }));
  });

  test('S3 refuses anonymous requests and a wrong secret, and takes the stack\'s keys', async () => {
    const s3 = stack.get().config.s3;
    const anonymous = [
      ['GET', `/${s3.bucket}?list-type=2`],
      ['PUT', `/${s3.bucket}/anon.txt`],
      ['DELETE', `/${s3.bucket}/anon.txt`],
      // Query strings that look signed: s3rver alone would let these through.
      ['GET', `/${s3.bucket}?X-Amz-Signature=00`],
      ['PUT', `/${s3.bucket}/anon.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${s3.accessKeyId}%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`],
    ];
    for (const [method, p] of anonymous) {
      const res = await fetch(`${s3.endpoint}${p}`, { method, body: method === 'PUT' ? 'x' : undefined });
      const body = await res.text();
      assert.equal(res.status, 403, `${method} ${p}`);
      assert.match(body, /<Code>AccessDenied<\/Code>/);
    }
    const cfg = localPlatforms(stack.get().config).aws.storage as S3TargetConfig;
    const wrong = createObjectStore({ ...cfg, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret' } }, { retry: { maxAttempts: 1 } });
    const rec = await wrong.put('signed/wrong.txt', Buffer.from('x'), 1);
    await wrong.close();
    assert.equal(rec.ok, false);
    assert.equal(rec.errorCode, 'SignatureDoesNotMatch');
    const right = createObjectStore(cfg);
    const ok = await right.put('signed/right.txt', Buffer.from('x'), 1);
    assert.deepEqual(await right.list('signed/'), ['signed/right.txt']);
    await right.close();
    assert.equal(ok.ok, true, ok.errorMessage);
  });

  test('an image whose header claims 900 MP is refused before decoding, on both endpoints', async () => {
    const bomb = pngClaiming(30_000, 30_000);
    const platforms = localPlatforms(stack.get().config);
    for (const p of [platforms.aws, platforms.azure]) {
      const endpoint = createInferenceEndpoint(p.inference);
      const { record } = await endpoint.invoke(bomb, 'image/png');
      await endpoint.close();
      assert.equal(record.ok, false);
      assert.match(`${record.errorCode} ${record.errorMessage}`, /ImageTooLarge/, `${p.inference.type}: ${record.errorCode} ${record.errorMessage}`);
      assert.match(record.errorMessage ?? '', /30000×30000 pixels \(900 MP\), over the 50 MP limit/);
      assert.ok(record.durationMs < 2000, `${p.inference.type} took ${record.durationMs} ms`);
    }
  });
});

/** A tiny PNG whose IHDR claims width × height (8-bit grey); its one IDAT row is all there is. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
