/** One run in a fresh process; prints its peak RSS (the memory benchmark's data point). */
import { parseExperimentConfig } from '../src/config/experiment';
import { runExperiment } from '../src/experiment/runner';

(async () => {
  const batches = Number(process.env.BENCH_BATCHES);
  const config = parseExperimentConfig({
    platforms: { aws: 'local:aws', azure: 'local:azure' },
    dataset: { type: 'synthetic', count: 16 * Number(process.env.BENCH_BATCH), seed: 1 },
    batchSize: Number(process.env.BENCH_BATCH),
    batches,
    phases: ['upload', 'download'],
    outDir: process.env.BENCH_OUT,
  });
  await runExperiment({ config, local: JSON.parse(process.env.BENCH_LOCAL!) });
  console.log(JSON.stringify({ batches, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
