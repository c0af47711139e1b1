import type { Command } from 'commander';
import { ALL_LOCAL_PLATFORMS, localDemoConfig } from '../config/experiment';
import { searchRates, type LoadConfigInput } from '../config/load';
import { availableCores, detectorThreadsFromEnv, planDetectorThreads } from '../local/detector-threads';
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
const DEMO_AUTOSCALE = { min: 0, provisionS: 1, cooldownS: 10 };

/**
 * Up to 2 instances, as many as the cores hold at 2 detector threads each (or at
 * CLOUDBENCH_DETECTOR_THREADS): instances × threads must fit the cores. On 2 cores one 2-thread
 * instance suits the demo better than two 1-thread ones: its batches send one request at a time,
 * so a second instance would idle through them (batches in ~0.7× the time: npm start 224–241 s
 * → 187–203 s), and the load search still scales from zero and back. CLOUDBENCH_DETECTOR_THREADS=1
 * gives 0..2 there.
 */
export function demoInstances(cores = availableCores()): { max: number; threads: number } {
  const setting = detectorThreadsFromEnv();
  const max = Math.max(1, Math.min(2, Math.floor(cores / (setting === 'auto' ? 2 : setting))));
  return { max, threads: planDetectorThreads(setting, max, cores).threads };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('what `npm start` runs: the local stack, a synthetic dataset, and the two study platforms compared (aws: S3 + SageMaker protocol, azure: Blob + Azure ML protocol); --gcp adds Google Cloud (Cloud Storage + Vertex AI protocol)')
    .option('--out <dir>', 'where the run folder goes (default: reports)')
    .option('--gcp', 'compare three platforms: add gcp (Cloud Storage + Vertex AI protocol) to the study\'s two (`npm start -- --gcp`)')
    .action(async (o: { out?: string; gcp?: boolean }) => {
      const { max, threads } = demoInstances();
      const platforms = o.gcp ? { platforms: ALL_LOCAL_PLATFORMS, name: 'Local demo: AWS-, Azure- and Google-protocol stack' } : {};
      const demoFields = { load: DEMO_LOAD, ...platforms };
      const demo = localDemoConfig(demoFields);
      const count = demo.dataset.type === 'synthetic' ? demo.dataset.count : 0;
      const batches = demo.batches ?? Math.ceil(count / demo.batchSize);
      console.log(
        `cloudbench demo: ${o.gcp ? "the study's two platforms and Google Cloud's" : "the study's two platforms"} on the embedded local stack (${batches} batches × ${demo.batchSize} images, ${demo.warmupBatches} warm-up),\n` +
          `then an open-loop load search (${searchRates(demo.load!.search!).join(', ')} req/s, target p${demo.load!.slo.percentile} ≤ ${demo.load!.slo.ms} ms) ` +
          `with the endpoints autoscaling ${DEMO_AUTOSCALE.min}..${max} instance${max > 1 ? 's' : ''} of ${threads} detector thread${threads > 1 ? 's' : ''}.\n`,
      );
      const result = await runFromCli({
        local: true, out: o.out, instances: 1, hints: false, demo: demoFields,
        autoscale: { min: DEMO_AUTOSCALE.min, max }, provisionS: DEMO_AUTOSCALE.provisionS, cooldownS: DEMO_AUTOSCALE.cooldownS,
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
