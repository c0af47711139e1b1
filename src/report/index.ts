/**
 * `renderReport(runDir)`: a run folder → report.html (self-contained) and report.pdf (A4).
 * Loads the run's plain rows (not DataFrames: danfojs takes seconds to load), analyses it, builds the
 * typed ReportModel, renders HTML from the template, then prints it to PDF with a system Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyzeRun, type AnalyzeOptions } from '../analysis/analyze-run';
import type { AnalysisModel } from '../analysis/model';
import { UserError } from '../errors';
import { writeFileAtomically } from '../durable-files';
import { FILES, readRun, runFolder, type ReadRunOptions } from '../experiment/run-store';
import { BrowserNotFoundError, findBrowser, type BrowserFinder } from './browser';
import { buildReportModel } from './build-model';
import { renderHtml } from './html';
import { htmlToPdf } from './pdf';
import type { ReportModel } from './report-model';
import { loadTemplate } from './template';

export type ReportFormat = 'html' | 'pdf';
export const REPORT_FILES = { html: 'report.html', pdf: 'report.pdf' } as const;

export interface RenderReportOptions {
  /** Default both. HTML is always written when PDF is asked for (the PDF is printed from it). */
  formats?: ReportFormat[];
  /**
   * What to do when the PDF is wanted but no browser is found. true: write the HTML, then throw
   * BrowserNotFoundError (the CLI when --format names pdf). false (default): write the HTML and
   * return the same message in `warnings` (the demo, and the CLI without --format).
   */
  requirePdf?: boolean;
  /** Folder with report.md and report.css (default: the bundled templates/). */
  templateDir?: string;
  /** Where report.html / report.pdf go (default: the run folder). */
  outDir?: string;
  /** Show the study's published values next to ours, labelled as the study's. */
  withStudy?: boolean;
  /** Options of analyzeRun (alpha, the data files' folder). */
  analysis?: Omit<AnalyzeOptions, 'now'>;
  /** A precomputed analysis of this run (skips analyzeRun). */
  model?: AnalysisModel;
  findBrowser?: BrowserFinder;
  pdfTimeoutMs?: number;
  /** A run folder whose files do not add up: refuse (default), or leave those batches out and warn. */
  invalid?: ReadRunOptions['invalid'];
}

export interface RenderReportResult {
  htmlPath: string;
  pdfPath?: string;
  /** Things the user should know, e.g. "no browser: PDF not written". */
  warnings: string[];
  report: ReportModel;
  /** Milliseconds per stage, for the benchmark and the curious. */
  timings: { load: number; analyze: number; model: number; html: number; pdf: number | null };
}

export async function renderReport(runDir: string, opts: RenderReportOptions = {}): Promise<RenderReportResult> {
  const formats = new Set<ReportFormat>(opts.formats ?? ['html', 'pdf']);
  const dir = runFolder(runDir);
  // Read the template first: a typo in the user's folder should fail before the slow work.
  const template = loadTemplate(opts.templateDir);
  const clock = stopwatch();

  const { manifest, batchRows, requestRows, notes } = readRun(dir, { invalid: opts.invalid });
  if (batchRows.length === 0) throw new UserError(`${runDir} has no completed batches yet (${FILES.batches} is empty): nothing to report`);
  const load = clock();

  const analysis = opts.model ?? analyzeRun({ manifest, batchRows, requestRows, notes }, opts.analysis ?? {});
  const analyze = clock();

  const report = buildReportModel({ manifest, batchRows, requestRows, analysis }, { withStudy: opts.withStudy });
  const warnings: string[] = [...notes];
  if (opts.withStudy && !analysis.study) warnings.push('--with-study: no study reference file (study-reference.yaml) was found, so no study columns are shown.');
  const model = clock();

  const outDir = path.resolve(opts.outDir ?? dir);
  fs.mkdirSync(outDir, { recursive: true });
  const html = await renderHtml(report, { template });
  const htmlPath = path.join(outDir, REPORT_FILES.html);
  writeFileAtomically(htmlPath, html);
  const htmlMs = clock();

  const result: RenderReportResult = { htmlPath, warnings, report, timings: { load, analyze, model, html: htmlMs, pdf: null } };
  if (!formats.has('pdf')) return result;

  const browser = (opts.findBrowser ?? (() => findBrowser()))();
  if (!browser) {
    const err = new BrowserNotFoundError(htmlPath);
    if (opts.requirePdf) throw err;
    warnings.push(`PDF not written: ${err.message}`);
    return result;
  }
  const pdfPath = path.join(outDir, REPORT_FILES.pdf);
  await htmlToPdf(html, pdfPath, { browser, footerText: `${report.title} — run ${report.run.id}`, timeoutMs: opts.pdfTimeoutMs });
  result.pdfPath = pdfPath;
  result.timings.pdf = clock();
  return result;
}

/** Each call returns the ms since the previous call. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = now - last;
    last = now;
    return ms;
  };
}

export { buildReportModel, studyLabelOf, type ReportInput, type ReportModelOptions } from './build-model';
export { renderHtml, tableHtml, figureHtml, paragraphHtml, allTables, allFigures } from './html';
export { htmlToPdf } from './pdf';
export { renderSvg, stabilizeIds } from './render-svg';
export { findBrowser, launchArgs, BrowserNotFoundError, BROWSER_NAMES, type BrowserFinder, type BrowserLocation } from './browser';
export { loadTemplate, defaultTemplateDir, type ReportTemplate } from './template';
export * from './charts';
export type * from './report-model';
