/**
 * `cloudbench compare <runA> <runB>…` — did anything change, and is it real? — and
 * `cloudbench history <outDir>`: every metric over the runs of one configuration.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_ALPHA } from '../analysis/defaults';
import type { AnalysisModel } from '../analysis/model';
import { ensureWritableDir } from '../durable-files';
import { UserError } from '../errors';
import { listRuns, type RunListing } from '../experiment/run-list';
import type { ReportDocument } from '../report';
import { EXCLUDE_INVALID_HELP } from './analyze-command';
import { documentText } from './document-text';
import { load } from './lazy';
import { alphaOption } from './options';
import { parseFormats } from './report-command';

interface DocumentOptions {
  out?: string;
  format?: string;
  json?: boolean;
  alpha: number;
  excludeInvalid?: boolean;
}

export interface CompareCommandOptions extends DocumentOptions {
  allowDifferentDatasets?: boolean;
}

export interface HistoryCommandOptions extends DocumentOptions {
  config?: string;
}

/** Each source's analysis, saying on stderr when a run has to be analysed from its rows (seconds on a big run). */
async function analyses(sources: readonly string[], excludeInvalid: boolean | undefined): Promise<AnalysisModel[]> {
  // Every path checked before the slow part: a typo in the last argument should not wait for the first run's analysis.
  for (const s of sources) if (!fs.existsSync(s)) throw new UserError(`${s} does not exist (give a run folder or an analysis.json)`);
  const { analysisOf } = load.analysis();
  const out: AnalysisModel[] = [];
  for (const source of sources) {
    const started = performance.now();
    const { model, from, notes } = await analysisOf(source, { invalid: excludeInvalid ? 'exclude' : 'refuse' });
    const seconds = (performance.now() - started) / 1000;
    // Worth a line only when it costs time: `cloudbench analyze` saves the analysis for next time.
    if (from === 'rows' && seconds >= 1) console.error(`cloudbench: ${source} has no up-to-date analysis.json: analysed its rows in ${seconds.toFixed(1)} s (\`cloudbench analyze\` saves it)`);
    for (const note of notes) console.error(`cloudbench: note: ${source}: ${note}`);
    out.push(model);
  }
  return out;
}

async function emit(doc: ReportDocument, data: unknown, basename: string, o: DocumentOptions): Promise<void> {
  if (o.json) console.log(JSON.stringify(data, null, 2));
  else console.log(documentText(doc, { skipSections: ['Method'] }));
  if (o.out === undefined) return;
  const formats = o.format === undefined ? ['html', 'pdf'] : parseFormats(o.format);
  const written = await load.report().writeDocument(doc, path.resolve(o.out), { basename, pdf: formats.includes('pdf'), onStatus: (line) => console.log(line) });
  const log = o.json ? console.error : console.log;
  log(`\nHTML: ${written.htmlPath}`);
  if (written.pdfPath) log(`PDF:  ${written.pdfPath}`);
  for (const w of written.warnings) console.error(`cloudbench: warning: ${w}`);
  if (o.format !== undefined && formats.includes('pdf') && !written.pdfPath) process.exitCode = 1;
}

function checkOut(o: DocumentOptions): void {
  if (o.format !== undefined) {
    parseFormats(o.format);
    if (o.out === undefined) throw new UserError('--format needs --out <dir> (where the HTML/PDF go)');
  }
  if (o.out !== undefined) ensureWritableDir(o.out, '--out');
}

export async function compareFromCli(sources: string[], o: CompareCommandOptions): Promise<void> {
  if (sources.length < 2) throw new UserError('compare needs at least two runs: the baseline first, then the newer run(s)');
  checkOut(o);
  const models = await analyses(sources, o.excludeInvalid);
  // Two folders of one run (a copy, or the same path twice) can only show "no change".
  const seen = new Map<string, string>();
  models.forEach((m, i) => {
    const first = seen.get(m.runId);
    if (first !== undefined) throw new UserError(`${first} and ${sources[i]} are the same run (${m.runId}): compare needs different runs`);
    seen.set(m.runId, sources[i]);
  });
  const { compareRuns } = load.compare();
  const comparison = compareRuns(models, { alpha: o.alpha, allowDifferentDatasets: o.allowDifferentDatasets });
  await emit(load.report().buildCompareDocument(comparison), comparison, 'compare', o);
}

export async function historyFromCli(outDir: string, o: HistoryCommandOptions): Promise<void> {
  checkOut(o);
  let listed = listRuns(outDir).filter((r) => r.batches > 0);
  if (listed.length === 0) throw new UserError(`${outDir} has no run folders with completed batches`);
  const key = (r: RunListing) => `${r.configHash}/${r.datasetSha256}`;
  const groups = new Map<string, RunListing[]>();
  for (const r of listed) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const label = (runs: RunListing[]) =>
    `${runs[0].configHash.slice(0, 12)} “${runs[0].name}” (dataset ${runs[0].datasetSha256.slice(0, 8)}…, ${runs.length} run${runs.length === 1 ? '' : 's'})`;
  // Chosen from the manifests, before the slow part: only the runs shown are analysed.
  if (o.config !== undefined) {
    const prefix = o.config.toLowerCase();
    listed = listed.filter((r) => r.configHash.startsWith(prefix));
    if (listed.length === 0) throw new UserError(`no run in ${outDir} has a config hash starting with ${o.config} (there: ${[...groups.values()].map(label).join(', ')})`);
  } else {
    // A configuration run once has no history yet: listed, not shown (unless nothing else is there).
    const repeated = [...groups.values()].filter((g) => g.length > 1);
    const shown = repeated.length > 0 ? repeated : [listed.slice(0, 1)];
    const once = [...groups.values()].filter((g) => !shown.some((s) => key(s[0]) === key(g[0])));
    if (once.length > 0) console.error(`cloudbench: not shown, run once so far: ${once.map(label).join(', ')} (pick one with --config <hash>)`);
    listed = shown.flat();
  }
  const models = await analyses(listed.map((r) => r.dir).reverse(), o.excludeInvalid);
  const history = load.history().runHistory(models, { alpha: o.alpha });
  await emit(load.report().buildHistoryDocument(history, outDir), history, 'history', o);
}

const OUT_HELP = (name: string) => `also write ${name}.html and ${name}.pdf (needs Chrome/Chromium) into this folder`;
const FORMAT_HELP = 'with --out: html, pdf or html,pdf (default both; a missing browser then only skips the PDF)';

export function registerCompareCommands(program: Command): void {
  program
    .command('compare')
    .description('compare runs the benchstat way: per platform and metric, baseline vs new median, a CI of the difference, Mann–Whitney p with Holm, "~" when not significant')
    .argument('<runs...>', 'two or more run folders (or analysis.json files); the first is the baseline')
    .option('--alpha <a>', 'significance level', alphaOption, DEFAULT_ALPHA)
    .option('--allow-different-datasets', 'compare runs that measured different datasets (refused by default: their numbers are not comparable)')
    .option('--json', 'print the comparison as JSON instead of tables')
    .option('--out <dir>', OUT_HELP('compare'))
    .option('--format <list>', FORMAT_HELP)
    .option('--exclude-invalid', EXCLUDE_INVALID_HELP)
    .action((runs: string[], o: CompareCommandOptions) => compareFromCli(runs, o));
  program
    .command('history')
    .description('each metric over all runs of the same configuration: a table per metric, significant changes between consecutive runs named, trend figures with --out')
    .argument('<out-dir>', 'the folder holding the run folders (the config\'s outDir, e.g. reports)')
    .option('--config <hash>', 'only the configuration with this config hash (a prefix is enough; default: every configuration run more than once)')
    .option('--alpha <a>', 'significance level', alphaOption, DEFAULT_ALPHA)
    .option('--json', 'print the history as JSON instead of tables')
    .option('--out <dir>', OUT_HELP('history'))
    .option('--format <list>', FORMAT_HELP)
    .option('--exclude-invalid', EXCLUDE_INVALID_HELP)
    .action((outDir: string, o: HistoryCommandOptions) => historyFromCli(outDir, o));
}
