/** `cloudbench report <run-dir>`: the paper-style report of a run, as report.html and report.pdf. */
import type { Command } from 'commander';
import fs from 'node:fs';
import { DEFAULT_ALPHA } from '../analysis/defaults';
import { ensureWritableDir } from '../durable-files';
import { UserError } from '../errors';
import { EXCLUDE_INVALID_HELP } from './analyze-command';
import type { ReportFormat, RenderReportResult } from '../report';
import { load } from './lazy';
import { alphaOption } from './options';

export interface ReportCommandOptions {
  /** Comma-separated; undefined when the user did not pass --format (then a missing browser is only a warning). */
  format?: string;
  template?: string;
  out?: string;
  withStudy?: boolean;
  alpha: number;
  templates?: string;
  excludeInvalid?: boolean;
}

export function parseFormats(value: string): ReportFormat[] {
  const items = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const bad = items.filter((f) => f !== 'html' && f !== 'pdf');
  if (items.length === 0 || bad.length) throw new UserError(`--format takes html, pdf or html,pdf; got "${value}"`);
  return [...new Set(items)] as ReportFormat[];
}

/**
 * Runs the command. A PDF asked for with --format but impossible (no browser) is an error, after the
 * HTML is written; without --format the PDF is a bonus and a missing browser only a warning.
 */
export async function reportFromCli(runDir: string, o: ReportCommandOptions): Promise<RenderReportResult> {
  const formats = o.format === undefined ? (['html', 'pdf'] as ReportFormat[]) : parseFormats(o.format);
  if (o.template !== undefined && !fs.existsSync(o.template)) throw new UserError(`--template: folder ${o.template} does not exist`);
  if (o.templates !== undefined && !fs.existsSync(o.templates)) throw new UserError(`--templates: folder ${o.templates} does not exist`);
  // Before the slow work: an output folder that cannot be written fails at once.
  if (o.out !== undefined) ensureWritableDir(o.out, '--out');
  const result = await load.report().renderReport(runDir, {
    invalid: o.excludeInvalid ? 'exclude' : 'refuse',
    formats,
    requirePdf: o.format !== undefined && formats.includes('pdf'),
    templateDir: o.template,
    outDir: o.out,
    withStudy: o.withStudy,
    analysis: { alpha: o.alpha, templatesDir: o.templates },
    onStatus: (line) => console.log(line),
  });
  console.log(`HTML: ${result.htmlPath}`);
  if (result.pdfPath) console.log(`PDF:  ${result.pdfPath}`);
  for (const w of result.warnings) console.error(`cloudbench: warning: ${w}`);
  return result;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the paper-style report of a run: report.html (self-contained) and report.pdf (A4, needs Chrome/Chromium)')
    .argument('<run>', 'a run folder (reports/<run-id>), or an analysis.json alone (the report reads only the analysis)')
    .option('--format <list>', 'html, pdf or html,pdf (default: both; without --format a missing browser only skips the PDF, with it the command fails after writing the HTML)')
    .option('--template <dir>', 'folder with your report.md and report.css (copy them from the bundled templates/)')
    .option('--out <dir>', 'where report.html / report.pdf go (default: the run folder)')
    .option('--with-study', 'add columns with the study\'s published values, labelled as the study\'s')
    .option('--alpha <a>', 'significance level of the verdicts', alphaOption, DEFAULT_ALPHA)
    .option('--templates <dir>', 'folder with the analysis data files: pricing.yaml, platforms.yaml, requirements.yaml, study-reference.yaml (default: the bundled templates/)')
    .option('--exclude-invalid', EXCLUDE_INVALID_HELP)
    .action(async (runDir: string, o: ReportCommandOptions) => {
      if (!fs.existsSync(runDir)) throw new UserError(`run folder ${runDir} does not exist`);
      if (fs.statSync(runDir).isFile() && !runDir.endsWith('.json')) throw new UserError(`${runDir} is a file, not a run folder (nor an analysis.json)`);
      await reportFromCli(runDir, o);
    });
}
