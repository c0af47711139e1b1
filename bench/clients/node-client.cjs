// The Node side of the client benchmark: cloudbench's own object-store adapters (the compiled ones
// the runner uses) upload every image, then download them all, at each concurrency. One JSON line
// per phase and concurrency: seconds, MiB/s, this process's CPU seconds.
//   node bench/clients/node-client.cjs s3|azure STACK_JSON IMAGES_DIR 1,16
'use strict';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const fs = require('node:fs');
const path = require('node:path');
const { createS3Store } = require('../../dist/targets/s3-store');
const { createAzureBlobStore } = require('../../dist/targets/azure-blob-store');
// The runner's own bounded pool, so the concurrency path measured is the one a run uses.
const { forEachLimit } = require('../../dist/concurrency');

const [kind, stackFile, imagesDir, concurrencies = '1,16'] = process.argv.slice(2);
const stack = JSON.parse(fs.readFileSync(stackFile, 'utf8'));
const names = fs.readdirSync(imagesDir).filter((n) => n.endsWith('.jpg')).sort();
const bodies = names.map((n) => fs.readFileSync(path.join(imagesDir, n)));
const total = bodies.reduce((s, b) => s + b.length, 0);

const store =
  kind === 's3'
    ? createS3Store({ type: 's3', bucket: stack.s3.bucket, region: stack.s3.region, endpoint: stack.s3.endpoint, credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey } })
    : createAzureBlobStore({ type: 'azure-blob', container: stack.azureBlob.container, connectionString: stack.azureBlob.connectionString });


(async () => {
  const prefix = `bench/node-${kind}-${process.pid}`;
  await store.ensureContainer();
  // Warm-up: connections, credentials, JIT; not counted.
  for (let i = 0; i < 8; i++) {
    await store.put(`${prefix}/warm-${i}`, bodies[i], bodies[i].length);
    await store.get(`${prefix}/warm-${i}`);
  }
  for (const c of concurrencies.split(',').map(Number)) {
    for (const phase of ['upload', 'download']) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await forEachLimit(bodies, c, async (_body, i) => {
        const key = `${prefix}/c${c}/${names[i]}`;
        if (phase === 'upload') {
          const r = await store.put(key, bodies[i], bodies[i].length);
          if (!r.ok) throw new Error(`upload ${key}: ${r.errorCode} ${r.errorMessage ?? ''}`);
        } else {
          const g = await store.get(key);
          if (!g.record.ok || g.body.length !== bodies[i].length) throw new Error(`download ${key}: ${g.record.errorCode ?? 'wrong length'}`);
        }
      });
      const secs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      console.log(JSON.stringify({ c, phase, secs, mibps: total / 2 ** 20 / secs, cpuS: (cpu.user + cpu.system) / 1e6 }));
    }
  }
  await store.close();
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
