/** A report document (compare, history) as terminal text: section titles, paragraphs, aligned tables; figures are left to the HTML. */
import type { ReportDocument, ReportTable } from '../report';
import { table } from './output';

export function reportTableText(t: ReportTable): string {
  return table([t.columns.map((c) => c.label), ...t.rows.map((r) => r.map((c) => c.text))], { header: true });
}

/** `[[tab-…]]` cross-references point into the HTML; in a terminal the table follows below. */
function plain(p: string): string {
  return p.replace(/\s*\(\[\[[^\]]+\]\]\)/g, '').replace(/\[\[[^\]]+\]\]/g, 'a table below');
}

export function documentText(doc: ReportDocument, opts: { skipSections?: string[] } = {}): string {
  const out: string[] = [doc.title, doc.byline, ''];
  for (const s of doc.sections) {
    if (opts.skipSections?.includes(s.title)) continue;
    out.push(s.title, '-'.repeat(s.title.length));
    for (const b of s.blocks) {
      if ('paragraph' in b) out.push(plain(b.paragraph));
      else if ('table' in b) out.push('', plain(b.table.caption), reportTableText(b.table), ...b.table.notes.map((n) => `  ${plain(n)}`), '');
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}
