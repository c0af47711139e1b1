import type { Command } from 'commander';
import { runFromCli } from './run-command';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('what `npm start` runs: the local stack, a synthetic dataset, and the two study platforms compared (aws: S3 + SageMaker protocol, azure: Blob + Azure ML protocol)')
    .option('--out <dir>', 'where the run folder goes (default: reports)')
    .action(async (o: { out?: string }) => {
      console.log('cloudbench demo: the study\'s two platforms on the embedded local stack (6 batches × 32 images).\n');
      const result = await runFromCli({ local: true, out: o.out, instances: 1 });
      console.log('\nNext steps:');
      console.log(`  npx cloudbench run --config my-config.yaml     # your own AWS and Azure (see README)`);
      console.log(`  Raw data: ${result.dir}/batches.csv and requests.jsonl`);
    });
}
