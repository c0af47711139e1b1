import type { Command } from 'commander';
import { ALL_LOCAL_PLATFORMS, localDemoConfig } from '../config/experiment';
import { searchRates, type LoadConfigInput } from '../config/load';
import { load } from './lazy';
import { runFromCli } from './run-command';

/**
 * The demo's load scenario: short steps (a demo, not a study), a capacity search that stops at the
 * first miss, and a cold start after the endpoints have scaled to zero (idle longer than the
 * cool-down, which in turn outlasts any gap between requests at the lowest rate).
 */
const DEMO_LOAD: LoadConfigInput = {
  search: { start: 1, factor: 2, max: 8 },
  step: { minDurationS: 6, minRequests: 15, warmupS: 1 },
  coldStart: { idleS: 12 },
};
const DEMO_AUTOSCALE = { min: 0, max: 2, provisionS: 1, cooldownS: 10 };

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('what `npm start` runs: the local stack, a synthetic dataset, and the two study platforms compared (aws: S3 + SageMaker protocol, azure: Blob + Azure ML protocol); --gcp adds Google Cloud (Cloud Storage + Vertex AI protocol)')
    .option('--out <dir>', 'where the run folder goes (default: reports)')
    .option('--gcp', 'compare three platforms: add gcp (Cloud Storage + Vertex AI protocol) to the study\'s two (`npm start -- --gcp`)')
    .action(async (o: { out?: string; gcp?: boolean }) => {
      const platforms = o.gcp ? { platforms: ALL_LOCAL_PLATFORMS, name: 'Local demo: AWS-, Azure- and Google-protocol stack' } : {};
      const demoFields = { load: DEMO_LOAD, ...platforms };
      const demo = localDemoConfig(demoFields);
      const count = demo.dataset.type === 'synthetic' ? demo.dataset.count : 0;
      const batches = demo.batches ?? Math.ceil(count / demo.batchSize);
      console.log(
        `cloudbench demo: ${o.gcp ? "the study's two platforms and Google Cloud's" : "the study's two platforms"} on the embedded local stack (${batches} batches × ${demo.batchSize} images, ${demo.warmupBatches} warm-up),\n` +
          `then an open-loop load search (${searchRates(demo.load!.search!).join(', ')} req/s, target p${demo.load!.slo.percentile} ≤ ${demo.load!.slo.ms} ms) ` +
          `with the endpoints autoscaling ${DEMO_AUTOSCALE.min}..${DEMO_AUTOSCALE.max} instances.\n`,
      );
      const result = await runFromCli({
        local: true, out: o.out, instances: 1, hints: false, demo: demoFields,
        autoscale: { min: DEMO_AUTOSCALE.min, max: DEMO_AUTOSCALE.max }, provisionS: DEMO_AUTOSCALE.provisionS, cooldownS: DEMO_AUTOSCALE.cooldownS,
      });
      console.log('\nRendering the report…');
      const report = await load.report().renderReport(result.dir, { onStatus: (line) => console.log(line) });
      for (const w of report.warnings) console.error(`cloudbench: warning: ${w}`);
      console.log('\nDone. Everything is in the run folder:');
      console.log(`  report (HTML)  ${report.htmlPath}`);
      if (report.pdfPath) console.log(`  report (PDF)   ${report.pdfPath}`);
      console.log(`  raw data       ${result.dir}/batches.csv, requests.jsonl (and as Parquet in requests/), manifest.json`);
      console.log(`  load scenario  ${result.dir}/load-steps.jsonl, load-requests.jsonl (and as Parquet in load/)`);
      console.log('\nNext: `npx cloudbench analyze <run-dir>` for the statistics in the terminal;');
      console.log('      `npx cloudbench run --config my-config.yaml` for your own AWS, Azure and Google Cloud (see README).');
    });
}
