/**
 * The user-editable report template: `report.md` (markdown with `{{placeholders}}`) and
 * `report.css`. A placeholder alone on a line is a block (tables, figures, sections); anywhere else
 * it is inline text. Generated HTML never passes through markdown-it: blocks travel as HTML comments
 * and inline values as private-use markers, and are substituted after markdown rendering.
 */
import fs from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { UserError } from '../errors';

export const TEMPLATE_FILES = { markdown: 'report.md', css: 'report.css' } as const;

/** templates/ of this checkout or package (src/report → ../../templates). */
export function defaultTemplateDir(): string {
  return path.resolve(__dirname, '..', '..', 'templates');
}

export interface ReportTemplate {
  dir: string;
  markdown: string;
  css: string;
}

export function loadTemplate(dir?: string): ReportTemplate {
  const d = path.resolve(dir ?? defaultTemplateDir());
  const read = (name: string): string => {
    const file = path.join(d, name);
    if (!fs.existsSync(file)) {
      throw new UserError(
        `${file} not found: a template folder needs ${TEMPLATE_FILES.markdown} and ${TEMPLATE_FILES.css} ` +
          `(copy both from ${defaultTemplateDir()} and edit them)`,
      );
    }
    return fs.readFileSync(file, 'utf8');
  };
  return { dir: d, markdown: read(TEMPLATE_FILES.markdown), css: read(TEMPLATE_FILES.css) };
}

export interface Placeholders {
  /** Block name → HTML (or a function that makes it, so unused blocks cost nothing). */
  block(name: string): string | undefined;
  /** Inline name → plain text (escaped by the caller). */
  inline(name: string): string | undefined;
  /** For the error message on a typo. */
  known(): string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}/g;
const BLOCK_LINE = /^[ \t]*\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}[ \t]*$/;

/** Renders the template's markdown with every placeholder filled; throws UserError on unknown names. */
export function fillTemplate(
  template: ReportTemplate,
  ph: Placeholders,
  escape: (s: string) => string,
): string {
  const blocks: string[] = [];
  const inlines: string[] = [];
  const file = path.join(template.dir, TEMPLATE_FILES.markdown);
  const unknown = (name: string, line: number, hint = ''): never => {
    throw new UserError(`${file}:${line}: unknown placeholder {{${name}}}${hint}; known: ${ph.known().join(', ')}`);
  };
  const lines = stripComments(template.markdown).split('\n');
  const md = lines
    .map((line, i) => {
      const block = BLOCK_LINE.exec(line);
      if (block) {
        const html = ph.block(block[1]);
        if (html !== undefined) {
          blocks.push(html);
          // Blank lines around the comment make it an HTML block whatever surrounds it.
          return `\n<!--cloudbench-block:${blocks.length - 1}-->\n`;
        }
      }
      return line.replace(PLACEHOLDER, (_, name: string) => {
        const value = ph.inline(name);
        if (value === undefined) {
          return unknown(name, i + 1, ph.block(name) !== undefined ? ' (a block: put it on a line of its own)' : '');
        }
        inlines.push(value);
        return `\uE000${inlines.length - 1}\uE001`;
      });
    })
    .join('\n');
  const html = new MarkdownIt({ html: true, typographer: false }).render(md);
  return html
    .replace(/<!--cloudbench-block:(\d+)-->\n?/g, (_, i: string) => `${blocks[Number(i)]}\n`)
    .replace(/\uE000(\d+)\uE001/g, (_, i: string) => escape(inlines[Number(i)]));
}

/** Template comments are notes to its author (they list the placeholders): not part of the report. */
export function stripComments(markdown: string): string {
  // Keep the comment's line breaks so error messages still point at the right line.
  return markdown.replace(/\r\n/g, '\n').replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ''));
}

/** Placeholder names the template uses (to render only the figures it places). */
export function placeholderNames(template: ReportTemplate): Set<string> {
  return new Set([...stripComments(template.markdown).matchAll(PLACEHOLDER)].map((m) => m[1]));
}
