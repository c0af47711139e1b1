/**
 * Object keys: what each store keeps is exactly the key the request row records, also for file
 * names with a backslash, control characters, `%`, spaces and non-ASCII letters.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseExperimentConfig } from '../src/config/experiment';
import { encodeKeyName, platformPrefix } from '../src/experiment/object-keys';
import { readRun } from '../src/experiment/run-reader';
import { runExperiment } from '../src/experiment/runner';
import { localPlatforms } from '../src/local/platforms';
import { createObjectStore } from '../src/targets/factory';
import { ROOT } from './helpers/cli';
import { useLocalStack } from './helpers/local-stack';

const NAMES = ['plain.jpg', 'sp ace.jpg', 'é日本.jpg', 'back\\slash.jpg', 'tab\t.jpg', 'cr\r.jpg', 'pct%41.jpg', 'hash#q?.jpg', 'sub/dir.jpg'];

test('encodeKeyName: ordinary names unchanged, unsafe characters percent-encoded, two names never share a key', () => {
  assert.equal(encodeKeyName('000000000009.jpg'), '000000000009.jpg');
  assert.equal(encodeKeyName('sp ace/é日本+#?.jpg'), 'sp ace/é日本+#?.jpg');
  assert.equal(encodeKeyName('back\\slash.jpg'), 'back%5Cslash.jpg');
  assert.equal(encodeKeyName('cr\r\n\t\u007f\u0085.jpg'), 'cr%0D%0A%09%7F%C2%85.jpg');
  assert.equal(encodeKeyName('a%5C.jpg'), 'a%255C.jpg');
  assert.notEqual(encodeKeyName('a%5C.jpg'), encodeKeyName('a\\.jpg'));
  for (const n of NAMES) assert.equal(decodeURIComponent(encodeKeyName(n)), n);
});

describe('a run over awkward file names', () => {
  const stack = useLocalStack();
  const dataset = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-names-'));
  before(async () => {
    await stack.start();
    fs.mkdirSync(path.join(dataset, 'sub'));
    for (const n of NAMES) fs.copyFileSync(path.join(ROOT, 'src/datasets/photos/dog.jpg'), path.join(dataset, n));
  });
  after(() => stack.stop());

  test('every store keeps exactly the keys the rows record, and the bytes come back', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-names-runs-'));
    const result = await runExperiment({
      handleSignals: false,
      local: stack.get().config,
      config: parseExperimentConfig({
        platforms: { aws: 'local:aws', azure: 'local:azure', gcp: 'local:gcp' },
        dataset: { type: 'folder', path: dataset },
        batchSize: NAMES.length,
        phases: ['upload', 'download'],
        cleanup: false,
        outDir,
      }),
    });
    const rows = (await readRun(result.dir)).requestRows;
    const platforms = localPlatforms(stack.get().config);
    for (const [name, p] of Object.entries(platforms)) {
      const mine = rows.filter((r) => r.platform === name);
      assert.ok(mine.every((r) => r.ok), `${name}: ${mine.filter((r) => !r.ok).map((r) => `${r.key} ${r.errorCode}`).join(', ')}`);
      const recorded = new Set(mine.filter((r) => r.phase === 'upload').map((r) => r.key));
      const store = createObjectStore(p.storage);
      const listed = await store.list(platformPrefix('cloudbench/', result.runId, name));
      assert.deepEqual([...listed].sort(), [...recorded].sort(), `${name}: stored keys differ from recorded keys`);
      assert.equal(await store.delete(listed), NAMES.length);
      await store.close();
    }
  });
});
