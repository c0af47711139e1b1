/**
 * HTML → A4 PDF with puppeteer-core and a Chromium (system or npm, see browser.ts): page numbers in the footer, print CSS
 * from the template (no figure or table row cut across pages, table headers repeated). The page
 * may not fetch anything: every request except the document itself is aborted.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { publishFile } from '../durable-files';
import { UserError } from '../errors';
import { escapeHtml } from './format';
import { describeBrowser, launchBrowser, makeProfileDir, removeProfileDir, type BrowserLocation } from './browser';

export interface PdfOptions {
  browser: BrowserLocation;
  /** Left side of the footer, e.g. the title and run id. */
  footerText: string;
  timeoutMs?: number;
  /** Told about slow one-off work (unpacking the npm Chromium on first use). */
  onStatus?: (line: string) => void;
}

function footerTemplate(text: string): string {
  // Header/footer templates are rendered apart from the page: styles must be inline, font size explicit.
  return (
    '<div style="font-family: \'DejaVu Sans\', Arial, sans-serif; font-size: 7.5px; color: #666; width: 100%; ' +
    'margin: 0 14mm; display: flex; justify-content: space-between;">' +
    `<span>${escapeHtml(text)}</span>` +
    '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
  );
}

export async function htmlToPdf(html: string, pdfPath: string, opts: PdfOptions): Promise<void> {
  const timeout = opts.timeoutMs ?? 60_000;
  const profile = makeProfileDir();
  const tmp = `${pdfPath}.tmp`;
  let browser: Browser | undefined;
  try {
    try {
      // Closing is done in `finally`, also after Ctrl-C (the CLI handles signals itself).
      browser = await launchBrowser(opts.browser, { profileDir: profile, timeoutMs: timeout, onStatus: opts.onStatus });
    } catch (err) {
      throw new UserError(
        `could not start the browser ${describeBrowser(opts.browser)} for the PDF: ${(err as Error).message.split('\n')[0]} ` +
          '(the HTML report is written; check the browser, or point PUPPETEER_EXECUTABLE_PATH at another one)',
      );
    }
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const url = req.url();
      if (url.startsWith('data:') || url === 'about:blank') void req.continue();
      else void req.abort('blockedbyclient');
    });
    await page.setContent(html, { waitUntil: 'load' });
    fs.mkdirSync(path.dirname(pdfPath), { recursive: true });
    await page.pdf({
      path: tmp,
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: footerTemplate(opts.footerText),
      margin: { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' },
      timeout,
    });
    // fsync, then rename: a crash never leaves a half-written report.pdf.
    publishFile(tmp, pdfPath);
  } finally {
    await browser?.close().catch(() => undefined);
    removeProfileDir(profile);
    fs.rmSync(tmp, { force: true });
  }
}
