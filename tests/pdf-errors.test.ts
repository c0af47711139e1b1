import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { htmlToPdf } from '../src/report/pdf';

test('a browser that cannot start is a one-line error, and no partial PDF is left', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-pdf-'));
  const pdf = path.join(dir, 'report.pdf');
  await assert.rejects(
    htmlToPdf('<p>x</p>', pdf, { browser: { executablePath: '/bin/false', source: 'PUPPETEER_EXECUTABLE_PATH' }, footerText: 'x', timeoutMs: 10_000 }),
    (err: Error) => err.name === 'UserError' && /could not start the browser \/bin\/false \(PUPPETEER_EXECUTABLE_PATH\) for the PDF/.test(err.message),
  );
  assert.deepEqual(fs.readdirSync(dir), []);
});
