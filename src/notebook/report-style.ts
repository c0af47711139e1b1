/**
 * The report's own stylesheet (templates/report.css, the one the HTML report inlines), scoped to one
 * notebook output: a report table keeps its emphasis (bold best value), its right-aligned numbers,
 * its notes and its numbered caption inside JupyterLab, and nothing outside the output is restyled.
 * JupyterLab renders <style> in trusted outputs, and outputs produced by running a cell are trusted.
 */
import { defaultTemplateDir, loadTemplate } from '../report/template';

/** The wrapper's class. */
export const REPORT_OUTPUT_CLASS = 'cloudbench-report';
/**
 * Every rule starts with the class twice: (0,2,0) plus the report's selector outranks JupyterLab's
 * rendered-HTML table rules, the strongest of which is
 * `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td { text-align: right }` at (0,2,1).
 */
const SCOPE = `.${REPORT_OUTPUT_CLASS}.${REPORT_OUTPUT_CLASS}`;

/**
 * What JupyterLab's rendered-HTML stylesheet sets on every table and the report's CSS does not
 * (it assumes browser defaults): fixed column widths, zebra and hover rows, the UI font colour (light
 * in a dark theme, on the report's white), a rule under the header. Back to the defaults here.
 */
const JUPYTERLAB_RESETS = [
  `${SCOPE} table { table-layout: auto; color: inherit; margin: 0; }`,
  `${SCOPE} thead { border: none; }`,
  `${SCOPE} tbody tr:nth-child(n), ${SCOPE} tbody tr:hover { background: transparent; }`,
  `${SCOPE} td, ${SCOPE} th { line-height: inherit; max-width: none; }`,
];

interface Rule {
  prelude: string;
  body: string;
}

/** Top-level `prelude { body }` blocks of a stylesheet (comments removed; at-rules kept whole). */
function blocks(css: string): Rule[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const out: Rule[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf('{', i);
    if (open < 0) return out;
    let depth = 1;
    let close = open + 1;
    for (; close < text.length && depth > 0; close++) {
      if (text[close] === '{') depth++;
      else if (text[close] === '}') depth--;
    }
    // A statement before the block (`@import …;`) is not part of its prelude.
    const prelude = text.slice(i, open).split(';').pop()!.trim();
    out.push({ prelude, body: text.slice(open + 1, close - 1) });
    i = close;
  }
}

/** Classes and element names an HTML fragment uses. */
function usedNames(html: string): { classes: Set<string>; tags: Set<string> } {
  const classes = new Set([...html.matchAll(/\bclass="([^"]*)"/g)].flatMap((m) => m[1].split(/\s+/).filter(Boolean)));
  const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1].toLowerCase()));
  return { classes, tags };
}

/** `a, b` → [a, b], not splitting inside parentheses (`:is(a, b)`). */
function splitSelectors(prelude: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < prelude.length; i++) {
    if (prelude[i] === '(') depth++;
    else if (prelude[i] === ')') depth--;
    else if (prelude[i] === ',' && depth === 0) {
      out.push(prelude.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(prelude.slice(start).trim());
  return out.filter(Boolean);
}

/** The selector inside the scope, or null when it cannot match anything in the fragment. */
function scopeSelector(sel: string, used: { classes: Set<string>; tags: Set<string> }): string | null {
  // The page's own rules (font, colour, white paper, the colour variables) become the output's.
  if (/^(:root|html|body)$/.test(sel)) return SCOPE;
  // The page column (width, margins, heading counters) has no place in a notebook output.
  if (/(^|[\s>+~])\.report\b/.test(sel)) return null;
  const plain = sel.replace(/::?[a-zA-Z-]+(\([^)]*\))?/g, '').replace(/\[[^\]]*\]/g, '');
  const classes = [...plain.matchAll(/\.([\w-]+)/g)].map((m) => m[1]);
  const tags = plain
    .split(/[\s>+~]+/)
    .map((compound) => /^[a-zA-Z][a-zA-Z0-9]*/.exec(compound)?.[0].toLowerCase())
    .filter((t): t is string => t !== undefined);
  if (!classes.every((c) => used.classes.has(c)) || !tags.every((t) => used.tags.has(t))) return null;
  return `${SCOPE} ${sel}`;
}

/**
 * The stylesheet's rules that can apply to `html`, each scoped to the output wrapper. Print-only
 * rules (`@page`, `@media print`) are left out: a notebook is read on a screen.
 */
export function scopedReportCss(css: string, html: string): string {
  const used = usedNames(html);
  const scope = (sheet: string): string[] =>
    blocks(sheet).flatMap(({ prelude, body }) => {
      if (prelude.startsWith('@')) {
        if (!/^@media\b/.test(prelude) || /\bprint\b/.test(prelude)) return [];
        const inner = scope(body);
        return inner.length ? [`${prelude} {\n${inner.join('\n')}\n}`] : [];
      }
      const selectors = splitSelectors(prelude).map((s) => scopeSelector(s, used)).filter((s): s is string => s !== null);
      return selectors.length ? [`${selectors.join(', ')} { ${body.trim().replace(/\s*\n\s*/g, ' ')} }`] : [];
    });
  return [...scope(css), ...JUPYTERLAB_RESETS].join('\n');
}

let bundledCss: string | undefined;

/**
 * A fragment of report HTML (a table block, a figure) as one self-styled notebook output. `css`:
 * the report stylesheet to use (default: the bundled templates/report.css).
 */
export function reportOutputHtml(html: string, css?: string): string {
  bundledCss ??= loadTemplate(defaultTemplateDir()).css;
  return `<div class="${REPORT_OUTPUT_CLASS}"><style>\n${scopedReportCss(css ?? bundledCss, html)}\n</style>\n${html}\n</div>`;
}
