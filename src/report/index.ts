/**
 * `renderReport(runDir | analysis.json)`: the analysis model → report.html (self-contained) and
 * report.pdf (A4). From a run folder the model is made first (analyzeRunFolder); the report itself
 * reads only the model: the typed ReportModel, HTML from the template, a PDF through Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyzeRunFolder, readAnalysisJson, writeAnalysisJson, type AnalyzeOptions } from '../analysis/analyze-run';
import type { AnalysisModel } from '../analysis/model';
import { writeFileAtomically } from '../durable-files';
import { UserError } from '../errors';
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
  /** A precomputed analysis of this run (nothing is read from `source` then). */
  model?: AnalysisModel;
  findBrowser?: BrowserFinder;
  pdfTimeoutMs?: number;
  /** Told about slow one-off work (unpacking the npm Chromium on first use). */
  onStatus?: (line: string) => void;
  /** A run folder whose files do not add up: refuse (default), or leave those batches out and warn. */
  invalid?: 'refuse' | 'exclude';
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

/**
 * The report of a run folder (analysed here, and its analysis.json written beside the report) or of
 * an analysis.json alone: the report reads only the analysis model, so both give the same report.
 */
export async function renderReport(source: string, opts: RenderReportOptions = {}): Promise<RenderReportResult> {
  const formats = new Set<ReportFormat>(opts.formats ?? ['html', 'pdf']);
  const fromModelFile = !opts.model && fs.existsSync(source) && fs.statSync(source).isFile();
  const dir = fromModelFile ? path.dirname(path.resolve(source)) : path.resolve(source);
  // Read the template first: a typo in the user's folder should fail before the slow work.
  const template = loadTemplate(opts.templateDir);
  const clock = stopwatch();

  let analysis: AnalysisModel;
  let notes: string[] = [];
  let load = 0;
  let analyze = 0;
  if (opts.model) analysis = opts.model;
  else if (fromModelFile) {
    analysis = readAnalysisJson(source);
    load = clock();
  } else {
    const analyzed = await analyzeRunFolder(dir, { ...opts.analysis, invalid: opts.invalid });
    ({ model: analysis, notes } = analyzed);
    ({ load, analyze } = analyzed.timings);
    clock();
  }
  if (analysis.exclusions.total === 0) throw new UserError(`${source} has no completed batches yet: nothing to report`);

  const report = buildReportModel(analysis, { withStudy: opts.withStudy, template });
  const warnings: string[] = [...notes];
  if (opts.withStudy && !analysis.study) warnings.push('--with-study: no study reference file (study-reference.yaml) was found, so no study columns are shown.');
  const model = clock();

  const outDir = path.resolve(opts.outDir ?? dir);
  fs.mkdirSync(outDir, { recursive: true });
  // The report's own input, beside it: it can be regenerated, or read by other tools, from this file.
  if (!fromModelFile) writeAnalysisJson(outDir, analysis);
  const html = await renderHtml(report, { template });
  const htmlPath = path.join(outDir, REPORT_FILES.html);
  writeFileAtomically(htmlPath, html);
  const htmlMs = clock();

  const result: RenderReportResult = { htmlPath, warnings, report, timings: { load, analyze, model, html: htmlMs, pdf: null } };
  if (!formats.has('pdf')) return result;

  const pdfPath = path.join(outDir, REPORT_FILES.pdf);
  try {
    const browser = (opts.findBrowser ?? (() => findBrowser()))();
    if (!browser) throw new BrowserNotFoundError(htmlPath);
    await htmlToPdf(html, pdfPath, { browser, footerText: `${report.title} — run ${report.run.id}`, timeoutMs: opts.pdfTimeoutMs, onStatus: opts.onStatus });
  } catch (err) {
    // A PDF nobody asked for by name (the demo, `report` without --format) never fails the command:
    // no browser, a bad CLOUDBENCH_BROWSER or one that will not start is a warning, the HTML stands.
    if (opts.requirePdf || !(err instanceof UserError)) throw err;
    warnings.push(`PDF not written: ${err.message}`);
    return result;
  }
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

export { buildReportModel, studyLabelOf, type ReportModelOptions } from './build-model';
export { renderHtml, tableHtml, figureHtml, paragraphHtml, allTables, allFigures, allParagraphs } from './html';
export { htmlToPdf } from './pdf';
export { renderSvg, stabilizeIds } from './render-svg';
export { findBrowser, launchArgs, BrowserNotFoundError, BROWSER_NAMES, type BrowserFinder, type BrowserLocation } from './browser';
export { loadTemplate, defaultTemplateDir, type ReportTemplate } from './template';
export * from './charts';
export type * from './report-model';
export { renderDocumentHtml, writeDocument, documentTables, documentFigures, type ReportDocument, type DocumentSection, type DocumentBlock, type WrittenDocument } from './document';
export { buildCompareDocument } from './compare-document';
export { buildHistoryDocument } from './history-document';
