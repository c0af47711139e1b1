import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { probeStack, startLocalStack, type LocalStackConfig } from '../src/local/stack';
import { isAlive, lastJsonLine, ROOT, runCli, spawnCli, waitUntil } from './helpers/cli';

const HORSES = path.join(ROOT, 'src/datasets/photos/horses.jpg');

describe('programmatic stack', () => {
  test('starts every service on 127.0.0.1 and stop() leaves no process behind', async () => {
    const stack = await startLocalStack();
    try {
      const urls = [stack.config.s3.endpoint, stack.config.sagemaker.endpoint, stack.config.azureml.scoringUri, stack.config.gcs.apiEndpoint, stack.config.vertex.apiEndpoint];
      for (const u of urls) assert.equal(new URL(u).hostname, '127.0.0.1');
      assert.match(stack.config.azureBlob.connectionString, /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//);
      assert.deepEqual(await probeStack(stack.config), { s3: true, azureBlob: true, sagemaker: true, azureml: true, gcs: true, vertex: true });
      assert.ok(isAlive(stack.pid));
      // What the host process really listens on, as the kernel reports it.
      const ss = spawnSync('ss', ['-H', '-ltnp'], { encoding: 'utf8' });
      if (ss.status === 0) {
        const mine = ss.stdout.split('\n').filter((l) => l.includes(`pid=${stack.pid},`));
        assert.equal(mine.length, 4, ss.stdout); // s3rver, Azurite, Cloud Storage, the inference server
        for (const line of mine) assert.match(line.split(/\s+/)[3], /^127\.0\.0\.1:\d+$/, line);
      }
    } finally {
      await stack.stop();
    }
    assert.equal(isAlive(stack.pid), false, 'stack host process still running after stop()');
    // Its ports are closed too.
    await assert.rejects(fetch(stack.config.s3.endpoint, { signal: AbortSignal.timeout(2000) }));
  });
});

describe('a busy port', () => {
  test('is reported in words, not as a crash', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startLocalStack({ blobPort: port }), (err: Error) => {
        assert.equal(err.name, 'UserError');
        assert.match(err.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
        return true;
      });
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});

describe('cloudbench stack CLI', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-state-'));
  const env = { CLOUDBENCH_STATE_DIR: stateDir };

  test('up --detach --json, status, the AWS CLI against the printed config, down', async (t) => {
    const up = runCli(['stack', 'up', '--detach', '--json'], env, 60_000);
    assert.equal(up.status, 0, up.stderr);
    const config = lastJsonLine<LocalStackConfig>(up.stdout);
    const { pid } = JSON.parse(fs.readFileSync(path.join(stateDir, 'stack.json'), 'utf8')) as { pid: number };
    try {
      // Inside the try: a failed check must still stop the detached stack (else the next test meets it).
      assert.deepEqual(Object.keys(config).sort(), ['azureBlob', 'azureml', 'detector', 'gcs', 's3', 'sagemaker', 'vertex']);
      const status = runCli(['stack', 'status', '--json'], env);
      const parsed = JSON.parse(status.stdout) as { running: boolean; services: Record<string, boolean> };
      assert.equal(parsed.running, true);
      assert.deepEqual(Object.values(parsed.services), [true, true, true, true, true, true]);

      // A second detached stack is refused, not started on top.
      const again = runCli(['stack', 'up', '--detach'], env, 60_000);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /^cloudbench: a local stack is already running \(pid \d+, since [^)]+\); stop it with `cloudbench stack down`[^\n]*\n$/);

      await t.test('the AWS CLI, an independent client, works against the printed config', (tt) => {
        if (spawnSync('aws', ['--version']).status !== 0) {
          tt.skip('aws CLI not installed (scripts/system-deps.sh aws installs it)');
          return;
        }
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-awscli-'));
        const awsEnv = {
          ...process.env,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_DEFAULT_REGION: config.s3.region,
        };
        const aws = (args: string[], keys: { accessKeyId: string; secretAccessKey: string }) =>
          spawnSync('aws', args, {
            env: { ...awsEnv, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
            encoding: 'utf8',
          });
        const s3 = ['--endpoint-url', config.s3.endpoint, 's3', 'cp'];
        const upload = aws([...s3, HORSES, `s3://${config.s3.bucket}/awscli/horses.jpg`], config.s3);
        assert.equal(upload.status, 0, upload.stderr);
        const back = path.join(tmp, 'back.jpg');
        const download = aws([...s3, `s3://${config.s3.bucket}/awscli/horses.jpg`, back], config.s3);
        assert.equal(download.status, 0, download.stderr);
        assert.ok(fs.readFileSync(back).equals(fs.readFileSync(HORSES)), 'aws s3 cp round trip changed the bytes');

        const out = path.join(tmp, 'out.json');
        const invokeArgs = [
          '--endpoint-url', config.sagemaker.endpoint, 'sagemaker-runtime', 'invoke-endpoint',
          '--endpoint-name', config.sagemaker.endpointName, '--content-type', 'image/jpeg',
          '--body', `fileb://${HORSES}`, out,
        ];
        const invoke = aws(invokeArgs, config.sagemaker);
        assert.equal(invoke.status, 0, invoke.stderr);
        const result = JSON.parse(fs.readFileSync(out, 'utf8')) as { detections: { label: string; score: number }[] };
        assert.ok(result.detections.some((d) => d.label === 'horse' && d.score >= 0.3), JSON.stringify(result));

        const forged = aws(invokeArgs, { ...config.sagemaker, secretAccessKey: 'not-the-secret' });
        assert.notEqual(forged.status, 0);
        assert.match(forged.stderr, /InvalidSignatureException/);
      });
    } finally {
      const down = runCli(['stack', 'down'], env);
      assert.equal(down.status, 0, down.stderr);
      assert.match(down.stdout, /stopped/);
    }
    assert.equal(isAlive(pid), false, 'detached stack still running after `stack down`');
    const status = runCli(['stack', 'status', '--json'], env);
    assert.deepEqual(JSON.parse(status.stdout), { running: false });
  });

  test('foreground `stack up --json` stops everything on Ctrl-C (SIGINT)', async () => {
    const child = spawnCli(['stack', 'up', '--json'], env);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    await waitUntil(() => stdout.includes('\n'), 60_000, 'the stack config on stdout');
    const config = JSON.parse(stdout.trim()) as LocalStackConfig;
    assert.deepEqual(Object.values(await probeStack(config)), [true, true, true, true, true, true]);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    await assert.rejects(fetch(config.sagemaker.endpoint + '/ping', { signal: AbortSignal.timeout(2000) }));
    await assert.rejects(fetch(config.s3.endpoint, { signal: AbortSignal.timeout(2000) }));
    await assert.rejects(fetch(config.gcs.apiEndpoint, { signal: AbortSignal.timeout(2000) }));
  });
});
