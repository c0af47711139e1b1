/// <reference lib="dom" />
/**
 * The web app in a real browser (puppeteer-core driving the Chromium the PDF uses) against the
 * local stack's real endpoints: a bundled photo is detected on all three platforms and its boxes are
 * drawn; a bad upload shows its error; the runs page lists runs, summarises one, follows a running
 * run live and opens a report; no page logs a console error. Screenshots go to
 * $CLOUDBENCH_SCREENSHOTS when set (that is how the README's was made).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { startApp, type RunningApp } from '../src/app/server';
import { ALL_LOCAL_PLATFORMS, localDemoConfig, resolvePlatforms } from '../src/index';
import { findBrowser, launchBrowser, makeProfileDir, removeProfileDir } from '../src/report/browser';
import { writeSyntheticRun } from './fixtures/synthetic-run';
import { useLocalStack } from './helpers/local-stack';

const chromium = findBrowser();
const shots = process.env.CLOUDBENCH_SCREENSHOTS;

describe('app in a browser', { skip: chromium ? false : 'no Chromium: none on the system and no @sparticuz/chromium (Linux x64 only)', timeout: 180_000 }, () => {
  const stack = useLocalStack();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-app-browser-'));
  const outDir = path.join(tmp, 'reports');
  const profile = makeProfileDir();
  let app: RunningApp;
  let browser: Browser;
  const errors: string[] = [];

  async function open(route: string): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`${route}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`${route}: ${(e as Error).message}`));
    await page.goto(`${app.url.replace(/\/$/, '')}${route}`, { waitUntil: 'networkidle0' });
    return page;
  }

  before(async () => {
    await stack.start();
    writeSyntheticRun(path.join(outDir, 'done'), { batches: 4, batchSize: 2, runId: '20250101-120000-done' });
    fs.writeFileSync(path.join(outDir, 'done', 'report.html'), '<!DOCTYPE html><html><head><title>Fixture report</title></head><body><h1>Fixture report</h1></body></html>');
    const live = writeSyntheticRun(path.join(outDir, 'live'), { batches: 3, batchSize: 2, runId: '20250102-120000-live', startedAt: new Date(Date.UTC(2025, 0, 2, 12)) });
    const manifest = JSON.parse(fs.readFileSync(path.join(live, 'manifest.json'), 'utf8'));
    fs.writeFileSync(path.join(live, 'manifest.json'), JSON.stringify({ ...manifest, status: 'running', endedAt: null }));
    app = await startApp({ platforms: resolvePlatforms(localDemoConfig({ platforms: ALL_LOCAL_PLATFORMS }), stack.get().config), outDir });
    browser = await launchBrowser(chromium!, { profileDir: profile });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await stack.stop();
    removeProfileDir(profile);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('detect: a photo uploaded to the three platforms (SageMaker, Azure ML and Vertex AI protocols), boxes drawn and labelled, times shown; a sample photo too', async () => {
    const page = await open('/');
    await page.waitForSelector('#platforms input');
    // Uploaded as a user would: the file chooser, with a photo that ships with cloudbench.
    const input = await page.$('#file');
    await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(path.join(__dirname, '..', 'src', 'datasets', 'photos', 'horses.jpg'));
    await page.waitForFunction(() => document.getElementById('chosen')!.textContent!.startsWith('horses.jpg'));
    await page.click('#send');
    await page.waitForFunction(() => document.querySelectorAll('.panel').length === 3 && Array.from(document.querySelectorAll('.panel')).every((p) => p.querySelectorAll('.figure g.box').length > 0), { timeout: 60_000 });
    const panels = await page.$$eval('.panel', (ps) =>
      ps.map((p) => ({
        platform: p.getAttribute('data-platform'),
        boxes: p.querySelectorAll('.figure svg rect').length,
        labels: Array.from(p.querySelectorAll('.figure svg text'), (t) => t.textContent),
        times: p.querySelector('.times')?.textContent ?? '',
        rows: p.querySelectorAll('tbody tr').length,
      })),
    );
    for (const p of panels) {
      assert.ok(p.boxes >= 2, `${p.platform}: ${p.boxes} boxes drawn`);
      assert.ok(p.labels.some((l) => /^horse \d+%$/.test(l ?? '')), `${p.platform}: labels ${p.labels}`);
      assert.match(p.times, /round trip \d+ ms · model \d+ ms/);
      assert.equal(p.rows, p.boxes, 'one table row per box');
    }
    assert.deepEqual(panels.map((p) => p.platform), ['aws', 'azure', 'gcp']);
    if (shots) await page.screenshot({ path: path.join(shots, 'app-detect.png'), fullPage: true });
    await page.select('#sample', 'dog.jpg');
    await page.waitForFunction(() => document.getElementById('chosen')!.textContent!.startsWith('dog.jpg'));
    await page.click('#send');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.panel .figure svg text'), (t) => t.textContent ?? '').some((t) => t.startsWith('dog ')), { timeout: 60_000 });
    await page.close();
  });

  test('detect: a file that is not an image shows the error in words', async () => {
    const page = await open('/');
    await page.waitForSelector('#platforms input');
    const notImage = path.join(tmp, 'notes.jpg');
    fs.writeFileSync(notImage, 'these are notes, not a photo');
    const input = await page.$('#file');
    await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(notImage);
    await page.click('#send');
    await page.waitForFunction(() => !document.getElementById('error')!.hidden);
    assert.match(await page.$eval('#error', (e) => e.textContent ?? ''), /Could not detect: that is not a JPEG or PNG image/);
    assert.equal(await page.$$eval('.panel', (p) => p.length), 0);
    // The browser logs the failed request (a 415) as a console error: that one is expected here.
    errors.splice(0, errors.length, ...errors.filter((e) => !/415/.test(e)));
    await page.close();
  });

  test('runs: listed, a running run followed live with its chart, a summary, a report opened', async () => {
    const page = await open('/runs');
    await page.waitForSelector('tr[data-run]');
    const ids = await page.$$eval('tr[data-run]', (rows) => rows.map((r) => r.getAttribute('data-run')));
    assert.deepEqual(ids, ['live', 'done'], 'newest first (by start time), named by folder');
    await page.click('a[data-run="live"]');
    await page.waitForFunction(() => /^Running: 6 of 6 platform-batches done/.test(document.getElementById('live')!.textContent ?? ''));
    await page.waitForSelector('#chart svg');
    // The run ends: the page hears it and lists it as complete.
    const manifestFile = path.join(outDir, 'live', 'manifest.json');
    fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), status: 'complete', endedAt: '2025-01-02T12:05:00.000Z' }));
    await page.waitForFunction(() => document.querySelector('tr[data-run="live"] td:nth-child(2)')?.textContent === 'complete', { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll('#summary li').length >= 4, { timeout: 30_000 });
    if (shots) await page.screenshot({ path: path.join(shots, 'app-runs.png'), fullPage: true });
    const [report] = await Promise.all([
      new Promise<Page>((resolve) => browser.once('targetcreated', async (t) => resolve((await t.page()) as Page))),
      page.click('tr[data-run="done"] a[target="_blank"]'),
    ]);
    await report.waitForSelector('h1');
    assert.equal(await report.$eval('h1', (h) => h.textContent), 'Fixture report');
    await page.close();
  });

  test('no page logged a console error', () => {
    assert.deepEqual(errors, []);
  });
});
