/**
 * Rich output in tslab notebooks: DataFrames and rows as HTML tables, Vega-Lite specs as inline
 * SVG (plus the Vega-Lite MIME bundle, which JupyterLab renders interactively), report previews.
 * The `…Html` functions only build strings, so they work (and are tested) outside a kernel.
 */
import type { DataFrame } from 'danfojs-node';
import fs from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors';
import { escapeHtml } from '../report/format';
import { allFigures, allTables, figureCaptionHtml, figureHtml as reportFigureHtml, tableHtml as reportTableHtml } from '../report/html';
import type { Paragraph, ReportFigure, ReportModel, ReportTable } from '../report/report-model';
import { renderSvg } from '../report/render-svg';
import { shownBatch } from '../schema/records';
import { reportOutputHtml } from './report-style';

/** Any row objects: run.batchRows, batchPoints(…), your own (an interface has no index signature). */
type Row = object;

function isDataFrame(x: unknown): x is DataFrame {
  return typeof x === 'object' && x !== null && 'columns' in x && 'values' in x && typeof (x as DataFrame).shape !== 'undefined';
}

function rowsOf(data: DataFrame | readonly Row[]): { columns: string[]; rows: unknown[][] } {
  if (isDataFrame(data)) return { columns: data.columns.map(String), rows: data.values as unknown[][] };
  const columns = [...new Set(data.flatMap((r) => Object.keys(r)))];
  return { columns, rows: data.map((r) => columns.map((c) => (r as Record<string, unknown>)[c])) };
}

// Alignment is inline on every cell: JupyterLab right-aligns all table cells, text included.
const LEFT = 'style="text-align:left"';
const RIGHT = 'style="text-align:right"';

function cell(v: unknown, digits: number): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return `<td class="missing" ${RIGHT}>—</td>`;
  if (typeof v === 'number') {
    const text = Number.isInteger(v) ? String(v) : v.toFixed(digits);
    return `<td ${RIGHT}>${text}</td>`;
  }
  return `<td ${LEFT}>${escapeHtml(String(v))}</td>`;
}

export interface TableOptions {
  /** Only these columns, in this order. */
  columns?: string[];
  /** Decimals for non-integer numbers (default 4). */
  digits?: number;
  caption?: string;
  /** At most this many rows (default 50); the rest are counted. */
  maxRows?: number;
}

/**
 * A DataFrame or an array of row objects as an HTML table, values as they are, except the `batch`
 * of a run's rows (loadRun's batches and requests), shown from 1 as everywhere (shownBatch).
 */
export function tableHtml(data: DataFrame | readonly Row[], opts: TableOptions = {}): string {
  const all = rowsOf(data);
  const columns = opts.columns ?? all.columns;
  const index = columns.map((c) => all.columns.indexOf(c));
  const missing = columns.filter((_, i) => index[i] < 0);
  if (missing.length) throw new UserError(`no column ${missing.join(', ')} (columns: ${all.columns.join(', ')})`);
  const maxRows = opts.maxRows ?? 50;
  const digits = opts.digits ?? 4;
  // A run's own rows (batches, requests: they carry `run`) count batches from 0 as stored; shown
  // from 1 like in the progress lines, charts and report, and the table says so.
  const batchAt = all.columns.includes('run') ? all.columns.indexOf('batch') : -1;
  const shifted = batchAt >= 0 && index.includes(batchAt);
  const value = (r: unknown[], i: number) => {
    const v = r[i];
    return i === batchAt && typeof v === 'number' ? shownBatch(v) : v;
  };
  const body = all.rows
    .slice(0, maxRows)
    .map((r) => `<tr>${index.map((i) => cell(value(r, i), digits)).join('')}</tr>`)
    .join('\n');
  // A column's header sits over its values: right over numbers, left over text.
  const shown = all.rows.slice(0, maxRows);
  const numeric = index.map((i) => shown.some((r) => typeof r[i] === 'number') && shown.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'));
  const foot = (text: string) => `<tr><td colspan="${columns.length}" ${LEFT}>${text}</td></tr>`;
  const more = all.rows.length > maxRows ? foot(`… ${all.rows.length - maxRows} more rows`) : '';
  const note = shifted ? foot('batch: numbered from 1 as cloudbench shows batches; the data’s <code>batch</code> counts from 0') : '';
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="cloudbench">${caption}<thead><tr>${columns.map((c, k) => `<th ${numeric[k] ? RIGHT : LEFT}>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${body}${more}${note}</tbody></table>`;
}

/** The Vega-Lite spec as SVG markup (rendered in Node, no browser). */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  return (await renderSvg(spec, 'nb')).svg;
}

interface TslabJupyter {
  lastWriteDisplayData: ((data: { data: Record<string, unknown>; metadata: object; transient: object }, update: boolean) => void) | null;
}

/** Sends one display message with several MIME types (tslab's public API sends one type per call). */
function displayBundle(data: Record<string, unknown>): void {
  try {
    // The kernel's own module instance: present when the kernel runs from this project's tslab.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require('tslab/dist/jupyter') as TslabJupyter;
    if (jupyter.lastWriteDisplayData) {
      jupyter.lastWriteDisplayData({ data, metadata: {}, transient: {} }, false);
      return;
    }
  } catch {
    /* fall through to the public API */
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tslab = require('tslab') as typeof import('tslab');
  if (typeof data['image/svg+xml'] === 'string') tslab.display.svg(data['image/svg+xml']);
  else if (typeof data['text/html'] === 'string') tslab.display.html(data['text/html']);
}

/** Shows a table in the notebook. */
export function showTable(data: DataFrame | readonly Row[], opts: TableOptions = {}): void {
  displayBundle({ 'text/html': tableHtml(data, opts), 'text/plain': `table (${rowsOf(data).rows.length} rows)` });
}

/** Shows a chart in the notebook: SVG everywhere, interactive Vega-Lite where the frontend supports it. */
export async function showChart(spec: TopLevelSpec): Promise<void> {
  displayBundle({
    'image/svg+xml': await chartSvg(spec),
    'application/vnd.vegalite.v5+json': spec,
    'text/plain': `chart: ${spec.title ?? spec.description ?? 'Vega-Lite'}`,
  });
}

/** Previews a rendered report inline (its body, sandboxed in an iframe so its CSS stays inside). */
export function showReport(htmlPath: string, opts: { height?: number } = {}): void {
  const html = fs.readFileSync(htmlPath, 'utf8');
  const srcdoc = escapeHtml(html);
  displayBundle({
    'text/html': `<iframe srcdoc="${srcdoc}" style="width:100%;height:${opts.height ?? 600}px;border:1px solid #ccc"></iframe>`,
    'text/plain': `report: ${htmlPath}`,
  });
}

/** "Table 3. Caption." as plain text: the number the report gives the item, when it places it. */
function captionText(x: ReportTable | ReportFigure, kind: 'Table' | 'Figure'): string {
  return `${x.number ?? kind}. ${x.caption}`;
}

/** The HTML output showReportTable sends: the report's table block and the report CSS it uses. */
export function reportTableOutputHtml(t: ReportTable): string {
  return reportOutputHtml(reportTableHtml(t));
}

/** Shows one of the report's tables as the report shows it: numbered caption, emphasis, alignment, notes. */
export function showReportTable(t: ReportTable): void {
  displayBundle({ 'text/html': reportTableOutputHtml(t), 'text/plain': captionText(t, 'Table') });
}

/**
 * Shows one of the report's figures (the chart, then its numbered caption as in the report), or the
 * reason it has none (e.g. insufficient data). The caption is an output of its own so the chart
 * stays interactive in JupyterLab (an HTML bundle would take precedence over the Vega-Lite one).
 */
export async function showFigure(f: ReportFigure): Promise<void> {
  if (f.spec) {
    await showChart(f.spec);
    displayBundle({ 'text/html': reportOutputHtml(figureCaptionHtml(f)), 'text/plain': captionText(f, 'Figure') });
  } else {
    // The report's "nothing to draw" box, with the caption under it.
    displayBundle({ 'text/html': reportOutputHtml(reportFigureHtml(f, undefined)), 'text/plain': `${captionText(f, 'Figure')} ${f.empty ?? ''}` });
  }
}

/**
 * The report's generated paragraphs as plain text: a `[[tab-…]]` / `[[fig-…]]` cross-reference
 * becomes the number the report gives that item ("Table 3"), or its caption if the report has none.
 */
export function paragraphText(p: Paragraph, report: ReportModel): string {
  const items = new Map([...allTables(report), ...allFigures(report)].map((x) => [x.id, x]));
  return p.replace(/\[\[((?:tab|fig)-[A-Za-z0-9_-]+)\]\]/g, (_, id: string) => {
    const x = items.get(id);
    return x?.number ?? `"${x?.caption ?? id}"`;
  });
}

/** Shows the report's generated paragraphs (e.g. `report.summary`) as text. */
export function showParagraphs(paragraphs: readonly Paragraph[], report: ReportModel): void {
  const html = paragraphs.map((p) => `<p>${escapeHtml(paragraphText(p, report))}</p>`).join('');
  displayBundle({ 'text/html': html, 'text/plain': paragraphs.map((p) => paragraphText(p, report)).join('\n\n') });
}
