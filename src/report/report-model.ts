/**
 * The report as typed data: every table, figure, caption and sentence, already decided and
 * formatted, but no HTML. `buildReportModel` produces it from a run and its analysis; the renderers
 * (html.ts, pdf.ts) only lay it out. Notebooks can inspect or reuse any part (figure specs included).
 */
import type { TopLevelSpec } from 'vega-lite';

export type Align = 'left' | 'right' | 'center';

export interface Cell {
  text: string;
  /** The number behind `text`, when there is one (for notebooks and tests, never rendered). */
  value?: number | null;
  /** Emphasised: the best value of a row or column. */
  strong?: boolean;
  /** De-emphasised: missing values, "insufficient data". */
  muted?: boolean;
}

export interface Column {
  label: string;
  align: Align;
  /** A column of the study's published values (styled and labelled apart from ours). */
  study?: boolean;
}

export interface ReportTable {
  /** Stable id: anchor and cross-reference key, e.g. "tab-stats-upload". */
  id: string;
  caption: string;
  columns: Column[];
  rows: Cell[][];
  /** Footnote under the table (sources, abbreviations). */
  notes: string[];
  /** 'keyvalue': a two-column list of settings (first column is a label, never wrapped). */
  layout?: 'data' | 'keyvalue';
  /** "Table 3": the number the report gives it (see buildReportModel); absent when the template does not place it. */
  number?: string;
  /** The numbers of the items its notes refer to (`[[tab-…]]`), so it reads the same on its own. */
  refs?: Record<string, string>;
}

export interface ReportFigure {
  /** Stable id: anchor, SVG id prefix and cross-reference key, e.g. "fig-series-upload". */
  id: string;
  caption: string;
  /** Vega-Lite spec; null when there is nothing to draw (then `empty` says why). */
  spec: TopLevelSpec | null;
  empty: string | null;
  /** Text alternative for screen readers. */
  alt: string;
  /** "Figure 2": the number the report gives it (see buildReportModel); absent when the template does not place it. */
  number?: string;
}

/**
 * Running text. Plain text (escaped at render time); `[[tab-…]]` / `[[fig-…]]` become
 * "Table N" / "Figure N" once the template has fixed the numbering.
 */
export type Paragraph = string;

export interface MetricSection {
  /** e.g. "upload", used in ids and in the template's `{{metric:upload}}` placeholder. */
  key: string;
  title: string;
  intro: Paragraph[];
  series: ReportFigure;
  overlay: ReportFigure;
  boxplot: ReportFigure;
  stats: ReportTable;
  tests: ReportTable;
  verdict: Paragraph;
}

export interface LatencySection {
  intro: Paragraph[];
  table: ReportTable;
  figures: ReportFigure[];
}

export interface LoadSection {
  intro: Paragraph[];
  tables: { steps: ReportTable; capacity: ReportTable; naive: ReportTable; overhead: ReportTable; generator: ReportTable };
  figures: { hockey: ReportFigure; timeline: ReportFigure; distribution: ReportFigure };
  /** How the load scenario was run and judged, in words. */
  methods: string;
}

export interface CostSection {
  intro: Paragraph[];
  /** Tables 6/7-like: one per priced platform. */
  perPlatform: ReportTable[];
  /** Hourly, daily, per 1,000 inferences, cost of this run: one row per platform. */
  summary: ReportTable;
}

/** A merged run's clients (null for a single-client run). */
export interface ClientsSection {
  intro: Paragraph[];
  tables: { clients: ReportTable; metrics: ReportTable; load: ReportTable | null };
}

export interface ReportModel {
  title: string;
  run: {
    id: string;
    name: string;
    status: string;
    startedAt: string;
    endedAt: string;
    platforms: string[];
  };
  /** Whether the study's published values are shown next to ours. */
  withStudy: boolean;
  studyLabel: string;
  summary: Paragraph[];
  resources: ReportTable;
  methodology: { paragraphs: Paragraph[]; table: ReportTable };
  metrics: MetricSection[];
  latency: LatencySection;
  failures: { intro: Paragraph[]; table: ReportTable };
  /** Null when the run had no load scenario (the section is then left out). */
  load: LoadSection | null;
  /** Null unless the run was merged from shards (the section is then left out). */
  clients: ClientsSection | null;
  costs: CostSection;
  winners: { intro: Paragraph[]; table: ReportTable };
  requirements: { intro: Paragraph[]; table: ReportTable };
  capabilities: { intro: Paragraph[]; table: ReportTable };
  appendix: { run: ReportTable; versions: ReportTable; config: string };
}
