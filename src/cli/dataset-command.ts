import type { Command } from 'commander';
import path from 'node:path';
import { createFolderSource } from '../datasets/folder-source';
import { MAX_SEED, MAX_SYNTHETIC_COUNT } from '../datasets/types';
import { ensureWritableDir } from '../durable-files';
import { computeManifest } from '../datasets/manifest';
import { load } from './lazy';
import { intOption } from './options';
import { formatBytes, formatDuration } from './output';

/** A progress line that rewrites itself on a terminal and logs every ~5 s elsewhere. */
function progressLine(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  let lastLog = 0;
  return (done, total) => {
    if (tty) {
      process.stderr.write(`\r\x1b[2K${label} ${done}/${total}`);
      if (done === total) process.stderr.write('\n');
    } else if (done === total || Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      process.stderr.write(`${label} ${done}/${total}\n`);
    }
  };
}

export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('generate or fingerprint image datasets');

  dataset
    .command('synth')
    .description('generate N COCO-like JPEGs (median ~640×480, mean ~160 KB) from the bundled photos, deterministically from a seed')
    .requiredOption('--count <n>', `number of images (at most ${MAX_SYNTHETIC_COUNT})`, intOption('--count', 1, MAX_SYNTHETIC_COUNT))
    .requiredOption('--out <dir>', 'folder to write img-000000.jpg … into')
    .option('--seed <s>', 'same seed and count give byte-identical files', intOption('--seed', 0, MAX_SEED), 1)
    .option('--json', 'print the dataset manifest as JSON')
    .action(async (o: { count: number; out: string; seed: number; json?: boolean }) => {
      ensureWritableDir(o.out, '--out');
      const started = Date.now();
      const result = await load.synthetic().synthesizeDataset({
        count: o.count,
        outDir: path.resolve(o.out),
        seed: o.seed,
        onProgress: progressLine('Generating'),
      });
      const manifest = await computeManifest(createFolderSource(result.dir));
      if (o.json) {
        console.log(JSON.stringify(manifest));
        return;
      }
      console.log(`Wrote ${result.count} images (${formatBytes(result.totalBytes)}, mean ${formatBytes(result.totalBytes / result.count)}) to ${result.dir} in ${formatDuration(Date.now() - started)}.`);
      console.log(`Dataset sha256: ${manifest.sha256}`);
    });

  dataset
    .command('manifest')
    .description('count, total bytes and sha256 of a folder of JPEG/PNG images (the fingerprint recorded with each run)')
    .argument('<dir>', 'dataset folder')
    .option('--json', 'print as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      const manifest = await computeManifest(createFolderSource(path.resolve(dir)), { onProgress: progressLine('Hashing') });
      if (o.json) console.log(JSON.stringify(manifest));
      else {
        console.log(`${manifest.source}`);
        console.log(`  images  ${manifest.count}`);
        console.log(`  bytes   ${manifest.totalBytes} (${formatBytes(manifest.totalBytes)})`);
        console.log(`  sha256  ${manifest.sha256}`);
      }
    });
}
