import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  COMPLETE_MARKER,
  DatasetError,
  computeManifest,
  createFolderSource,
  resolveDatasetSource,
  synthesizeDataset,
  syntheticDatasetDir,
  type ImageBatch,
  type ImageSource,
} from '../src/datasets';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-datasets-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

function tmpDir(name: string): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function tinyImage(format: 'jpeg' | 'png', shade: number): Promise<Buffer> {
  const img = sharp({ create: { width: 8, height: 6, channels: 3, background: { r: shade, g: 40, b: 90 } } });
  return format === 'jpeg' ? img.jpeg().toBuffer() : img.png().toBuffer();
}

async function collect(batches: AsyncIterable<ImageBatch>): Promise<Array<{ index: number; names: string[] }>> {
  const out: Array<{ index: number; names: string[] }> = [];
  for await (const b of batches) out.push({ index: b.index, names: b.items.map((i) => i.name) });
  return out;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<DatasetError> {
  let caught: unknown;
  await promise.catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof DatasetError, `expected DatasetError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.ok(caught.message.length > 20, 'message is meant for a user');
  return caught;
}

/** Independent implementation of manifest.ts's documented format, with node:crypto only. */
function independentManifestSha(dir: string, names: string[]): string {
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const all = createHash('sha256');
  for (const name of sorted) {
    const bytes = fs.readFileSync(path.join(dir, name));
    const sha = createHash('sha256').update(bytes).digest('hex');
    all.update(`${name}\t${bytes.length}\t${sha}\n`);
  }
  return all.digest('hex');
}

describe('folder source', () => {
  // Code-unit order puts uppercase before lowercase and '10' before '9' (no locale, no natural sort).
  const imageNames = ['10.jpg', '9.jpg', 'Z.jpeg', 'a.png', 'b.JPG', 'sub/c.png', 'sub/deeper/e.jpg'];
  const expectedOrder = ['10.jpg', '9.jpg', 'Z.jpeg', 'a.png', 'b.JPG', 'sub/c.png', 'sub/deeper/e.jpg'];
  let dir: string;

  before(async () => {
    dir = tmpDir('folder');
    for (const [i, name] of imageNames.entries()) {
      const file = path.join(dir, ...name.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, await tinyImage(name.toLowerCase().endsWith('.png') ? 'png' : 'jpeg', i * 30));
    }
    // Not images, or not part of the dataset: ignored.
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(dir, 'sub', 'labels.json'), '{}');
    fs.writeFileSync(path.join(dir, '.hidden.jpg'), await tinyImage('jpeg', 1));
    fs.writeFileSync(path.join(dir, '._b.JPG'), 'AppleDouble junk');
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'x.jpg'), await tinyImage('jpeg', 2));
  });

  test('lists images recursively in code-unit order with types and sizes', async () => {
    const source = createFolderSource(dir);
    const items = await source.list();
    assert.deepEqual(items.map((i) => i.name), expectedOrder);
    for (const item of items) {
      assert.equal(item.contentType, item.name.toLowerCase().endsWith('.png') ? 'image/png' : 'image/jpeg');
      assert.equal(item.size, fs.statSync(item.path).size);
      assert.equal(item.path, path.join(dir, ...item.name.split('/')));
    }
    assert.equal(await source.scan(), expectedOrder.length);
    assert.match(source.description, /folder/);
  });

  test('read() and open() give the file bytes', async () => {
    const [item] = await createFolderSource(dir).list();
    const onDisk = fs.readFileSync(item.path);
    assert.deepEqual(await item.read(), onDisk);
    const chunks: Buffer[] = [];
    for await (const c of item.open() as AsyncIterable<Buffer>) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks), onDisk);
  });

  test('batches: full batches, last partial batch, startBatch, maxBatches', async () => {
    const source = createFolderSource(dir);
    assert.deepEqual(await collect(source.batches(3)), [
      { index: 0, names: expectedOrder.slice(0, 3) },
      { index: 1, names: expectedOrder.slice(3, 6) },
      { index: 2, names: expectedOrder.slice(6) },
    ]);
    assert.deepEqual(await collect(source.batches(3, { startBatch: 1 })), [
      { index: 1, names: expectedOrder.slice(3, 6) },
      { index: 2, names: expectedOrder.slice(6) },
    ]);
    assert.deepEqual(await collect(source.batches(2, { startBatch: 1, maxBatches: 2 })), [
      { index: 1, names: expectedOrder.slice(2, 4) },
      { index: 2, names: expectedOrder.slice(4, 6) },
    ]);
    assert.deepEqual(await collect(source.batches(3, { startBatch: 5 })), []);
    assert.deepEqual(await collect(source.batches(3, { maxBatches: 0 })), []);
    assert.deepEqual((await collect(source.batches(100))).map((b) => b.names.length), [expectedOrder.length]);
    await rejectsWithCode(collect(source.batches(0)), 'INVALID_ARGUMENT');
    await rejectsWithCode(collect(source.batches(2, { startBatch: -1 })), 'INVALID_ARGUMENT');
  });

  test('missing folder, a file instead of a folder, and folders without images are clear errors', async () => {
    const missing = path.join(tmpRoot, 'does-not-exist');
    const err = await rejectsWithCode(createFolderSource(missing).list(), 'NOT_FOUND');
    assert.match(err.message, /does-not-exist/);
    await rejectsWithCode(collect(createFolderSource(missing).batches(4)), 'NOT_FOUND');

    const file = path.join(tmpDir('file-parent'), 'one.jpg');
    fs.writeFileSync(file, await tinyImage('jpeg', 5));
    await rejectsWithCode(createFolderSource(file).scan(), 'NOT_A_DIRECTORY');

    await rejectsWithCode(createFolderSource(tmpDir('empty')).scan(), 'NO_IMAGES');
    const noImages = tmpDir('no-images');
    fs.writeFileSync(path.join(noImages, 'readme.md'), '# nothing');
    await rejectsWithCode(createFolderSource(noImages).scan(), 'NO_IMAGES');
    await rejectsWithCode(resolveDatasetSource({ type: 'folder', path: noImages }), 'NO_IMAGES');
  });

  test('a file whose bytes contradict its extension fails when read', async () => {
    const bad = tmpDir('bad-magic');
    fs.writeFileSync(path.join(bad, 'page.jpg'), '<html>403 Forbidden</html>');
    fs.writeFileSync(path.join(bad, 'png-named.jpg'), await tinyImage('png', 9));
    const [page, pngNamed] = await createFolderSource(bad).list();
    await rejectsWithCode(page.read(), 'NOT_AN_IMAGE');
    await rejectsWithCode(pngNamed.read(), 'NOT_AN_IMAGE');
    const streamed = (async () => {
      for await (const _ of page.open() as AsyncIterable<Buffer>) void _;
    })();
    await rejectsWithCode(streamed, 'NOT_AN_IMAGE');
  });

  test('manifest matches an independent computation of the documented format', async () => {
    const source = createFolderSource(dir);
    const progress: number[] = [];
    const manifest = await computeManifest(source, { onProgress: (done) => progress.push(done) });
    assert.equal(manifest.count, expectedOrder.length);
    assert.equal(
      manifest.totalBytes,
      expectedOrder.reduce((sum, n) => sum + fs.statSync(path.join(dir, n)).size, 0),
    );
    assert.equal(manifest.sha256, independentManifestSha(dir, imageNames));
    assert.equal(manifest.source, source.description);
    assert.deepEqual(progress, expectedOrder.map((_, i) => i + 1));
    // Reproducible: a fresh source over the same folder gives the same hash.
    assert.equal((await computeManifest(createFolderSource(dir))).sha256, manifest.sha256);
  });

  test('manifest rejects a source that is not in name order', async () => {
    const items = await createFolderSource(dir).list();
    const unordered: ImageSource = {
      description: 'unordered',
      list: async () => [...items].reverse(),
      async *batches() {
        yield { index: 0, items: [...items].reverse() };
      },
    };
    await assert.rejects(computeManifest(unordered), /ascending/);
  });
});

describe('synthetic dataset', () => {
  const list = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith('.jpg')).sort();

  test('same seed gives byte-identical files; another seed differs; a prefix is stable', async () => {
    const a = tmpDir('syn-a');
    const b = tmpDir('syn-b');
    const c = tmpDir('syn-c');
    const prefix = tmpDir('syn-prefix');
    const progress: Array<[number, number]> = [];
    const resultA = await synthesizeDataset({ count: 6, outDir: a, seed: 7, onProgress: (d, t) => progress.push([d, t]) });
    await synthesizeDataset({ count: 6, outDir: b, seed: 7 });
    await synthesizeDataset({ count: 6, outDir: c, seed: 8 });
    await synthesizeDataset({ count: 3, outDir: prefix, seed: 7 });

    assert.deepEqual(list(a), ['img-000000.jpg', 'img-000001.jpg', 'img-000002.jpg', 'img-000003.jpg', 'img-000004.jpg', 'img-000005.jpg']);
    assert.deepEqual(progress.map(([d]) => d), [1, 2, 3, 4, 5, 6]);
    assert.ok(progress.every(([, t]) => t === 6));
    assert.equal(resultA.count, 6);
    assert.equal(resultA.totalBytes, list(a).reduce((s, f) => s + fs.statSync(path.join(a, f)).size, 0));

    const [ma, mb, mc] = await Promise.all([a, b, c].map((d) => computeManifest(createFolderSource(d))));
    assert.equal(ma.count, 6);
    assert.equal(ma.totalBytes, resultA.totalBytes);
    assert.equal(ma.sha256, mb.sha256);
    assert.notEqual(ma.sha256, mc.sha256);
    for (const f of list(prefix)) assert.deepEqual(fs.readFileSync(path.join(prefix, f)), fs.readFileSync(path.join(a, f)));
    // No temporary files left behind.
    assert.deepEqual(fs.readdirSync(a).filter((f) => f.startsWith('.')), []);
  });

  test('dimensions and file sizes are COCO-like (60 images)', async () => {
    const dir = tmpDir('syn-60');
    await synthesizeDataset({ count: 60, outDir: dir, seed: 1 });
    const sizes: number[] = [];
    const widths: number[] = [];
    const heights: number[] = [];
    let longSide640 = 0;
    let portrait = 0;
    for (const f of list(dir)) {
      const meta = await sharp(path.join(dir, f)).metadata();
      assert.equal(meta.format, 'jpeg');
      const w = meta.width!;
      const h = meta.height!;
      widths.push(w);
      heights.push(h);
      sizes.push(fs.statSync(path.join(dir, f)).size);
      if (Math.max(w, h) === 640) longSide640++;
      if (h > w) portrait++;
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    assert.equal(median(widths), 640);
    assert.ok(median(heights) >= 424 && median(heights) <= 480, `median height ${median(heights)}`);
    assert.ok(longSide640 / 60 >= 0.8, `long side 640 in ${longSide640}/60`);
    assert.ok(portrait >= 6 && portrait <= 24, `portraits ${portrait}/60`);
    // Target: COCO's mean, ~160 KB. Per-image sizes have sd ~42 KB, so a 60-image mean has a standard
    // error of ~5.5 KB (3.4%); +-15% is over 4 standard errors and also absorbs small encoder
    // differences between libvips builds, while still catching a mis-tuned quality or noise level.
    const meanBytes = sizes.reduce((s, x) => s + x, 0) / sizes.length;
    const target = 160 * 1024;
    assert.ok(Math.abs(meanBytes / target - 1) <= 0.15, `mean size ${(meanBytes / 1024).toFixed(1)} KiB`);
    assert.ok(Math.min(...sizes) < Math.max(...sizes) * 0.75, 'sizes vary from image to image');
  });

  test('resolveDatasetSource generates once, reuses a complete cache, regenerates an incomplete one', async () => {
    const cacheDir = tmpDir('cache');
    const config = { type: 'synthetic' as const, count: 3, seed: 5 };
    let calls = 0;
    const onProgress = () => void calls++;

    const first = await resolveDatasetSource(config, { cacheDir, onProgress });
    const dir = syntheticDatasetDir(cacheDir, 3, 5);
    assert.equal(calls, 3);
    assert.ok(fs.existsSync(path.join(dir, COMPLETE_MARKER)));
    assert.deepEqual((await first.list()).map((i) => i.name), ['img-000000.jpg', 'img-000001.jpg', 'img-000002.jpg']);
    const sha = (await computeManifest(first)).sha256;

    const mtime = fs.statSync(path.join(dir, 'img-000000.jpg')).mtimeMs;
    await resolveDatasetSource(config, { cacheDir, onProgress });
    assert.equal(calls, 3, 'complete cache reused');
    assert.equal(fs.statSync(path.join(dir, 'img-000000.jpg')).mtimeMs, mtime);

    // An interrupted generation: marker missing, one file lost.
    fs.rmSync(path.join(dir, COMPLETE_MARKER));
    fs.rmSync(path.join(dir, 'img-000002.jpg'));
    const again = await resolveDatasetSource(config, { cacheDir, onProgress });
    assert.equal(calls, 6, 'incomplete cache regenerated');
    assert.equal((await computeManifest(again)).sha256, sha);

    // The config's own cacheDir wins over the caller's default.
    const own = tmpDir('own-cache');
    await resolveDatasetSource({ ...config, cacheDir: own }, { cacheDir, onProgress });
    assert.ok(fs.existsSync(path.join(syntheticDatasetDir(own, 3, 5), COMPLETE_MARKER)));
  });

  test('invalid counts and seeds are clear errors', async () => {
    const outDir = tmpDir('invalid');
    await rejectsWithCode(synthesizeDataset({ count: 0, outDir }), 'INVALID_ARGUMENT');
    await rejectsWithCode(synthesizeDataset({ count: 2.5, outDir }), 'INVALID_ARGUMENT');
    await rejectsWithCode(synthesizeDataset({ count: 2, outDir, seed: -1 }), 'INVALID_ARGUMENT');
  });
});
