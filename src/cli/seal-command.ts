/** `cloudbench seal <run-dir>…`: (re)build run folders' columnar request store from their requests.jsonl. */
import type { Command } from 'commander';
import { UserError } from '../errors';
import { formatBytes, formatDuration } from './output';

export function registerSealCommand(program: Command): void {
  program
    .command('seal')
    .description('write the columnar request store (requests/, Parquet) of run folders from their requests.jsonl: for folders from before the store existed, or whose store a crash left incomplete')
    .argument('<run-dirs...>', 'one or more run folders')
    .action(async (dirs: string[]) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { sealRunFolder } = require('../experiment/request-store/seal-run') as typeof import('../experiment/request-store/seal-run');
      let failed = 0;
      for (const dir of dirs) {
        try {
          const r = await sealRunFolder(dir);
          console.log(`${dir}: ${r.rows.toLocaleString('en-US')} request rows → ${r.files} Parquet file${r.files === 1 ? '' : 's'}, ${formatBytes(r.bytes)}, in ${formatDuration(r.ms)}`);
        } catch (err) {
          if (dirs.length === 1 || !(err instanceof UserError)) throw err;
          console.error(`cloudbench: ${(err as Error).message}`);
          failed += 1;
        }
      }
      if (failed) throw new UserError(`${failed} of ${dirs.length} run folders were not sealed (see above)`);
    });
}
