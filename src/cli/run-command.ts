import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULTS,
  hasRedactedSecret,
  loadExperimentConfig,
  localDemoConfig,
  parseExperimentConfig,
  usesLocalStack,
  type ExperimentConfig,
} from '../config/experiment';
import { UserError } from '../errors';
import { ensureWritableDir } from '../durable-files';
import { readManifest } from '../experiment/run-folder';
import { parseResultsUrl, type ResultsLocation } from '../experiment/results-location';
import { checkRunId, parseShard, parseStartAt, type ShardSpec } from '../experiment/shard';
import type { RunResult } from '../experiment/runner';
import { BATCH_METRICS } from '../schema/metrics';
import { shownBatch } from '../schema/records';
import { summarizeBatches } from '../analysis/batch-summary';
import { startLocalStack, type LocalStack } from '../local/stack';
import { load } from './lazy';
import { addAutoscaleOptions, addLoadOptions, applyLoadFlags, autoscaleFromFlags, type LoadFlags } from './load-options';
import { instancesOption, intOption } from './options';
import { table } from './output';
import { createProgressRenderer } from './progress';

export interface RunCommandOptions extends LoadFlags {
  config?: string;
  local?: boolean;
  batches?: number;
  batchSize?: number;
  json?: boolean;
  resume?: string;
  out?: string;
  instances: number;
  /** Print the "Next: analyze / report" hint (the demo renders the report itself). */
  hints?: boolean;
  /** With --local and no --config: fields of the local demo config to change (the demo's load scenario). */
  demo?: Parameters<typeof localDemoConfig>[0];
  shard?: string;
  startAt?: string;
  runId?: string;
  resultsTo?: string;
}

interface ScaleOut {
  shard?: ShardSpec & { group: string };
  startAt?: Date;
  runId?: string;
  results?: ResultsLocation;
}

/** --shard, --start-at, --run-id, --results-to: checked before anything starts. */
function scaleOutFromFlags(o: RunCommandOptions): ScaleOut {
  const runId = o.runId !== undefined ? checkRunId(o.runId) : undefined;
  if (o.resume && (o.runId !== undefined || o.startAt !== undefined)) throw new UserError('--resume continues a run as it was: leave out --run-id and --start-at');
  const spec = o.shard !== undefined ? parseShard(o.shard) : undefined;
  // The id is what ties the shards together (folder names, the upload prefix, merge's check).
  if (spec && runId === undefined) throw new UserError(`--shard needs --run-id: the id all ${spec.count} shards share (e.g. --run-id ${load.runStore().newRunId().toLowerCase()})`);
  return {
    shard: spec && runId ? { ...spec, group: runId } : undefined,
    startAt: o.startAt !== undefined ? parseStartAt(o.startAt) : undefined,
    runId,
    results: o.resultsTo !== undefined ? parseResultsUrl(o.resultsTo) : undefined,
  };
}

/** Uploads the run folder where --results-to says (the pod's disk goes when it ends). */
async function uploadResults(dir: string, results: ResultsLocation, write: (s: string) => void): Promise<void> {
  const manifest = readManifest(dir);
  const group = manifest.shard?.group ?? manifest.runId;
  write(`Uploading the run folder to ${results.url}…`);
  try {
    const up = await load.resultsStore().uploadRunFolder(dir, results, group);
    write(`Uploaded ${up.files} files (${(up.bytes / 2 ** 20).toFixed(1)} MiB) to ${up.url}`);
  } catch (err) {
    throw new UserError(`the run folder ${dir} is saved here but could not be uploaded: ${(err as Error).message}`);
  }
}

/** A run to resume: a folder, or a run id in the output folder (--out, else the config's outDir, else reports). */
function findRunDir(ref: string, outDir: string): string {
  for (const candidate of [ref, path.join(outDir, ref)]) {
    if (fs.existsSync(path.join(candidate, 'manifest.json'))) return path.resolve(candidate);
  }
  throw new UserError(`no run "${ref}" found (looked for ${ref}/manifest.json and ${path.join(outDir, ref)}/manifest.json)`);
}

/** The config of a run: --config, else the resumed run's own (when it holds no redacted secret), else the local demo. */
function chooseConfig(o: RunCommandOptions): { config: ExperimentConfig; resumeDir?: string } {
  const fromFile = o.config ? loadExperimentConfig(o.config) : undefined;
  const resumeDir = o.resume ? findRunDir(o.resume, o.out ?? fromFile?.outDir ?? DEFAULTS.outDir) : undefined;
  let config: ExperimentConfig;
  if (fromFile) config = fromFile;
  else if (resumeDir) {
    const saved = readManifest(resumeDir).config;
    if (hasRedactedSecret(saved)) {
      throw new UserError(`run ${path.basename(resumeDir)} used secrets that are not stored: resume it with the same --config file`);
    }
    try {
      config = parseExperimentConfig(saved);
    } catch (err) {
      throw new UserError(`the config saved in ${path.join(resumeDir, 'manifest.json')} is not valid (${(err as Error).message}); resume with --config FILE`);
    }
  } else if (o.local) config = localDemoConfig(o.demo);
  else throw new UserError('say what to run: --config FILE, or --local for the two study platforms on the embedded stack');
  if (o.batchSize !== undefined) config.batchSize = o.batchSize;
  if (o.batches !== undefined) config.batches = o.batches;
  if (o.out !== undefined) config.outDir = o.out;
  return { config: applyLoadFlags(config, o), resumeDir };
}

/** Failed requests of the run, named: which files, where, and why (the summary a user acts on). */
export function printFailures(result: RunResult, write: (s: string) => void): void {
  const { count, examples } = result.failures;
  if (count === 0) return;
  write(`\n${count} request${count > 1 ? 's' : ''} failed${examples.length < count ? ` (the first ${examples.length} shown)` : ''}:`);
  for (const f of examples) {
    write(`  ${f.platform} batch ${shownBatch(f.batch)} ${f.phase} ${f.key}: ${f.errorCode}${f.errorMessage ? ` — ${f.errorMessage.split('\n')[0].slice(0, 160)}` : ''}`);
  }
}

export function printSummary(result: RunResult, write: (s: string) => void): void {
  const summary = summarizeBatches(result.batches);
  const rows = [['platform', ...BATCH_METRICS.map((m) => `${m.label} (${m.unit})`), 'batches']];
  for (const [platform, metrics] of Object.entries(summary)) {
    const n = Math.max(0, ...Object.values(metrics).map((s) => s?.n ?? 0));
    rows.push([
      platform,
      ...BATCH_METRICS.map((m) => {
        const s = metrics[m.key];
        if (!s) return '-';
        return s.sd === null ? s.mean.toFixed(3) : `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;
      }),
      String(n),
    ]);
  }
  const failed = result.batches.filter((b) => b.status === 'failed').length;
  const warmup = result.batches.filter((b) => b.warmup).length;
  write(`\nPer-batch means ± sd (warm-up and failed batches excluded: ${warmup} warm-up, ${failed} failed):`);
  write(table(rows, { header: true }));
}

/** Runs an experiment as the CLI does; used by `run` and `demo`. */
export async function runFromCli(o: RunCommandOptions): Promise<RunResult> {
  const { config, resumeDir } = chooseConfig(o);
  const scaleOut = scaleOutFromFlags(o);
  const autoscale = autoscaleFromFlags(o);
  const needsStack = usesLocalStack(config);
  if (autoscale && !o.local) throw new UserError('--autoscale scales the local stack\'s endpoints: add --local');
  if (needsStack && !o.local) {
    throw new UserError('this config uses the local stack ("local:aws"/"local:azure"/"local:gcp"): add --local to start it for the run');
  }
  // Before the stack and the dataset: an output folder that cannot be written fails at once.
  if (!resumeDir) ensureWritableDir(config.outDir, o.out !== undefined ? '--out' : 'outDir');
  // With --json, stdout carries only the result line; everything human goes to stderr.
  const human = o.json ? process.stderr : process.stdout;
  const progress = createProgressRenderer(human);
  let stack: LocalStack | undefined;
  try {
    if (needsStack) {
      progress.log(
        autoscale
          ? `Starting the local stack (detector instances autoscaled ${autoscale.min}..${autoscale.max})…`
          : `Starting the local stack (${o.instances} detector instance${o.instances > 1 ? 's' : ''})…`,
      );
      stack = await startLocalStack({ instances: o.instances, ...(autoscale ? { autoscale } : {}) });
    }
    // The runner handles Ctrl-C: the first stops after the requests in flight, a second aborts them.
    const result = await load.runner().runExperiment({
      config, local: stack?.config, resumeDir, onEvent: (e) => progress.onEvent(e),
      shard: scaleOut.shard, startAt: scaleOut.startAt, runId: scaleOut.runId,
    });
    progress.close();
    if (scaleOut.results) await uploadResults(result.dir, scaleOut.results, (s) => human.write(`${s}\n`));
    printSummary(result, (s) => human.write(`${s}\n`));
    printFailures(result, (s) => human.write(`${s}\n`));
    human.write(`\nRun folder: ${result.dir}\n`);
    const measured = result.batches.filter((b) => b.status === 'ok').length;
    if (measured === 0) {
      throw new UserError(`nothing could be measured: all ${result.batches.length} platform-batches failed (see the failed requests above)`);
    }
    if (o.hints !== false) human.write(`Next: cloudbench analyze ${result.dir}   (statistics and verdicts)\n      cloudbench report ${result.dir}    (HTML and PDF)\n`);
    if (o.json) process.stdout.write(`${JSON.stringify({ runId: result.runId, dir: result.dir })}\n`);
    return result;
  } catch (err) {
    progress.close();
    if (err instanceof load.runner().RunStoppedError) {
      // What was measured goes up too: the pod's folder is lost when it ends, and merge names the shard as incomplete.
      if (scaleOut.results) await uploadResults(err.dir, scaleOut.results, (s) => human.write(`${s}\n`)).catch((e: Error) => human.write(`warning: ${e.message}\n`));
      const hint = `cloudbench run --resume ${err.runId}${o.local ? ' --local' : ''}${o.config ? ` --config ${o.config}` : ''}${o.out ? ` --out ${o.out}` : ''}`;
      throw new UserError(`${err.message}. Continue with: ${hint}`);
    }
    throw err;
  } finally {
    // The run has ended; a further Ctrl-C while the stack shuts down (a second or two) changes nothing.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    await stack?.stop();
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('measure upload, download and inference per batch on every platform of a config, then (with a load: block or --load-rates / --load-search) an open-loop load scenario on each endpoint; writes reports/<run-id>/. Ctrl-C stops after the requests in flight (a second Ctrl-C at once); --resume continues')
    .option('--config <file>', 'experiment config (JSON or YAML); see README "Experiment config"')
    .option('--local', 'start the embedded local stack for the run (needed by "local:aws"/"local:azure"/"local:gcp" platforms); without --config, runs the local demo platforms')
    .option('--batches <n>', 'run at most N batches per platform', intOption('--batches', 1))
    .option('--batch-size <n>', `images per batch (default ${DEFAULTS.batchSize}, as in the study)`, intOption('--batch-size', 1))
    .option('--resume <run>', 'continue an interrupted run after its last complete batch: its folder, or its id (looked for in --out, else the config\'s outDir)')
    .option('--out <dir>', 'where run folders go (default: reports)')
    .option('--instances <n>', 'with --local: detector worker threads behind the local endpoints', instancesOption, 1)
    .option('--json', 'print {"runId","dir"} as the last line of stdout; progress goes to stderr')
    .option('--shard <I/N|N>', 'measure shard I of N (I from 0): the batches b (stored numbers, from 0) with b mod N = I, 1/N of every load rate; N alone takes I from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Merge the shards with cloudbench merge')
    .option('--start-at <time>', 'begin measuring at this ISO 8601 instant (after the preflight), so shards on many machines start together; a late shard says so and records its lagMs')
    .option('--run-id <id>', 'the run\'s id (with --shard: the id the shards share; each shard\'s folder is <id>-shard-I-of-N)')
    .option('--results-to <url>', 'upload the run folder when the run ends to s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix (under <id>/<folder>/)');
  addAutoscaleOptions(addLoadOptions(cmd), 'with --local: ').action(async (o: RunCommandOptions) => {
    await runFromCli(o);
  });
}
