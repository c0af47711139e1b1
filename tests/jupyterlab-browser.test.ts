/// <reference lib="dom" />
/**
 * `cloudbench lab` as a user meets it: JupyterLab (from the project venv, started by the CLI) in a
 * real browser, 01-quickstart.ipynb opened with the cloudbench kernel and run through the UI
 * (Run → Run All Cells). Every code cell must end with an execution count, in order; the cloudbench
 * table must be rendered with its rows and both charts drawn by JupyterLab's Vega-Lite renderer
 * (or its SVG one); no cell may show an error and the page may log none. Then one Ctrl-C (SIGINT)
 * stops the lab with exit code 0 and frees its port.
 *
 * Headless notebook runs (tests/notebook.test.ts) check the outputs a kernel sends; this checks
 * what JupyterLab makes of them: the kernel found by name, the MIME bundles rendered. Skipped only
 * where JupyterLab cannot be installed or no Chromium is found. A screenshot of the notebook after
 * the run goes to $CLOUDBENCH_SCREENSHOTS/jupyterlab-quickstart.png when that is set.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { isJupyterEnvReady, venvDir } from '../src/notebook/jupyter-env';
import { KERNEL_DISPLAY_NAME } from '../src/notebook/kernelspec';
import { findBrowser, launchBrowser, makeProfileDir, removeProfileDir } from '../src/report/browser';
import { ROOT, spawnCli, waitUntil } from './helpers/cli';

const NOTEBOOK = '01-quickstart.ipynb';
const chromium = findBrowser();
const shots = process.env.CLOUDBENCH_SCREENSHOTS;

function skipReason(): string | false {
  if (!isJupyterEnvReady(venvDir())) return `JupyterLab could not be installed into ${venvDir()} (pip could not set it up; see \`npm run lab\`, which installs it and says why not)`;
  if (!chromium) return 'no Chromium: none on the system (PUPPETEER_EXECUTABLE_PATH, chromium/google-chrome on PATH) and no @sparticuz/chromium (Linux x64 only)';
  return false;
}

/** A port nobody listens on right now: the OS picks one, then it is released for the lab. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}

/**
 * The copy's parameters cell, made small: 3 batches of 8 images (the first is a warm-up, left out of
 * the charts: 3 leaves each chart two measured batches per platform to draw), runs written to `outDir`.
 */
function shrinkParameters(file: string, outDir: string): void {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; metadata: { tags?: string[] }; source: string | string[] }[] };
  const cell = nb.cells.find((c) => c.cell_type === 'code' && c.metadata.tags?.includes('parameters'));
  assert.ok(cell, `${NOTEBOOK} has no cell tagged "parameters"`);
  const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
  const replaced = source
    .replace(/^let batches = \d+;$/m, 'let batches = 3;')
    .replace(/^let batchSize = \d+;$/m, 'let batchSize = 8;')
    .replace(/^let outDir = .*;$/m, `let outDir = ${JSON.stringify(outDir)};`);
  assert.equal((replaced.match(/^let (batches = 3|batchSize = 8|outDir = ".*");$/gm) ?? []).length, 3, `the parameters cell is not what this test expects:\n${source}`);
  cell.source = replaced;
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}

interface CellState {
  prompts: string[];
  stderr: string[];
}

describe('JupyterLab in a browser', { skip: skipReason(), timeout: 360_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-jupyterlab-'));
  const nbDir = path.join(tmp, 'notebooks');
  const runsDir = path.join(tmp, 'runs');
  const profile = makeProfileDir();
  let port = 0;
  let lab: ChildProcess | undefined;
  let labOut = '';
  let labErr = '';
  let labUrl: URL;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const pageWarnings: string[] = [];

  before(async () => {
    fs.mkdirSync(path.join(nbDir, 'node_modules'), { recursive: true });
    // `import … from "cloudbench"` resolves from the notebook's folder, as in a user's project.
    fs.symlinkSync(ROOT, path.join(nbDir, 'node_modules', 'cloudbench'), 'dir');
    fs.copyFileSync(path.join(ROOT, 'notebooks', NOTEBOOK), path.join(nbDir, NOTEBOOK));
    shrinkParameters(path.join(nbDir, NOTEBOOK), runsDir);

    port = await freePort();
    // JupyterLab's workspace (open tabs) and user settings in folders of the test's own: the run
    // neither reads nor changes what a user's `npm run lab` keeps in the venv (a dark theme, say).
    // Datasets the notebook generates go to a cache of its own.
    const labArgs = [`--LabApp.workspaces_dir=${path.join(tmp, 'workspaces')}`, `--LabApp.user_settings_dir=${path.join(tmp, 'user-settings')}`];
    lab = spawnCli(['lab', '--port', String(port), '--notebooks', nbDir, '--', ...labArgs], {
      CLOUDBENCH_CACHE_DIR: process.env.CLOUDBENCH_CACHE_DIR ?? path.join(tmp, 'cache'),
    });
    lab.stdout!.on('data', (d: Buffer) => { labOut += d.toString(); });
    lab.stderr!.on('data', (d: Buffer) => { labErr = (labErr + d.toString()).slice(-4000); });
    const started = Date.now();
    await waitUntil(() => /^JupyterLab: http\S+$/m.test(labOut) || lab!.exitCode !== null, 150_000, 'the JupyterLab URL on stdout').catch((err: Error) => {
      throw new Error(`${err.message} (stdout: ${labOut}; stderr: ${labErr})`);
    });
    assert.equal(lab.exitCode, null, `cloudbench lab exited early (${lab.exitCode}): ${labOut}\n${labErr}`);
    labUrl = new URL(labOut.match(/^JupyterLab: (http\S+)$/m)![1]);
    assert.equal(labUrl.host, `127.0.0.1:${port}`, 'the lab listens where it was asked to');
    assert.ok(labUrl.searchParams.get('token'), 'the URL carries a token');
    console.log(`# lab ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${labUrl.origin}`);

    browser = await launchBrowser(chromium!, { profileDir: profile });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${(e as Error).message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
      else if (m.type() === 'warn') pageWarnings.push(m.text());
    });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (lab && lab.exitCode === null && lab.signalCode === null) {
      // The test failed before stopping it: Ctrl-C as a user would, then harder.
      lab.kill('SIGINT');
      if ((await exitOf(lab, 20_000)) === 'timeout') {
        lab.kill('SIGKILL');
        await exitOf(lab, 5_000);
      }
    }
    removeProfileDir(profile);
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  test(`${NOTEBOOK} opens with the cloudbench kernel; Run → Run All Cells renders the table and the charts, without errors`, async () => {
    const testStarted = Date.now();
    // JupyterLab 4 opens a file of the server's root at /lab/tree/<path>.
    const nbUrl = new URL(`/lab/tree/${NOTEBOOK}`, labUrl.origin);
    nbUrl.searchParams.set('token', labUrl.searchParams.get('token')!);
    await page.goto(nbUrl.href, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForSelector('.jp-NotebookPanel .jp-Notebook .jp-CodeCell', { timeout: 90_000 });

    // The kernel from the notebook's metadata, started and idle; a missing kernel would show a
    // "Select Kernel" dialog instead.
    await page.waitForFunction(
      (name) => {
        if (document.querySelector('.jp-Dialog')) return true;
        const toolbar = document.querySelector('.jp-NotebookPanel-toolbar');
        return toolbar?.querySelector('[data-jp-item-name="kernelName"]')?.textContent?.trim() === name
          && toolbar.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') === 'idle';
      },
      { timeout: 90_000, polling: 250 },
      KERNEL_DISPLAY_NAME,
    );
    const dialog = await page.$eval('.jp-Dialog', (d) => d.textContent).catch(() => null);
    assert.equal(dialog, null, `JupyterLab shows a dialog instead of starting the kernel: ${dialog}`);
    const kernelName = await page.$eval('.jp-NotebookPanel-toolbar [data-jp-item-name="kernelName"]', (e) => e.textContent?.trim());
    assert.equal(kernelName, KERNEL_DISPLAY_NAME);
    const before = await page.$$eval('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt', (ps) => ps.map((p) => p.textContent?.trim()));
    assert.ok(before.length >= 5, `code cells: ${before.length}`);
    assert.ok(before.every((p) => p === '[ ]:'), `no cell has run yet: ${before.join(' ')}`);

    // Run → Run All Cells, with the mouse, as a user would.
    const runMenu = (await page.waitForSelector('::-p-xpath(//li[contains(@class,"lm-MenuBar-item")][.//div[contains(@class,"lm-MenuBar-itemLabel")][normalize-space(.)="Run"]])', { timeout: 10_000 })) as ElementHandle<Element>;
    await runMenu.click();
    // Found by its label, as a user finds it; the Run menu's entry is the `runmenu:run-all` command.
    const runAll = (await page.waitForSelector('::-p-xpath(//li[contains(@class,"lm-Menu-item")][.//div[contains(@class,"lm-Menu-itemLabel")][normalize-space(.)="Run All Cells"]])', { visible: true, timeout: 10_000 })) as ElementHandle<Element>;
    assert.equal(await runAll.evaluate((e) => e.getAttribute('data-command')), 'runmenu:run-all');
    assert.equal(await runAll.evaluate((e) => e.classList.contains('lm-mod-disabled')), false, 'Run All Cells is enabled');
    const runStarted = Date.now();
    await runAll.click();

    // Done when every code cell has its execution count; given up early when a cell failed (Run
    // All stops there: nothing running, the rest never run).
    const state = (): Promise<CellState> =>
      page.evaluate(() => ({
        prompts: Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt'), (p) => p.textContent?.trim() ?? ''),
        stderr: Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'), (o) => o.textContent ?? ''),
      }));
    await page.waitForFunction(
      () => {
        const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt'), (p) => p.textContent?.trim() ?? '');
        if (prompts.every((p) => /^\[\d+\]:$/.test(p))) return true;
        const failed = document.querySelector('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
        return !!failed && !prompts.includes('[*]:');
      },
      { timeout: 240_000, polling: 500 },
    ).catch(async (err: Error) => {
      const s = await state().catch(() => null);
      throw new Error(`Run All did not finish: ${err.message}; prompts ${s?.prompts.join(' ')}; stderr ${JSON.stringify(s?.stderr)}`);
    });
    const runSeconds = (Date.now() - runStarted) / 1000;
    const after = await state();
    console.log(`# Run All: ${runSeconds.toFixed(1)} s; prompts ${after.prompts.join(' ')}`);

    // No cell failed: no error output (tslab sends errors and stderr as the stderr MIME type), no
    // "Javascript Error" from a renderer (JupyterLab shows those the same way).
    assert.deepEqual(after.stderr.filter((t) => /error|warning|exception/i.test(t)), [], 'a cell shows an error');
    const counts = after.prompts.map((p) => Number(p.match(/^\[(\d+)\]:$/)?.[1]));
    assert.ok(counts.every((n) => Number.isInteger(n)), `every code cell ran: ${after.prompts.join(' ')}`);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'cells ran top to bottom');
    assert.equal(new Set(counts).size, counts.length, 'each cell ran once');
    const stdout = await page.$$eval('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]', (os) => os.map((o) => o.textContent ?? '').join('\n'));
    assert.match(stdout, /Run \S+ \(complete\)/, 'the experiment completed');
    assert.match(stdout, /stack stopped/);

    // The cloudbench table (display.ts tableHtml), rendered as HTML with its caption, columns and rows.
    const tables = await page.$$eval('.jp-OutputArea-output[data-mime-type="text/html"] table.cloudbench', (ts) =>
      ts.map((t) => ({
        caption: t.querySelector('caption')?.textContent?.trim(),
        headers: Array.from(t.querySelectorAll('thead th'), (th) => th.textContent?.trim()),
        rows: Array.from(t.querySelectorAll('tbody tr'), (tr) => tr.querySelectorAll('td').length),
        height: (t as HTMLElement).getBoundingClientRect().height,
      })),
    );
    assert.equal(tables.length, 1, 'one cloudbench table');
    const [table] = tables;
    assert.equal(table.caption, 'Per-batch metrics');
    assert.deepEqual(table.headers, ['platform', 'batch', 'warmup', 'images', 'mib', 'uploadSPerMiB', 'downloadSPerMiB', 'inferenceSPerMiB', 'throughputMiBps', 'failures']);
    const dataRows = table.rows.filter((n) => n === table.headers.length).length;
    assert.equal(dataRows, 2 * 3, 'a row per platform and batch (2 platforms × 3 batches)');
    assert.ok(table.height > 50, `the table is laid out (height ${table.height}px)`);

    // The charts: the bundle carries image/svg+xml and Vega-Lite; JupyterLab 4 prefers its Vega-Lite
    // renderer (rank 57 before the SVG one's 80), which draws with vega-embed on a canvas. Found as
    // either, then required to be the Vega-Lite one (the interactive chart display.ts promises).
    const charts = await page.$$eval('.jp-Notebook .jp-OutputArea-output.jp-RenderedVegaLite, .jp-Notebook .jp-OutputArea-output.jp-RenderedSVG', (outputs) =>
      outputs.map((o) => {
        const kind = o.classList.contains('jp-RenderedVegaLite') ? 'vega-lite' : 'svg';
        // vega-embed's .marks is the chart (canvas, or svg with renderer "svg"); its actions menu has an svg icon of its own.
        const marks = (kind === 'svg' ? o.querySelector('svg, img') : o.querySelector('.vega-embed .marks')) as HTMLCanvasElement | SVGSVGElement | HTMLImageElement | null;
        const box = marks?.getBoundingClientRect();
        let inked = 0;
        if (marks instanceof HTMLCanvasElement) {
          // Pixels that are not blank: the axes, the lines, the boxes.
          const data = marks.getContext('2d')!.getImageData(0, 0, marks.width, marks.height).data;
          for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) inked++;
        } else if (marks instanceof SVGSVGElement) {
          inked = marks.querySelectorAll('path, rect, line, circle, text').length * 100;
        } else if (marks instanceof HTMLImageElement) {
          inked = marks.complete ? marks.naturalWidth * marks.naturalHeight : 0;
        }
        return { kind, element: marks?.tagName.toLowerCase() ?? null, width: Math.round(box?.width ?? 0), height: Math.round(box?.height ?? 0), inked };
      }),
    );
    console.log(`# charts: ${JSON.stringify(charts)}`);
    assert.equal(charts.length, 2, 'two charts (throughput per batch, inference boxplot)');
    for (const c of charts) {
      assert.ok(c.element, `a chart output (${c.kind}) with nothing drawn in it`);
      assert.ok(c.width > 150 && c.height > 150, `chart drawn at ${c.width}×${c.height}px`);
      assert.ok(c.inked > 1000, `chart has something drawn on it (${c.inked} inked pixels)`);
    }
    assert.deepEqual(charts.map((c) => c.kind), ['vega-lite', 'vega-lite'], 'JupyterLab renders the Vega-Lite bundle (interactive), not the SVG fallback');

    // Screenshots: the notebook scrolled so the table and the charts are in view.
    // JupyterLab's "get notified about official Jupyter news?" toast would cover part of the notebook.
    for (const close of await page.$$('.jp-Notification-Toast-Close')) await close.click().catch(() => undefined);
    // The window made as tall as the notebook (JupyterLab scrolls inside its own panel, so a
    // full-page screenshot would show one screen of it), scrolled to the top.
    const notebookHeight = await page.$eval('.jp-NotebookPanel .jp-WindowedPanel-outer', (outer) => {
      const cells = outer.querySelectorAll('.jp-Cell');
      const last = cells[cells.length - 1].getBoundingClientRect();
      return last.bottom - outer.getBoundingClientRect().top + outer.scrollTop + outer.getBoundingClientRect().top;
    });
    await page.setViewport({ width: 1400, height: Math.min(6000, Math.ceil(notebookHeight) + 80) });
    await page.$eval('.jp-NotebookPanel .jp-WindowedPanel-outer', (outer) => { outer.scrollTop = 0; });
    await new Promise((r) => setTimeout(r, 1000));
    await page.screenshot({ path: '/tmp/jl-shot.png' });
    if (shots) await page.screenshot({ path: path.join(shots, 'jupyterlab-quickstart.png') });

    // None at all: JupyterLab's debugger extension, which threw "No active debugger session" after
    // every cell (tslab has no debugger), is disabled in the project's venv (jupyter-env.ts).
    assert.deepEqual(pageErrors, [], 'the page logged errors');
    // Warnings are reported, not failed: Vega-Lite warns about the boxplot's empty outlier layer.
    if (pageWarnings.length) console.log(`# page warnings: ${JSON.stringify([...new Set(pageWarnings)])}`);
    console.log(`# test: ${((Date.now() - testStarted) / 1000).toFixed(1)} s`);
  });

  test('one Ctrl-C (SIGINT) stops the lab: exit code 0 within 15 s, port closed', async () => {
    assert.ok(lab, 'the lab was started');
    await browser?.close();
    browser = undefined;
    assert.equal(await isListening(port), true, 'the lab was listening');
    lab.kill('SIGINT');
    const exit = await exitOf(lab, 15_000);
    assert.notEqual(exit, 'timeout', `cloudbench lab still running 15 s after SIGINT; stderr: ${labErr}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${labErr}`);
    assert.equal(await isListening(port), false, `port ${port} still open after the lab exited`);
  });
});
