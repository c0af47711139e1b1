/**
 * The PDF on a machine with no system browser: the Chromium inside the optional npm package
 * @sparticuz/chromium is found, unpacked once per version (also when two unpack at once), and
 * prints the report with embedded fonts. The CLI runs with an empty PATH and no
 * PUPPETEER_EXECUTABLE_PATH, so no system Chrome/Chromium can be found even where one is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundledChromiumHome, bundledChromiumPackage, ensureBundledChromium } from '../src/report/bundled-chromium';
import { findBrowser } from '../src/report/browser';
import { writeSyntheticRun } from './fixtures/synthetic-run';
import { runCli } from './helpers/cli';

const pkg = bundledChromiumPackage();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-pdf-bundled-'));
const fixture = path.join(tmp, 'fixture');
const emptyPath = path.join(tmp, 'empty-path');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => {
  fs.mkdirSync(emptyPath);
  writeSyntheticRun(fixture, { batches: 6, batchSize: 4 });
});

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** The environment of a machine with Node and nothing else: no browser on PATH, none named. */
function bareEnv(cacheDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: emptyPath, PUPPETEER_EXECUTABLE_PATH: '', CLOUDBENCH_BROWSER: '', CLOUDBENCH_CACHE_DIR: cacheDir, ...extra };
}

describe('PDF with the npm Chromium', { skip: pkg ? false : '@sparticuz/chromium is not installed (it is an optional dependency for Linux x64)', timeout: 180_000 }, () => {
  test('is found after the system browsers, and CLOUDBENCH_BROWSER picks one kind', () => {
    const none = { PATH: emptyPath };
    assert.equal(findBrowser(none)?.source, 'bundled');
    assert.equal(findBrowser({ ...none, CLOUDBENCH_BROWSER: 'system' }), null);
    // A system browser on PATH comes first, unless the npm one is asked for.
    const fakeDir = path.join(tmp, 'fake-bin');
    fs.mkdirSync(fakeDir, { recursive: true });
    fs.writeFileSync(path.join(fakeDir, 'chromium'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(findBrowser({ PATH: fakeDir })?.source, 'PATH');
    assert.equal(findBrowser({ PATH: fakeDir, CLOUDBENCH_BROWSER: 'bundled' })?.source, 'bundled');
    assert.throws(() => findBrowser({ CLOUDBENCH_BROWSER: 'firefox' }), /CLOUDBENCH_BROWSER=firefox is not one of auto, system, bundled/);
  });

  test('the CLI writes report.pdf with no system browser, unpacking the npm Chromium once', () => {
    const cache = path.join(tmp, 'cache-cli');
    const out = path.join(tmp, 'report-cli');
    const first = runCli(['report', fixture, '--format', 'html,pdf', '--out', out], bareEnv(cache));
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Unpacking the Chromium from npm \(@sparticuz\/chromium [\d.]+, \d+ MiB compressed\)/);
    const pdf = path.join(out, 'report.pdf');
    assert.equal(fs.readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
    if (hasCommand('pdffonts') && hasCommand('pdftotext')) {
      // Every font embedded, and DejaVu used (the package's own fontconfig has no fonts a report needs).
      const fonts = spawnSync('pdffonts', [pdf], { encoding: 'utf8' }).stdout.split('\n').slice(2).filter(Boolean);
      assert.ok(fonts.length > 0 && fonts.every((l) => / yes yes yes /.test(l)), fonts.join('\n'));
      assert.ok(fonts.some((l) => /DejaVuSans/.test(l)), fonts.join('\n'));
      const text = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout;
      assert.match(text, /Table 1\./);
      assert.match(text, /Page 1 of \d+/);
    }
    // The second report reuses the unpacked browser.
    const second = runCli(['report', fixture, '--format', 'pdf', '--out', path.join(tmp, 'report-cli-2')], bareEnv(cache));
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /Unpacking/);
    assert.ok(fs.existsSync(path.join(tmp, 'report-cli-2', 'report.pdf')));
  });

  test('two unpacks at once leave one complete copy and no staging folders, not even one an interrupted unpack left', async () => {
    const cache = path.join(tmp, 'cache-race');
    const saved = process.env.CLOUDBENCH_CACHE_DIR;
    process.env.CLOUDBENCH_CACHE_DIR = cache;
    // What a Ctrl-C during an unpack leaves: a staging folder named after a process that is gone.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const abandoned = `${bundledChromiumHome(pkg!.version)}.staging-${gone}-x1y2z3`;
    fs.mkdirSync(abandoned, { recursive: true });
    fs.writeFileSync(path.join(abandoned, 'chromium'), 'half');
    try {
      const [a, b] = await Promise.all([ensureBundledChromium(pkg!), ensureBundledChromium(pkg!)]);
      assert.equal(a, b);
      assert.equal(a, bundledChromiumHome(pkg!.version));
      assert.deepEqual(fs.readdirSync(path.dirname(a)), [pkg!.version], 'staging folders were left behind');
      const version = spawnSync(path.join(a, 'chromium'), ['--version'], { encoding: 'utf8', env: { LD_LIBRARY_PATH: path.join(a, 'al2023', 'lib') } });
      assert.match(version.stdout, /Chrom(e|ium) \d+/, version.stderr);
    } finally {
      if (saved === undefined) delete process.env.CLOUDBENCH_CACHE_DIR;
      else process.env.CLOUDBENCH_CACHE_DIR = saved;
    }
  });

  test('CLOUDBENCH_BROWSER: a bad value is one line; "system" with no system browser says where it looked', () => {
    const bad = runCli(['report', fixture, '--format', 'pdf', '--out', path.join(tmp, 'bad')], bareEnv(path.join(tmp, 'cache-bad'), { CLOUDBENCH_BROWSER: 'firefox' }));
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /CLOUDBENCH_BROWSER=firefox is not one of auto, system, bundled/);
    // Without --format the PDF is optional: the HTML stands and the problem is a warning (as in `npm start`).
    const optional = runCli(['report', fixture, '--out', path.join(tmp, 'bad-optional')], bareEnv(path.join(tmp, 'cache-bad'), { CLOUDBENCH_BROWSER: 'firefox' }));
    assert.equal(optional.status, 0, optional.stderr);
    assert.match(optional.stderr, /^cloudbench: warning: PDF not written: CLOUDBENCH_BROWSER=firefox is not one of/m);
    assert.ok(fs.existsSync(path.join(tmp, 'bad-optional', 'report.html')));
    const system = runCli(['report', fixture, '--format', 'pdf', '--out', path.join(tmp, 'system')], bareEnv(path.join(tmp, 'cache-system'), { CLOUDBENCH_BROWSER: 'system' }));
    assert.equal(system.status, 1);
    assert.match(system.stderr, /no Chrome\/Chromium found for the PDF; .* not for the optional npm package @sparticuz\/chromium/);
    assert.equal(system.stderr.trim().split('\n').length, 1, system.stderr);
  });
});
