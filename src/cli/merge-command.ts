/** `cloudbench merge <dir|url>… --out DIR`: shard run folders → one run folder (experiment/merge/). */
import type { Command } from 'commander';
import { DEFAULTS } from '../config/experiment';
import { load } from './lazy';

export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description('merge the shard run folders of one "run --shard I/N" group (local folders, a folder holding them, or the s3://, az://, gs:// prefix --results-to uploaded them to) into one run folder that analyze, report and the app read like any other; refuses shards of different configs or datasets, a missing or incomplete shard, and a batch measured twice')
    .argument('<shards...>', 'shard run folders, folders holding them, or object-store URLs (s3://bucket/prefix/<run-id>/)')
    .option('--out <dir>', `where the merged run folder goes (default: ${DEFAULTS.outDir})`)
    .action(async (inputs: string[], o: { out?: string }) => {
      const started = Date.now();
      const result = await load.merge().mergeShards({ inputs, outDir: o.out ?? DEFAULTS.outDir, onProgress: (m) => console.log(m) });
      console.log(
        `Merged ${result.shards} shards into run ${result.runId}: ${result.batches} platform-batches` +
          (result.loadSteps ? `, ${result.loadSteps} load steps` : '') +
          ` in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      console.log(`Run folder: ${result.dir}`);
      console.log(`Next: cloudbench analyze ${result.dir}\n      cloudbench report ${result.dir}`);
    });
}
