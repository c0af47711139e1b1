/**
 * ReportModel → one self-contained HTML file: the template's markdown with the generated blocks,
 * the template's CSS inline, every figure as inline SVG. Nothing in it refers to the network.
 * Tables and figures are numbered in the order the template places them; `[[tab-…]]` references in
 * the text resolve to those numbers.
 */
import { escapeHtml } from './format';
import type { LoadSection, MetricSection, Paragraph, ReportFigure, ReportModel, ReportTable } from './report-model';
import { renderSvg } from './render-svg';
import { fillTemplate, placeholderNames, type Placeholders, type ReportTemplate } from './template';

const CAP = (id: string) => `\uE100cap:${id}\uE101`;
const REF = (id: string) => `\uE100ref:${id}\uE101`;

/** Blocks of a document before caption numbering (numberCaptions resolves them). */
export function paragraphBlock(p: Paragraph, cls?: string): string {
  const body = escapeHtml(p).replace(/\[\[((?:tab|fig)-[A-Za-z0-9_-]+)\]\]/g, (_, id: string) => REF(id));
  return `<p${cls ? ` class="${cls}"` : ''}>${body}</p>`;
}

/**
 * Lets long unbroken tokens (URLs, paths, hashes) wrap inside narrow table cells at sensible
 * places, instead of widening the table past the page or breaking ordinary words anywhere.
 */
export function breakable(escaped: string): string {
  return escaped.replace(/[^\s<>]{25,}/g, (token) => {
    if (/&[a-z#0-9]+;/i.test(token)) return token;
    const split = token.replace(/([/_.,:?=&-])(?=[^/_.,:?=&-])/g, '$1<wbr>');
    // No separators (a hash): a break opportunity every 16 characters.
    return split === token ? token.replace(/(.{16})(?=.)/g, '$1<wbr>') : split;
  });
}

export function tableBlock(t: ReportTable): string {
  const head = t.columns
    .map((c) => `<th class="${c.align}${c.study ? ' study' : ''}" scope="col">${escapeHtml(c.label)}</th>`)
    .join('');
  const body = t.rows
    .map((row) => {
      const cells = row.map((cell, i) => {
        const c = t.columns[i];
        const cls = [c?.align ?? 'left', c?.study ? 'study' : '', cell.muted ? 'muted' : '', cell.strong ? 'best' : ''].filter(Boolean).join(' ');
        return `<td class="${cls}">${breakable(escapeHtml(cell.text))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const notes = t.notes.length
    ? `\n<div class="table-notes">${t.notes.map((n) => paragraphBlock(n)).join('')}</div>`
    : '';
  return (
    `<div class="table-block" id="${t.id}">\n<table class="${t.layout ?? 'data'}">\n<caption><span class="label">${CAP(t.id)}.</span> ${escapeHtml(t.caption)}</caption>\n` +
    `<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>${notes}\n</div>`
  );
}

export function figureBlock(f: ReportFigure, svg: string | undefined): string {
  const chart = svg
    ? `<div class="chart" role="img" aria-label="${escapeHtml(f.alt)}">${svg}</div>`
    : `<div class="chart-empty">${escapeHtml(f.empty ?? 'Nothing to draw.')}</div>`;
  return `<figure class="figure" id="${f.id}">\n${chart}\n${figcaption(f)}\n</figure>`;
}

function figcaption(f: ReportFigure): string {
  return `<figcaption><span class="label">${CAP(f.id)}.</span> ${escapeHtml(f.caption)}</figcaption>`;
}

/**
 * One table as HTML outside a report (notebooks): its caption carries the number the report gives
 * it (`t.number`, set by buildReportModel), or just "Table" for one the report does not place; a
 * reference in its notes reads as in the report (`t.refs`), else names the item by id.
 */
export function tableHtml(t: ReportTable): string {
  return standalone(tableBlock(t), t.number, t.refs);
}

/** One figure as HTML outside a report (`svg` from renderSvg, or undefined for the empty note). */
export function figureHtml(f: ReportFigure, svg: string | undefined): string {
  return standalone(figureBlock(f, svg), f.number);
}

/** Only the figure's numbered caption, for a chart shown by other means (a notebook's Vega-Lite output). */
export function figureCaptionHtml(f: ReportFigure): string {
  return standalone(`<figure class="figure" id="${f.id}">\n${figcaption(f)}\n</figure>`, f.number);
}

/** One paragraph of the model as HTML outside a report. */
export function paragraphHtml(p: Paragraph): string {
  return standalone(paragraphBlock(p));
}

function standalone(html: string, number?: string, refs: Readonly<Record<string, string>> = {}): string {
  return html
    .replace(/\uE100cap:([^\uE101]+)\uE101/g, (_, id: string) => number ?? (id.startsWith('fig-') ? 'Figure' : 'Table'))
    .replace(/\uE100ref:([^\uE101]+)\uE101/g, (_, id: string) => refs[id] ?? `${id.startsWith('fig-') ? 'figure' : 'table'} “${id}”`);
}

/** Every figure of the model, by id. */
export function allFigures(model: ReportModel): ReportFigure[] {
  return [
    ...model.metrics.flatMap((m) => [m.series, m.overlay, m.boxplot]),
    ...model.latency.figures,
    ...Object.values(model.load?.figures ?? {}),
  ];
}

export function allTables(model: ReportModel): ReportTable[] {
  return [
    model.resources,
    model.methodology.table,
    ...model.metrics.flatMap((m) => [m.stats, m.tests]),
    model.latency.table,
    model.failures.table,
    ...Object.values(model.load?.tables ?? {}),
    ...(model.clients ? [model.clients.tables.clients, model.clients.tables.metrics, ...(model.clients.tables.load ? [model.clients.tables.load] : [])] : []),
    ...model.costs.perPlatform,
    model.costs.summary,
    model.winners.table,
    model.requirements.table,
    model.capabilities.table,
    model.appendix.run,
    model.appendix.versions,
  ];
}

/** Every paragraph of the model, with the section it belongs to, in report order. */
export function allParagraphs(model: ReportModel): { section: string; text: Paragraph }[] {
  const of = (section: string, ps: Paragraph[]) => ps.map((text) => ({ section, text }));
  return [
    ...of('summary', model.summary),
    ...of('methodology', model.methodology.paragraphs),
    ...model.metrics.flatMap((m) => [...of(`metric:${m.key}`, m.intro), ...of(`metric:${m.key} verdict`, [m.verdict])]),
    ...of('latency', model.latency.intro),
    ...of('failures', model.failures.intro),
    ...of('load', model.load?.intro ?? []),
    ...of('clients', model.clients?.intro ?? []),
    ...of('costs', model.costs.intro),
    ...of('winners', model.winners.intro),
    ...of('requirements', model.requirements.intro),
    ...of('capabilities', model.capabilities.intro),
  ];
}

type Svgs = ReadonlyMap<string, string>;

function metricHtml(m: MetricSection, svgs: Svgs): string {
  const fig = (f: ReportFigure) => figureBlock(f, svgs.get(f.id));
  return [
    `<section class="metric" id="metric-${m.key}">`,
    `<h3>${escapeHtml(m.title)}</h3>`,
    ...m.intro.map((p) => paragraphBlock(p)),
    fig(m.series),
    fig(m.overlay),
    fig(m.boxplot),
    tableBlock(m.stats),
    tableBlock(m.tests),
    paragraphBlock(m.verdict, 'verdict'),
    `</section>`,
  ].join('\n');
}

function loadHtml(l: LoadSection, svgs: Svgs): string {
  const { steps, capacity, naive, overhead, generator } = l.tables;
  const { hockey, timeline, distribution } = l.figures;
  const fig = (f: ReportFigure) => figureBlock(f, svgs.get(f.id));
  return [
    '<section class="load" id="load">',
    '<h2>Load and scaling</h2>',
    ...l.intro.map((p) => paragraphBlock(p)),
    fig(hockey),
    tableBlock(steps),
    tableBlock(capacity),
    fig(timeline),
    fig(distribution),
    tableBlock(naive),
    tableBlock(overhead),
    tableBlock(generator),
    paragraphBlock(`How: ${l.methods}`, 'methods'),
    '</section>',
  ].join('\n');
}

/** The template's placeholders: blocks (generated HTML) and inline values (plain text). */
export function placeholders(model: ReportModel, svgs: Svgs): Placeholders {
  const paras = (ps: Paragraph[]) => ps.map((p) => paragraphBlock(p)).join('\n');
  const tables = new Map(allTables(model).map((t) => [t.id, t]));
  const figures = new Map(allFigures(model).map((f) => [f.id, f]));
  const metrics = new Map(model.metrics.map((m) => [m.key, m]));
  const blocks: Record<string, () => string> = {
    summary: () => paras(model.summary),
    resources: () => tableBlock(model.resources),
    methodology: () => `${paras(model.methodology.paragraphs)}\n${tableBlock(model.methodology.table)}`,
    metrics: () => model.metrics.map((m) => metricHtml(m, svgs)).join('\n'),
    latency: () => [paras(model.latency.intro), tableBlock(model.latency.table), ...model.latency.figures.map((f) => figureBlock(f, svgs.get(f.id)))].join('\n'),
    failures: () => `${paras(model.failures.intro)}\n${tableBlock(model.failures.table)}`,
    // A run without a load scenario has no such section: the block brings its own heading, so nothing is left behind.
    load: () => (model.load ? loadHtml(model.load, svgs) : ''),
    // Likewise for a single-client run: no clients section at all.
    clients: () =>
      model.clients
        ? ['<section class="clients" id="clients">', '<h2>Clients</h2>', paras(model.clients.intro), tableBlock(model.clients.tables.clients), tableBlock(model.clients.tables.metrics), model.clients.tables.load ? tableBlock(model.clients.tables.load) : '', '</section>'].filter(Boolean).join('\n')
        : '',
    costs: () => [paras(model.costs.intro), ...model.costs.perPlatform.map(tableBlock), tableBlock(model.costs.summary)].join('\n'),
    winners: () => `${paras(model.winners.intro)}\n${tableBlock(model.winners.table)}`,
    requirements: () => `${paras(model.requirements.intro)}\n${tableBlock(model.requirements.table)}`,
    capabilities: () => `${paras(model.capabilities.intro)}\n${tableBlock(model.capabilities.table)}`,
    appendix: () =>
      [tableBlock(model.appendix.run), tableBlock(model.appendix.versions), `<h3>Configuration (secrets redacted)</h3>`, `<pre class="config">${escapeHtml(model.appendix.config)}</pre>`].join('\n'),
  };
  const inline: Record<string, string> = {
    title: model.title,
    'run.id': model.run.id,
    'run.name': model.run.name,
    'run.status': model.run.status,
    'run.start': model.run.startedAt,
    'run.end': model.run.endedAt,
    platforms: model.run.platforms.join(', '),
    'study.label': model.studyLabel,
  };
  return {
    block(name) {
      if (blocks[name]) return blocks[name]();
      const [kind, id] = name.split(':', 2);
      if (kind === 'metric' && metrics.has(id)) return metricHtml(metrics.get(id)!, svgs);
      // A metric the run did not measure: say so rather than fail a template that names it.
      if (kind === 'metric' && ['upload', 'download', 'inference', 'throughput'].includes(id)) return `<p class="muted">${escapeHtml(id)}: not measured in this run.</p>`;
      if (kind === 'table' && tables.has(id)) return tableBlock(tables.get(id)!);
      if (kind === 'figure' && figures.has(id)) return figureBlock(figures.get(id)!, svgs.get(id));
      return undefined;
    },
    inline: (name) => inline[name],
    known: () => [
      ...Object.keys(blocks),
      ...['upload', 'download', 'inference', 'throughput'].map((k) => `metric:${k}`),
      'table:<id>',
      'figure:<id>',
      ...Object.keys(inline),
    ],
  };
}

/** "Table 3" / "Figure 2" per id, in the order the captions appear in the document: the one numbering. */
function captionNumbering(html: string): Map<string, string> {
  const numbers = new Map<string, string>();
  let tables = 0;
  let figures = 0;
  for (const [, id] of html.matchAll(/\uE100cap:([^\uE101]+)\uE101/g)) {
    // A table or figure placed twice keeps its first number.
    if (!numbers.has(id)) numbers.set(id, id.startsWith('fig-') ? `Figure ${++figures}` : `Table ${++tables}`);
  }
  return numbers;
}

/**
 * The numbers the report rendered with this template gives its tables and figures, by id (items the
 * template does not place have none). buildReportModel stores them on the items for notebooks.
 */
export function captionNumbers(model: ReportModel, template: ReportTemplate): Map<string, string> {
  // The same blocks in the same order as renderHtml; figures need no SVG to be numbered.
  return captionNumbering(fillTemplate(template, placeholders(model, new Map()), escapeHtml));
}

/** Numbers captions in document order, then resolves references to them. */
export function numberCaptions(html: string): string {
  const numbers = captionNumbering(html);
  const numbered = html.replace(/\uE100cap:([^\uE101]+)\uE101/g, (_, id: string) => numbers.get(id)!);
  return numbered.replace(/\uE100ref:([^\uE101]+)\uE101/g, (_, id: string) =>
    numbers.has(id) ? `<a class="ref" href="#${id}">${numbers.get(id)}</a>` : `<span class="ref-missing">${id.startsWith('fig-') ? 'a figure' : 'a table'} not in this report</span>`,
  );
}

/** Renders the figures the template uses (SVG rendering is the slow part, so only those). */
export async function renderFigures(model: ReportModel, template: ReportTemplate): Promise<Map<string, string>> {
  const used = usedFigureIds(model, template);
  return renderFigureSvgs(allFigures(model).filter((f) => used.has(f.id)));
}

/** SVG per figure id, for the figures that have a spec. */
export async function renderFigureSvgs(figures: Iterable<ReportFigure>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of figures) {
    if (!f.spec) continue;
    const { svg } = await renderSvg(f.spec, f.id);
    // vega draws nothing sensible from degenerate data; never ship "NaN" coordinates.
    if (/NaN|Infinity/.test(svg)) continue;
    out.set(f.id, svg);
  }
  return out;
}

function usedFigureIds(model: ReportModel, template: ReportTemplate): Set<string> {
  const names = placeholderNames(template);
  const used = new Set<string>();
  for (const m of model.metrics) {
    if (names.has('metrics') || names.has(`metric:${m.key}`)) for (const f of [m.series, m.overlay, m.boxplot]) used.add(f.id);
  }
  if (names.has('latency')) for (const f of model.latency.figures) used.add(f.id);
  if (names.has('load')) for (const f of Object.values(model.load?.figures ?? {})) used.add(f.id);
  for (const n of names) if (n.startsWith('figure:')) used.add(n.slice('figure:'.length));
  return used;
}

export interface HtmlOptions {
  template: ReportTemplate;
}

export async function renderHtml(model: ReportModel, opts: HtmlOptions): Promise<string> {
  const svgs = await renderFigures(model, opts.template);
  const body = numberCaptions(fillTemplate(opts.template, placeholders(model, svgs), escapeHtml));
  return htmlPage(`${model.title} — ${model.run.id}`, opts.template.css, body);
}

/** A self-contained HTML page: the styles inline, the body in the report's main element. */
export function htmlPage(title: string, css: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="cloudbench">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${css.trim()}\n</style>`,
    '</head>',
    '<body>',
    `<main class="report">\n${body.trim()}\n</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
