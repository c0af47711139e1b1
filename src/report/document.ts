/**
 * Small paper-style documents other than the run report (the run comparison, the history): a title,
 * a byline and sections of paragraphs, tables and figures, laid out with the report's CSS and its
 * table and figure blocks, numbered the same way. Written as HTML and, when a browser is found, PDF.
 */
import path from 'node:path';
import { writeFileAtomically } from '../durable-files';
import { UserError } from '../errors';
import { BrowserNotFoundError, findBrowser, type BrowserFinder } from './browser';
import { escapeHtml } from './format';
import { figureBlock, htmlPage, numberCaptions, paragraphBlock, renderFigureSvgs, tableBlock } from './html';
import { htmlToPdf } from './pdf';
import type { Paragraph, ReportFigure, ReportTable } from './report-model';
import { loadTemplate } from './template';

export type DocumentBlock = { paragraph: Paragraph; cls?: string } | { table: ReportTable } | { figure: ReportFigure };

export interface DocumentSection {
  title: string;
  blocks: DocumentBlock[];
}

export interface ReportDocument {
  title: string;
  byline: string;
  /** Footer text of the PDF pages. */
  footer: string;
  sections: DocumentSection[];
}

export function documentTables(doc: ReportDocument): ReportTable[] {
  return doc.sections.flatMap((s) => s.blocks.flatMap((b) => ('table' in b ? [b.table] : [])));
}

export function documentFigures(doc: ReportDocument): ReportFigure[] {
  return doc.sections.flatMap((s) => s.blocks.flatMap((b) => ('figure' in b ? [b.figure] : [])));
}

export async function renderDocumentHtml(doc: ReportDocument, css: string): Promise<string> {
  const svgs = await renderFigureSvgs(documentFigures(doc));
  const block = (b: DocumentBlock): string =>
    'paragraph' in b ? paragraphBlock(b.paragraph, b.cls) : 'table' in b ? tableBlock(b.table) : figureBlock(b.figure, svgs.get(b.figure.id));
  const body = numberCaptions(
    [
      `<h1>${escapeHtml(doc.title)}</h1>`,
      `<p class="byline">${escapeHtml(doc.byline)}</p>`,
      ...doc.sections.map((s) => [`<h2>${escapeHtml(s.title)}</h2>`, ...s.blocks.map(block)].join('\n')),
    ].join('\n'),
  );
  return htmlPage(doc.title, css, body);
}

export interface WriteDocumentOptions {
  /** File name without extension, e.g. "compare". */
  basename: string;
  pdf?: boolean;
  templateDir?: string;
  findBrowser?: BrowserFinder;
  /** Told about slow one-off work (unpacking the npm Chromium on first use). */
  onStatus?: (line: string) => void;
}

export interface WrittenDocument {
  htmlPath: string;
  pdfPath: string | null;
  warnings: string[];
}

export async function writeDocument(doc: ReportDocument, outDir: string, opts: WriteDocumentOptions): Promise<WrittenDocument> {
  const template = loadTemplate(opts.templateDir);
  const html = await renderDocumentHtml(doc, template.css);
  const htmlPath = path.join(outDir, `${opts.basename}.html`);
  writeFileAtomically(htmlPath, html);
  const result: WrittenDocument = { htmlPath, pdfPath: null, warnings: [] };
  if (opts.pdf === false) return result;
  const pdfPath = path.join(outDir, `${opts.basename}.pdf`);
  try {
    const browser = (opts.findBrowser ?? (() => findBrowser()))();
    if (!browser) throw new BrowserNotFoundError(htmlPath);
    await htmlToPdf(html, pdfPath, { browser, footerText: doc.footer, onStatus: opts.onStatus });
  } catch (err) {
    // As for the report: the HTML stands and the PDF's problem is a warning.
    if (!(err instanceof UserError)) throw err;
    result.warnings.push(`PDF not written: ${err.message}`);
    return result;
  }
  result.pdfPath = pdfPath;
  return result;
}
