import type { Command } from 'commander';
import { localDemoConfig } from '../config/experiment';
import { load } from './lazy';
import { runFromCli } from './run-command';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('what `npm start` runs: the local stack, a synthetic dataset, and the two study platforms compared (aws: S3 + SageMaker protocol, azure: Blob + Azure ML protocol)')
    .option('--out <dir>', 'where the run folder goes (default: reports)')
    .action(async (o: { out?: string }) => {
      const demo = localDemoConfig();
      const count = demo.dataset.type === 'synthetic' ? demo.dataset.count : 0;
      const batches = demo.batches ?? Math.ceil(count / demo.batchSize);
      console.log(`cloudbench demo: the study's two platforms on the embedded local stack (${batches} batches × ${demo.batchSize} images, ${demo.warmupBatches} warm-up).\n`);
      const result = await runFromCli({ local: true, out: o.out, instances: 1, hints: false });
      console.log('\nRendering the report…');
      const report = await load.report().renderReport(result.dir);
      for (const w of report.warnings) console.error(`cloudbench: warning: ${w}`);
      console.log('\nDone. Everything is in the run folder:');
      console.log(`  report (HTML)  ${report.htmlPath}`);
      if (report.pdfPath) console.log(`  report (PDF)   ${report.pdfPath}`);
      console.log(`  raw data       ${result.dir}/batches.csv, requests.jsonl (and as Parquet in requests/), manifest.json`);
      console.log('\nNext: `npx cloudbench analyze <run-dir>` for the statistics in the terminal;');
      console.log('      `npx cloudbench run --config my-config.yaml` for your own AWS and Azure (see README).');
    });
}
