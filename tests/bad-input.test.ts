/**
 * A catalogue of bad inputs and what the user sees: for the CLI, exactly one line on stderr saying
 * what is wrong and naming it (option, field path, file), exit status 1, no stack trace, no secret
 * echoed, and fast (before any measuring); for the local endpoints, the service's own error shape.
 *
 * Accepted stderr shapes of a failing command:
 * - `cloudbench: <what is wrong>`, one line (the product's own errors);
 * - commander's usage errors (unknown command or option, missing argument or option value) in the
 *   same one-line form, ending with the help hint: `cloudbench: unknown option '--x' (add --help
 *   for usage)` (`kind: 'usage'` marks these cases);
 * - progress lines (`Hashing 1/2`) may precede the error line: a command reports progress on stderr.
 * A comment `found:` marks a case that failed when this catalogue was written, and what was wrong.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalStackConfig } from '../src/local/stack-types';
import { writeSyntheticRun } from './fixtures/synthetic-run';
import { CLI, ROOT } from './helpers/cli';
import { useLocalStack } from './helpers/local-stack';

// --- Where everything lives: one private temp folder --------------------------------------------

const T = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-bad-input-'));
const p = (...parts: string[]) => path.join(T, ...parts);
const FILE = p('f', 'file.txt'); // a regular file where a folder is needed
const GOOD = p('d', 'good'); // a valid two-image folder dataset
const RUNS = p('runs');
const BASE_RUN = p('runs', 'base');
const NB = p('f', 'empty.ipynb');
const PROC = `/proc/cloudbench-bad-input-${process.pid}`; // mkdir fails (not writable, any user)
const SYS = `/sys/cloudbench-bad-input-${process.pid}`; // a read-only place, even for root
const ENV: NodeJS.ProcessEnv = { CLOUDBENCH_CACHE_DIR: p('cache'), CLOUDBENCH_STATE_DIR: p('state'), HOME: p('home'), AWS_EC2_METADATA_DISABLED: 'true' };
const PHOTO = (name: string) => path.join(ROOT, 'src', 'datasets', 'photos', name);

before(() => {
  for (const d of ['f', 'home', 'work', 'c', 'd/good', 'f/empty', 'f/nomanifest']) fs.mkdirSync(p(d), { recursive: true });
  fs.writeFileSync(FILE, 'a regular file\n');
  fs.writeFileSync(NB, JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
  fs.writeFileSync(p('f', 'not-a-notebook.json'), '{"name": "config", "cells": "none"}\n');
  fs.writeFileSync(p('f', 'broken.ipynb'), '{"cells": [');
  fs.copyFileSync(PHOTO('dog.jpg'), path.join(GOOD, 'a.jpg'));
  fs.copyFileSync(PHOTO('person.jpg'), path.join(GOOD, 'b.jpg'));
  writeSyntheticRun(BASE_RUN, { batches: 3, batchSize: 2 });
});
after(() => fs.rmSync(T, { recursive: true, force: true }));

// --- The CLI runner and the assertions every case shares ----------------------------------------

interface Expect {
  status: number;
  /** Must match the error line (or, for status 0, some stderr line when given). */
  line?: RegExp;
  kind?: 'usage';
  /** For status 0: what stdout says. */
  stdout?: RegExp;
  /** The command must end within this (default 15 s; `--local` cases: before the stack starts). */
  maxMs?: number;
  /** Values that must not appear in the output (besides anything containing SECRET). */
  secrets?: string[];
}
interface Case {
  name: string;
  args: string[];
  /** Writes what the case needs; runs in its group's before(). */
  setup?: () => void;
  /** Afterwards, e.g. nothing was created. */
  check?: () => void;
  env?: NodeJS.ProcessEnv;
  /** Killed after this (a hang); default 20 s. */
  killMs?: number;
  expect: Expect;
}
interface Outcome { status: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

function runCase(c: Case): Promise<Outcome> {
  const env = { ...process.env, ...ENV, ...c.env };
  delete env.CLOUDBENCH_DEBUG;
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...c.args], { cwd: p('work'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), c.killMs ?? 20_000);
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const PROGRESS = /^(Hashing|Generating) \d+\/\d+$/;
const FORBIDDEN: Array<[RegExp, string]> = [
  [/^ {4}at /m, 'a stack frame'],
  [/please report/i, 'an "unexpected error" notice'],
  [/CLOUDBENCH_DEBUG/, 'the debug hint of an unexpected error'],
  [/\b[A-Z][A-Za-z]*Error: /, 'a raw JavaScript error name'],
  [/\bE[A-Z]{2,}: [a-z][^,]*, (open|mkdir|stat|lstat|scandir|opendir|read|rename|unlink|access) /, 'a raw Node.js errno message'],
];

function assertOutcome(c: Case, o: Outcome): void {
  const e = c.expect;
  const shown = `\n--- stderr ---\n${o.stderr}--- stdout (tail) ---\n${o.stdout.slice(-600)}`;
  assert.equal(o.signal, null, `killed after ${o.ms} ms: the command hung${shown}`);
  assert.equal(o.status, e.status, `exit status${shown}`);
  for (const [re, what] of FORBIDDEN) assert.doesNotMatch(o.stderr, re, `stderr shows ${what}${shown}`);
  // Every secret in this catalogue's configs contains SECRET.
  for (const s of [/SECRET/, ...(e.secrets ?? [])]) assert.doesNotMatch(o.stderr + o.stdout, new RegExp(s), `a secret is echoed${shown}`);
  if (e.status !== 0) assert.ok(o.ms < (e.maxMs ?? 15_000), `took ${o.ms} ms, not a fast failure${shown}`);
  const lines = o.stderr.trim().split('\n').filter((l) => l !== '' && !PROGRESS.test(l));
  if (e.status === 0) {
    if (e.stdout) assert.match(o.stdout, e.stdout, `stdout${shown}`);
    for (const l of lines) assert.match(l, /^cloudbench: (note|warning): /, `an error on stderr of a success${shown}`);
    if (e.line) assert.ok(lines.some((l) => e.line!.test(l)), `no stderr line matches ${e.line}${shown}`);
  } else if (e.kind === 'usage') {
    assert.equal(lines.length, 1, `not exactly one line on stderr${shown}`);
    assert.match(lines[0], /^cloudbench: .* \(add --help for usage\)$/, shown);
    assert.match(lines[0], e.line!, `the line does not name what is wrong${shown}`);
  } else {
    assert.equal(lines.length, 1, `not exactly one line on stderr${shown}`);
    assert.match(lines[0], /^cloudbench: \S/, shown);
    assert.match(lines[0], e.line!, `the line does not name what is wrong${shown}`);
  }
  c.check?.();
}

/** At most `n` of the functions given at once, the others queued in call order. */
function limiter(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return async (f) => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await f();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/**
 * One describe per category, one test per case. The commands of every category run in one pool,
 * four at a time, in table order, started by the first test: a test waits for its own command.
 */
const ALL: Case[] = [];
let outcomes: Map<Case, Promise<Outcome>> | undefined;
function outcomeOf(c: Case): Promise<Outcome> {
  if (!outcomes) {
    ALL.forEach((x) => x.setup?.());
    const pool = limiter(4);
    outcomes = new Map(ALL.map((x) => [x, pool(() => runCase(x))]));
  }
  return outcomes.get(c)!;
}
function catalogue(title: string, cases: Case[]): void {
  ALL.push(...cases);
  describe(title, () => {
    for (const c of cases) test(c.name, { timeout: 120_000 }, async () => assertOutcome(c, await outcomeOf(c)));
  });
}

const fail = (line: RegExp, more: Partial<Expect> = {}): Expect => ({ status: 1, line, ...more });
const usage = (line: RegExp): Expect => ({ status: 1, line, kind: 'usage' });
const cli = (name: string, args: string[], expect: Expect, more: Partial<Case> = {}): Case => ({ name, args, expect, ...more });
const absent = (file: string) => () => assert.ok(!fs.existsSync(file), `${file} was created`);
const unchanged = (file: string) => () => assert.equal(fs.readFileSync(file, 'utf8'), 'a regular file\n', `${file} was changed`);
const noRunFolder = (out: string) => () => assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], [], `a run folder was created in ${out}`);

// --- 1. Commands and options ---------------------------------------------------------------------

const notFolder = p('f', 'nomanifest');
catalogue('1. commands and options', [
  cli('unknown command', ['frobnicate'], usage(/unknown command 'frobnicate'/)),
  cli('unknown option', ['run', '--frobnicate'], usage(/unknown option '--frobnicate'/)),
  cli('missing argument of analyze', ['analyze'], usage(/missing required argument 'run-dir'/)),
  cli('dataset synth without --count', ['dataset', 'synth', '--out', p('syn')], usage(/--count <n>' not specified/)),
  cli('--batches without its value', ['run', '--batches'], usage(/option '--batches <n>' argument missing/)),
  cli('--batches 0', ['run', '--batches', '0'], fail(/--batches takes a whole number ≥ 1, got 0/)),
  cli('--batches abc', ['run', '--batches', 'abc'], fail(/--batches takes a whole number ≥ 1, got abc/)),
  cli('--batch-size 1.5', ['run', '--batch-size', '1.5'], fail(/--batch-size takes a whole number ≥ 1, got 1\.5/)),
  cli('--instances 0', ['run', '--local', '--instances', '0'], fail(/--instances takes a whole number from 1 to 64, got 0/)),
  cli('stack up --instances 65', ['stack', 'up', '--instances', '65'], fail(/--instances .* got 65/)),
  cli('--alpha 1', ['analyze', BASE_RUN, '--alpha', '1'], fail(/--alpha takes a number between 0 and 1 \(exclusive\), got 1/)),
  cli('--alpha abc', ['report', BASE_RUN, '--alpha', 'abc'], fail(/--alpha .* got abc/)),
  cli('notebook run --timeout 0', ['notebook', 'run', NB, '--timeout', '0'], fail(/--timeout takes a whole number ≥ 1, got 0/)),
  cli('dataset synth --count 0', ['dataset', 'synth', '--count', '0', '--out', p('syn')], fail(/--count takes a whole number from 1 to 1000000, got 0/)),
  // found: the generator's own message names no option, after --out was created.
  cli('dataset synth --count over the maximum', ['dataset', 'synth', '--count', '20000000', '--out', p('syn-max')], fail(/--count .*1000000.*20000000/)),
  cli('dataset synth --seed -1', ['dataset', 'synth', '--count', '1', '--seed', '-1', '--out', p('syn')], fail(/--seed takes a whole number from 0 to 4294967295, got -1/)),
  // found: Number('') is 0, so an empty value (`--seed "$SEED"`, SEED unset) silently means seed 0.
  cli('dataset synth --seed "" (an unset variable)', ['dataset', 'synth', '--count', '1', '--seed', '', '--out', p('syn-empty')], fail(/--seed takes a whole number from 0 to 4294967295, got ""/)),
  // found: as --count over the maximum.
  cli('dataset synth --seed over 2^32', ['dataset', 'synth', '--count', '1', '--seed', '5000000000', '--out', p('syn')], fail(/--seed .*4294967295/)),
  cli('stack up --s3-port 70000', ['stack', 'up', '--s3-port', '70000'], fail(/--s3-port takes a whole number from 0 to 65535, got 70000/)),
  cli('stack up --inference-port http', ['stack', 'up', '--inference-port', 'http'], fail(/--inference-port .* got http/)),
  cli('report --format xml', ['report', BASE_RUN, '--format', 'xml'], fail(/--format takes html, pdf or html,pdf; got "xml"/)),
  cli('report --format html,svg', ['report', BASE_RUN, '--format', 'html,svg'], fail(/--format .*"html,svg"/)),
  cli('report --template folder missing', ['report', BASE_RUN, '--template', p('nope')], fail(/--template: folder .*nope does not exist/)),
  cli('analyze --templates folder missing', ['analyze', BASE_RUN, '--templates', p('nope')], fail(/--templates: folder .*nope does not exist/)),
  cli('run with neither --config nor --local', ['run'], fail(/say what to run: --config FILE, or --local/)),
  cli('run --resume of an unknown run id', ['run', '--resume', '20990101-000000-dead'], fail(/no run "20990101-000000-dead" found/)),
  cli('analyze a folder that does not exist', ['analyze', p('nope')], fail(/run folder .*nope does not exist/)),
  // found (and report): says the file "does not exist".
  cli('analyze a file', ['analyze', FILE], fail(/file\.txt is a file, not a (run )?folder/)),
  cli('analyze a folder without manifest.json', ['analyze', notFolder], fail(/nomanifest is not a cloudbench run folder \(no manifest\.json\)/)),
  cli('report a folder that does not exist', ['report', p('nope'), '--format', 'html'], fail(/run folder .*nope does not exist/)),
  cli('report a file', ['report', FILE, '--format', 'html'], fail(/file\.txt is a file, not a (run )?folder/)),
  cli('report a folder without manifest.json', ['report', notFolder, '--format', 'html'], fail(/nomanifest is not a cloudbench run folder/)),
  // found: says "cannot read notebook …: ENOENT", an errno code instead of words.
  cli('notebook run of a missing file', ['notebook', 'run', p('nope.ipynb')], fail(/notebook .*nope\.ipynb.*(does not exist|no such file)/)),
  cli('notebook run of a JSON file that is no notebook', ['notebook', 'run', p('f', 'not-a-notebook.json')], fail(/not-a-notebook\.json is not a Jupyter notebook/)),
  cli('notebook run of a broken .ipynb', ['notebook', 'run', p('f', 'broken.ipynb')], fail(/broken\.ipynb is not a notebook \(invalid JSON\)/)),
  cli('notebook run -p without =', ['notebook', 'run', NB, '-p', 'batches'], fail(/-p takes key=value, got "batches"/)),
  cli('notebook run -p of a notebook without parameters', ['notebook', 'run', NB, '-p', 'batches=2'], fail(/no cell tagged "parameters"/)),
  cli('dataset manifest of a missing folder', ['dataset', 'manifest', p('nope')], fail(/Dataset folder .*nope does not exist/)),
  cli('dataset manifest of an empty folder', ['dataset', 'manifest', p('f', 'empty')], fail(/empty contains no \.jpg, \.jpeg or \.png files \(it is empty\)/)),
  cli('dataset manifest of a file', ['dataset', 'manifest', FILE], fail(/file\.txt is a file, not a folder/)),
  // Not errors: the catalogue tells them apart.
  cli('not an error: stack down with none running', ['stack', 'down'], { status: 0, stdout: /^No detached local stack was running\.\n$/ }),
  cli('not an error: stack status --json', ['stack', 'status', '--json'], { status: 0, stdout: /^\{"running":false\}\n$/ }),
  cli('not an error: --version', ['--version'], { status: 0, stdout: /^\d+\.\d+\.\d+\n$/ }),
  cli('not an error: analyze a valid run', ['analyze', BASE_RUN], { status: 0, stdout: /Analysis of run 20250101-120000-f1x7/ }),
]);

// --- 2. Output paths -----------------------------------------------------------------------------

catalogue('2. output paths', [
  cli('run --out under a regular file', ['run', '--local', '--out', `${FILE}/runs`], fail(/--out: cannot write to .*file\.txt\/runs: .*file\.txt is a file, not a folder/, { maxMs: 5000 })),
  cli('run --out an existing file', ['run', '--local', '--out', FILE], fail(/--out: .*file\.txt is a file, not a folder/, { maxMs: 5000 }), { check: unchanged(FILE) }),
  // found (and the other /proc cases but notebook run): Node 20's recursive mkdir loops forever there.
  cli('run --out under /proc', ['run', '--local', '--out', `${PROC}/runs`], fail(/--out: cannot write to \/proc\/cloudbench-bad-input-\d+\/runs/, { maxMs: 5000 }), { killMs: 5000, check: absent(PROC) }),
  cli('run --out on a read-only place', ['run', '--local', '--out', SYS], fail(/--out: cannot write to \/sys\/cloudbench-bad-input-\d+: (operation not permitted|permission denied|the file system is read-only)/, { maxMs: 5000 }), { check: absent(SYS) }),
  cli('config outDir an existing file', ['run', '--config', p('c', 'outdir-file.json')], fail(/outDir: .*file\.txt is a file, not a folder/), {
    setup: () => writeConfig('outdir-file.json', { ...BASE, outDir: FILE }), check: unchanged(FILE),
  }),
  cli('report --out under a regular file', ['report', BASE_RUN, '--out', `${FILE}/report`], fail(/--out: cannot write to .*file\.txt\/report: .*file\.txt is a file, not a folder/)),
  cli('report --out an existing file', ['report', BASE_RUN, '--out', FILE], fail(/--out: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('report --out on a read-only place', ['report', BASE_RUN, '--out', SYS], fail(/--out: cannot write to \/sys\/cloudbench-bad-input-\d+: /), { check: absent(SYS) }),
  cli('dataset synth --out under a regular file', ['dataset', 'synth', '--count', '1', '--out', `${FILE}/imgs`], fail(/--out: cannot write to .*file\.txt\/imgs: .*file\.txt is a file, not a folder/)),
  cli('dataset synth --out an existing file', ['dataset', 'synth', '--count', '1', '--out', FILE], fail(/--out: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('dataset synth --out under /proc', ['dataset', 'synth', '--count', '1', '--out', `${PROC}/imgs`], fail(/--out: cannot write to \/proc\/cloudbench-bad-input-\d+\/imgs/), { killMs: 5000, check: absent(PROC) }),
  cli('dataset synth --out on a read-only place', ['dataset', 'synth', '--count', '1', '--out', SYS], fail(/--out: cannot write to \/sys\/cloudbench-bad-input-\d+: /), { check: absent(SYS) }),
  cli('notebook run --out under a regular file', ['notebook', 'run', NB, '--out', `${FILE}/out.ipynb`], fail(/--out: .*file\.txt is a file, not a folder/)),
  cli('notebook run --out an existing folder', ['notebook', 'run', NB, '--out', p('f', 'empty')], fail(/--out: .*empty is a folder, not a file/)),
  cli('notebook run --out on a read-only place', ['notebook', 'run', NB, '--out', `${SYS}.ipynb`], fail(/--out: cannot write to \/sys: /), { check: absent(`${SYS}.ipynb`) }),
  // found: shows Node's raw message with the internal probe file's name.
  cli('notebook run --out under /proc', ['notebook', 'run', NB, '--out', `${PROC}.ipynb`], fail(/--out: cannot write to \/proc: /), { check: absent(`${PROC}.ipynb`) }),
  cli('kernel-install --dir under a regular file', ['notebook', 'kernel-install', '--dir', `${FILE}/jupyter`], fail(/--dir: cannot write to .*file\.txt\/jupyter: .*file\.txt is a file, not a folder/)),
  cli('kernel-install --dir an existing file', ['notebook', 'kernel-install', '--dir', FILE], fail(/--dir: .*file\.txt is a file, not a folder/), { check: unchanged(FILE) }),
  cli('kernel-install --dir on a read-only place', ['notebook', 'kernel-install', '--dir', SYS], fail(/--dir: cannot write to \/sys\/cloudbench-bad-input-\d+: /), { check: absent(SYS) }),
  cli('kernel-install --dir under /proc', ['notebook', 'kernel-install', '--dir', `${PROC}/jupyter`], fail(/--dir: cannot write to \/proc\/cloudbench-bad-input-\d+\/jupyter/), { killMs: 5000, check: absent(PROC) }),
]);

// --- 3. Config file fields -----------------------------------------------------------------------

const S3 = { type: 's3', bucket: 'bench-bucket', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'SECRET-S3-KEY' } };
const HTTP = { type: 'http', url: 'http://127.0.0.1:9/score', headers: { 'x-api-key': 'SECRET-HEADER' } };
const BASE = { platforms: { aws: { storage: S3, inference: HTTP } }, dataset: { type: 'folder', path: GOOD } };
const LOCAL = { platforms: { aws: 'local:aws', azure: 'local:azure' }, dataset: { type: 'folder', path: GOOD } };
const storage = (s: object) => ({ platforms: { aws: { storage: s, inference: HTTP } } });
const inference = (i: object) => ({ platforms: { aws: { storage: S3, inference: i } } });

function writeConfig(file: string, body: object | string): void {
  fs.writeFileSync(p('c', file), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
}
let configs = 0;
/** `run --config F` of BASE (own outDir) with `patch` over its top level (undefined deletes), or of raw text. */
function config(name: string, patch: object | { file: string; text: string }, line: RegExp, more: { args?: string[]; base?: object } & Partial<Expect> = {}): Case {
  const { args = [], base = BASE, ...expect } = more;
  const n = ++configs;
  const out = p('out', String(n));
  const raw = 'text' in patch ? (patch as { file: string; text: string }) : undefined;
  const file = raw?.file ?? `config-${n}.json`;
  const body = raw ? raw.text : JSON.parse(JSON.stringify({ ...base, outDir: out, ...patch }));
  return cli(name, ['run', '--config', p('c', file), ...args], fail(line, expect), { setup: () => writeConfig(file, body), check: noRunFolder(out) });
}
const YAML_PLATFORMS = 'platforms:\n  aws: {storage: {type: s3, bucket: b-1, region: eu-west-1}, inference: {type: http, url: "http://127.0.0.1:9/s"}}\n';

catalogue('3. config file fields', [
  // found (both YAML cases): the parser's multi-line excerpt, with the secret on it, is printed.
  config('YAML that does not parse (a secret on the line)', { file: 'syntax.yaml', text: `${YAML_PLATFORMS}  azure: {storage: {type: s3, bucket: b-2\n  key: "SECRET-YAML-KEY\n` }, /syntax\.yaml is not valid YAML: .*line \d+/),
  config('YAML with a duplicated key', { file: 'dup.yaml', text: `${YAML_PLATFORMS}batchSize: 4\nbatchSize: 8\n` }, /dup\.yaml is not valid YAML: .*(unique|duplicate).*line 4/i),
  config('JSON with a trailing comma', { file: 'comma.json', text: '{"batchSize": 4,}' }, /comma\.json is not valid JSON/),
  // found: V8's message quotes the text around the error, the secret with it.
  config('JSON with an unquoted secret', { file: 'unquoted.json', text: '{"platforms": {"aws": {"inference": {"type": "azureml", "key": SECRET-JSON-KEY}}}}' }, /unquoted\.json is not valid JSON/),
  // found: says "cannot read config file …: ENOENT", an errno code instead of words.
  cli('config file that does not exist', ['run', '--config', p('c', 'nope.yaml')], fail(/config file .*nope\.yaml.*(does not exist|no such file)/)),
  config('a YAML scalar, not a mapping', { file: 'scalar.yaml', text: 'just some words\n' }, /config: expected an object, got "just some words"/),
  config('unknown top-level field', { batchsize: 4 }, /config\.batchsize: unknown field \(accepted: .*batchSize/),
  config('batchSize 0', { batchSize: 0 }, /config\.batchSize: expected a whole number from 1 to 1000000, got 0/),
  config('batches -1', { batches: -1 }, /config\.batches: expected a whole number ≥ 1, got -1/),
  config('warmupBatches ≥ batches', { batches: 1, warmupBatches: 1 }, /config\.warmupBatches is 1, which leaves none of the 1 batch to measure/),
  config('concurrency 0', { concurrency: 0 }, /config\.concurrency: expected a whole number from 1 to 256, got 0/),
  config('concurrency 1000', { concurrency: 1000 }, /config\.concurrency: expected a whole number from 1 to 256, got 1000/),
  config('concurrency with an unknown phase', { concurrency: { upload: 2, uplaod: 2 } }, /config\.concurrency\.uplaod: unknown field \(accepted: upload, download, inference\)/),
  config('order random', { order: 'random' }, /config\.order: expected one of interleaved, sequential, got "random"/),
  config('seed -1', { seed: -1 }, /config\.seed: expected a whole number ≥ 0, got -1/),
  config('phases []', { phases: [] }, /config\.phases: expected at least one of upload, download, inference/),
  config('phases [download] only', { phases: ['download'] }, /config\.phases: "download" needs "upload"/),
  config('phases [fly]', { phases: ['fly'] }, /config\.phases\[0\]: expected one of upload, download, inference, got "fly"/),
  config('failureTolerance 2', { failureTolerance: 2 }, /config\.failureTolerance: expected a number from 0 to 1, got 2/),
  config('keyPrefix without the slash', { keyPrefix: 'no-slash' }, /config\.keyPrefix: expected a key prefix .*ending in "\/"/),
  config('cleanup "yes"', { cleanup: 'yes' }, /config\.cleanup: expected true or false, got "yes"/),
  config('outDir 5', { outDir: 5 }, /config\.outDir: expected a non-empty string, got 5/),
  config('timeouts with an unknown key', { timeouts: { connectMS: 1000 } }, /config\.timeouts\.connectMS: unknown field \(accepted: connectMs, firstByteMs, totalMs/),
  config('timeouts.connectMs 0', { timeouts: { connectMs: 0 } }, /config\.timeouts\.connectMs: expected a whole number from 1 to 3600000, got 0/),
  config('timeouts.totalMs over an hour', { timeouts: { totalMs: 7_200_000 } }, /config\.timeouts\.totalMs: .*3600000, got 7200000/),
  config('timeouts firstByteMs > totalMs', { timeouts: { firstByteMs: 5000, totalMs: 1000 } }, /config\.timeouts: firstByteMs \(5000\) is longer than totalMs \(1000\)/),
  config('timeouts phase block with an unknown key', { timeouts: { inference: { firstbyteMs: 1 } } }, /config\.timeouts\.inference\.firstbyteMs: unknown field/),
  config('timeouts phase block firstByteMs > totalMs', { timeouts: { inference: { totalMs: 10 } } }, /config\.timeouts\.inference: firstByteMs \(60000\) is longer than totalMs \(10\)/),
  config('retry.maxAttempts 0', { retry: { maxAttempts: 0 } }, /config\.retry\.maxAttempts: expected a whole number from 1 to 10, got 0/),
  config('retry.maxAttempts 11', { retry: { maxAttempts: 11 } }, /config\.retry\.maxAttempts: expected a whole number from 1 to 10, got 11/),
  config('retry.baseDelayMs -1', { retry: { baseDelayMs: -1 } }, /config\.retry\.baseDelayMs: expected a whole number from 0 to 60000, got -1/),
  config('platforms missing', { platforms: undefined }, /config\.platforms: expected an object, got nothing/),
  config('platforms empty', { platforms: {} }, /config\.platforms: expected at least one platform/),
  config('platform name "AWS"', { platforms: { AWS: { storage: S3, inference: HTTP } } }, /config\.platforms\.AWS: platform names are 1-32 lowercase letters/),
  config('platform "local:gcp"', { platforms: { gcp: 'local:gcp' } }, /config\.platforms\.gcp: expected "local:aws", "local:azure" or an object .*got "local:gcp"/),
  config('storage type unknown', storage({ type: 'gcs', bucket: 'b-1' }), /config\.platforms\.aws\.storage\.type: expected one of s3, azure-blob, got "gcs"/),
  config('s3 bucket name invalid', storage({ ...S3, bucket: 'My_Bucket' }), /config\.platforms\.aws\.storage\.bucket: expected an S3 bucket name .*got "My_Bucket"/),
  config('s3 without region', storage({ ...S3, region: undefined }), /config\.platforms\.aws\.storage\.region: expected a non-empty string, got nothing/),
  config('s3 endpoint not a URL', storage({ ...S3, endpoint: 'localhost:9000' }), /config\.platforms\.aws\.storage\.endpoint: expected an http\(s\) URL/),
  config('s3 unknown field', storage({ ...S3, secretKey: 'SECRET-TYPO' }), /config\.platforms\.aws\.storage\.secretKey: unknown field/),
  config('azure-blob container invalid', storage({ type: 'azure-blob', container: 'Bad--Name', connectionString: 'AccountName=a;AccountKey=SECRET-AZ' }), /config\.platforms\.aws\.storage\.container: expected an Azure container name .*got "Bad--Name"/),
  config('azure-blob without credentials', storage({ type: 'azure-blob', container: 'bench' }), /config\.platforms\.aws\.storage: needs "connectionString", or "accountUrl" with "accountKey" or "sasToken"/),
  // found (and both header cases): a secret field of the wrong type is echoed as "got <value>".
  config('azure-blob accountKey a number (a secret)', storage({ type: 'azure-blob', container: 'bench', accountUrl: 'https://acc.blob.core.windows.net', accountKey: 775533119 }), /config\.platforms\.aws\.storage\.accountKey: expected a non-empty string/, { secrets: ['775533119'] }),
  config('azure-blob connection string malformed', storage({ type: 'azure-blob', container: 'bench', connectionString: 'AccountName=acc;AccountKey=SECRET-AZ' }), /config\.platforms\.aws\.storage: .*(BlobEndpoint|connection string)/i),
  config('inference type unknown', inference({ type: 'vertex', url: 'https://x' }), /config\.platforms\.aws\.inference\.type: expected one of sagemaker, azureml, http, got "vertex"/),
  config('sagemaker without endpointName', inference({ type: 'sagemaker', region: 'eu-west-1' }), /config\.platforms\.aws\.inference\.endpointName: expected a non-empty string, got nothing/),
  config('azureml scoringUri not a URL (secret in the query)', inference({ type: 'azureml', scoringUri: 'my-endpoint/score?code=SECRET123', key: 'SECRET-KEY' }), /config\.platforms\.aws\.inference\.scoringUri: expected an http\(s\) URL/),
  config('http url with user:password@ malformed', inference({ type: 'http', url: 'http://user:SECRET-PW@bad host/score' }), /config\.platforms\.aws\.inference\.url: expected an http\(s\) URL/),
  config('http headers a list', inference({ type: 'http', url: 'https://x.example/score', headers: ['x-api-key: SECRET-H'] }), /config\.platforms\.aws\.inference\.headers: expected an object/),
  config('http header value a number (a secret)', inference({ type: 'http', url: 'https://x.example/score', headers: { 'x-api-key': 998877665 } }), /config\.platforms\.aws\.inference\.headers\.x-api-key: expected a non-empty string/, { secrets: ['998877665'] }),
  config('dataset missing', { dataset: undefined }, /config\.dataset\.type: expected one of folder, synthetic, got nothing/),
  config('dataset type unknown', { dataset: { type: 's3', bucket: 'b-1' } }, /config\.dataset\.type: expected one of folder, synthetic, got "s3"/),
  config('folder dataset without path', { dataset: { type: 'folder' } }, /config\.dataset\.path: expected a non-empty string, got nothing/),
  config('synthetic count 0', { dataset: { type: 'synthetic', count: 0 } }, /config\.dataset\.count: expected a whole number from 1 to 1000000, got 0/),
  // found: the config allows 10,000,000, the generator 1,000,000 and its message names no field.
  config('synthetic count over the generator limit', { dataset: { type: 'synthetic', count: 5_000_000 } }, /config\.dataset\.count: .*1000000/),
  config('${ENV} of an unset variable', inference({ type: 'azureml', scoringUri: 'https://ep.example/score', key: '${CLOUDBENCH_TEST_UNSET_KEY}' }), /config\.platforms\.aws\.inference\.key: environment variable CLOUDBENCH_TEST_UNSET_KEY is not set/),
  config('local platforms without --local', {}, /this config uses the local stack .*add --local/, { base: LOCAL }),
  config('--local: batchSize 0 fails before the stack starts', { batchSize: 0 }, /config\.batchSize: expected a whole number/, { base: LOCAL, args: ['--local'], maxMs: 5000 }),
  config('--local: unknown field fails before the stack starts', { platform: {} }, /config\.platform: unknown field/, { base: LOCAL, args: ['--local'], maxMs: 5000 }),
]);

// --- 4. Dataset files ----------------------------------------------------------------------------

const DATASETS: Array<[string, string, (dir: string) => void, RegExp]> = [
  ['a folder that does not exist', 'missing', () => {}, /Dataset folder .*missing does not exist/],
  ['a path that is a file', 'a-file.jpg', (f) => fs.writeFileSync(f, 'x'), /Dataset path .*a-file\.jpg is a file, not a folder/],
  ['an empty folder', 'empty', (d) => fs.mkdirSync(d), /Dataset folder .*empty contains no \.jpg, \.jpeg or \.png files \(it is empty\)/],
  ['only non-image files', 'docs', (d) => (fs.mkdirSync(d), fs.writeFileSync(`${d}/readme.txt`, 'x'), fs.writeFileSync(`${d}/labels.csv`, 'x')), /docs contains no \.jpg.*\(it has 2 other entries\)/],
  ['a .jpg whose bytes are text', 'text-jpg', (d) => (fs.mkdirSync(d), fs.copyFileSync(PHOTO('dog.jpg'), `${d}/a.jpg`), fs.writeFileSync(`${d}/b.jpg`, '<html>404</html>')), /text-jpg\/b\.jpg is named like a JPEG but its bytes are not a JPEG or PNG/],
  ['a .png that is a JPEG', 'png-jpeg', (d) => (fs.mkdirSync(d), fs.copyFileSync(PHOTO('horses.jpg'), `${d}/a.png`)), /png-jpeg\/a\.png is named like a PNG but its bytes are a JPEG/],
  ['an empty .jpg', 'zero-jpg', (d) => (fs.mkdirSync(d), fs.writeFileSync(`${d}/z.jpg`, '')), /zero-jpg\/z\.jpg is named like a JPEG but its bytes are not/],
];
catalogue('4. dataset files', DATASETS.flatMap(([what, name, make, line]): Case[] => {
  const dir = p('d', name);
  const file = `dataset-${name}.json`;
  const out = p('out', `dataset-${name}`);
  return [
    cli(`dataset manifest: ${what}`, ['dataset', 'manifest', dir], fail(line), { setup: () => make(dir) }),
    cli(`run --config with a folder dataset: ${what}`, ['run', '--config', p('c', file)], fail(line), {
      setup: () => writeConfig(file, { ...BASE, outDir: out, dataset: { type: 'folder', path: dir } }), check: noRunFolder(out),
    }),
  ];
}));

// --- 5. Run folders ------------------------------------------------------------------------------

type Damage = (dir: string) => void;
const edit = (file: string, f: (text: string) => string) => fs.writeFileSync(file, f(fs.readFileSync(file, 'utf8')));
const lines = (file: string, f: (l: string[]) => string[]) => edit(file, (t) => f(t.split('\n')).join('\n'));
const manifest = (f: (m: Record<string, unknown>) => void): Damage => (d) => edit(`${d}/manifest.json`, (t) => { const m = JSON.parse(t); f(m); return JSON.stringify(m); });
let runs = 0;
function damaged(damage: Damage): { dir: string; setup: () => void } {
  const dir = path.join(RUNS, `damaged-${++runs}`);
  return { dir, setup: () => (fs.cpSync(BASE_RUN, dir, { recursive: true }), damage(dir)) };
}
const HINT = /; add --exclude-invalid to leave out the batches that do not add up/;
const also = (a: RegExp, b: RegExp) => new RegExp(`${a.source}.*${b.source}`);
/**
 * analyze and report refuse, naming the file and line (and --exclude-invalid, unless the manifest
 * is at fault: nothing can be left out then); with --exclude-invalid, damaged rows are left out.
 */
function runFolder(what: string, damage: Damage, line: RegExp, at: 'manifest' | 'header' | 'rows', report = false): Case[] {
  const one = (cmd: string[], expect: Expect) => { const d = damaged(damage); return cli(`${cmd[0]} ${what}${cmd.length > 1 ? ` (${cmd.slice(1).join(' ')})` : ''}`, [cmd[0], d.dir, ...cmd.slice(1)], expect, { setup: d.setup }); };
  const refused = fail(at === 'manifest' ? line : also(line, HINT));
  const rows = at === 'rows';
  return [
    one(['analyze'], refused),
    ...(rows ? [one(['analyze', '--exclude-invalid'], { status: 0, stdout: /Analysis of run/, line: /^cloudbench: note: left out: / })] : []),
    // report reads the run as analyze does (the same check), after loading the slow report stack: a few cases.
    ...(report ? [one(['report', '--format', 'html'], refused)] : []),
    ...(report && rows ? [one(['report', '--format', 'html', '--exclude-invalid'], { status: 0, stdout: /HTML: .*report\.html/, line: /^cloudbench: warning: left out: / })] : []),
  ];
}
const secretRun = damaged(manifest((m) => {
  m.status = 'interrupted';
  (m.config as { platforms: Record<string, unknown> }).platforms.aws = { storage: S3, inference: { type: 'azureml', scoringUri: 'https://ep.example/score', key: '***' } };
}));
const badConfigRun = damaged(manifest((m) => ((m.status = 'interrupted'), ((m.config as { batchSize: number }).batchSize = 0))));
const notJsonRun = damaged((d) => fs.writeFileSync(`${d}/manifest.json`, '{"runId": '));
const otherConfigRun = damaged(manifest((m) => (m.status = 'interrupted')));

catalogue('5. run folders', [
  ...runFolder('manifest.json not JSON', (d) => fs.writeFileSync(`${d}/manifest.json`, '{"runId": "x",'), /manifest\.json is not valid JSON/, 'manifest', true),
  ...runFolder('manifest.json without status and config', manifest((m) => (delete m.status, delete m.config)), /manifest\.json is not a cloudbench run manifest \(missing status, config\)/, 'manifest'),
  ...runFolder('batches.csv header changed', (d) => lines(`${d}/batches.csv`, (l) => ((l[0] = l[0].replace('uploadS,', 'uploadSecs,')), l)), /batches\.csv line 1: the header is not run,platform,batch/, 'header', true),
  ...runFolder('a batches.csv cell not a number', (d) => lines(`${d}/batches.csv`, (l) => ((l[2] = l[2].replace(',ok,2,', ',ok,two,')), l)), /batches\.csv line 3: images is "two", not a whole number/, 'rows', true),
  ...runFolder('a duplicated batch row', (d) => lines(`${d}/batches.csv`, (l) => [...l.slice(0, -1), l[2], '']), /batches\.csv line 8: azure batch 1 is recorded twice \(also line 3\)/, 'rows'),
  ...runFolder('a requests.jsonl line not JSON', (d) => lines(`${d}/requests.jsonl`, (l) => ((l[4] = '{"run": "20250101'), l)), /requests\.jsonl line 5: is not valid JSON/, 'rows'),
  ...runFolder('requests.jsonl truncated', (d) => edit(`${d}/requests.jsonl`, (t) => t.slice(0, -40)), /requests\.jsonl line 36: is cut off/, 'rows', true),
  ...runFolder('a request row removed', (d) => lines(`${d}/requests.jsonl`, (l) => [...l.slice(0, 7), ...l.slice(8)]), /batches\.csv line 3: azure batch 1 does not add up with requests\.jsonl: 2 upload rows expected, 1 found/, 'rows'),
  cli('run --resume of a run whose config held secrets', ['run', '--resume', secretRun.dir], fail(/run damaged-\d+ used secrets that are not stored: resume it with the same --config file/), { setup: secretRun.setup }),
  cli('run --resume of a run whose manifest is not JSON', ['run', '--resume', notJsonRun.dir], fail(/manifest\.json is not valid JSON/), { setup: notJsonRun.setup }),
  // found: says "config.batchSize: …" without saying the config is the one in that manifest.json.
  cli('run --resume of a run whose recorded config is invalid', ['run', '--resume', badConfigRun.dir], fail(/manifest\.json.*config\.batchSize|config\.batchSize.*manifest\.json/), { setup: badConfigRun.setup }),
  cli('run --resume with a different config', ['run', '--resume', otherConfigRun.dir], fail(/cannot resume 20250101-120000-f1x7: the config differs/, { maxMs: 30_000 }), { setup: otherConfigRun.setup, killMs: 40_000 }),
]);

// --- 6. Endpoint requests against the local stack -------------------------------------------------

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }
function send(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
/** A SigV4-signed SageMaker InvokeEndpoint with the stack's own keys (or others). */
async function invoke(c: LocalStackConfig, body: Buffer, o: { name?: string; accessKeyId?: string } = {}): Promise<Reply> {
  const sm = c.sagemaker;
  const url = new URL(`${sm.endpoint}/endpoints/${o.name ?? sm.endpointName}/invocations`);
  const signer = new SignatureV4({ credentials: { accessKeyId: o.accessKeyId ?? sm.accessKeyId, secretAccessKey: sm.secretAccessKey }, region: sm.region, service: 'sagemaker', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, 'content-type': 'image/jpeg' }, body });
  return send(url.href, 'POST', signed.headers, body);
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0);
  return Buffer.concat([len, Buffer.from(type, 'ascii'), data, crc]);
}
/** A few hundred bytes of PNG whose header claims width × height pixels. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(1024))), pngChunk('IEND', Buffer.alloc(0))]);
}

type Shape = 'sagemaker' | 'azureml' | 's3';
interface HttpCase { name: string; send: (c: LocalStackConfig) => Promise<Reply>; expect: { status: number; shape: Shape; code: string; message: RegExp } }
const azureml = (c: LocalStackConfig, body: Buffer | string, key: string | null = c.azureml.key) =>
  send(c.azureml.scoringUri, 'POST', { 'content-type': 'image/jpeg', ...(key === null ? {} : { authorization: `Bearer ${key}` }) }, body);
const s3 = (c: LocalStackConfig, method: string) => send(`${c.s3.endpoint}/${c.s3.bucket}/cloudbench/probe.jpg`, method, {}, method === 'PUT' ? 'x' : undefined);
const origin = (c: LocalStackConfig) => new URL(c.sagemaker.endpoint).origin;
const ENDPOINT_CASES: HttpCase[] = [
  { name: 'SageMaker: unsigned request', send: (c) => send(`${c.sagemaker.endpoint}/endpoints/${c.sagemaker.endpointName}/invocations`, 'POST', { 'content-type': 'image/jpeg' }, 'x'), expect: { status: 403, shape: 'sagemaker', code: 'MissingAuthenticationTokenException', message: /Missing Authentication Token/ } },
  { name: 'SageMaker: signed with an unknown access key', send: (c) => invoke(c, fs.readFileSync(PHOTO('dog.jpg')), { accessKeyId: 'AKIAUNKNOWN000000000' }), expect: { status: 403, shape: 'sagemaker', code: 'UnrecognizedClientException', message: /security token included in the request is invalid/ } },
  { name: 'SageMaker: GET instead of POST', send: (c) => send(`${c.sagemaker.endpoint}/endpoints/${c.sagemaker.endpointName}/invocations`, 'GET'), expect: { status: 405, shape: 'sagemaker', code: 'UnknownOperationException', message: /Method GET is not allowed .*use POST/ } },
  { name: 'SageMaker: signed, wrong endpoint name', send: (c) => invoke(c, fs.readFileSync(PHOTO('dog.jpg')), { name: 'no-such-endpoint' }), expect: { status: 400, shape: 'sagemaker', code: 'ValidationError', message: /Endpoint no-such-endpoint of account \d+ not found/ } },
  { name: 'SageMaker: signed, empty body', send: (c) => invoke(c, Buffer.alloc(0)), expect: { status: 400, shape: 'sagemaker', code: 'ValidationError', message: /'body' failed to satisfy constraint: Member must not be empty/ } },
  { name: 'SageMaker: signed, not an image', send: (c) => invoke(c, Buffer.from('plain text, not an image')), expect: { status: 424, shape: 'sagemaker', code: 'ModelError', message: /client error \(400\).*InvalidImage.*Could not decode the request body as an image/ } },
  { name: 'Azure ML: no key', send: (c) => azureml(c, 'x', null), expect: { status: 401, shape: 'azureml', code: 'Unauthorized', message: /A valid endpoint key is required/ } },
  { name: 'Azure ML: wrong key', send: (c) => azureml(c, 'x', 'not-the-key'), expect: { status: 401, shape: 'azureml', code: 'Unauthorized', message: /Authorization: Bearer <key>/ } },
  { name: 'Azure ML: empty body', send: (c) => azureml(c, Buffer.alloc(0)), expect: { status: 400, shape: 'azureml', code: 'EmptyBody', message: /The request body is empty/ } },
  { name: 'Azure ML: not an image', send: (c) => azureml(c, 'plain text, not an image'), expect: { status: 400, shape: 'azureml', code: 'InvalidImage', message: /Could not decode the request body as an image/ } },
  { name: 'Azure ML: body over 6 MiB', send: (c) => azureml(c, Buffer.alloc(6 * 2 ** 20 + 1)), expect: { status: 413, shape: 'azureml', code: 'PayloadTooLarge', message: /6291457 bytes exceeds the 6291456-byte limit/ } },
  { name: 'Azure ML: a PNG claiming 30000×30000 pixels', send: (c) => azureml(c, pngBomb(30000, 30000)), expect: { status: 400, shape: 'azureml', code: 'ImageTooLarge', message: /30000×30000 pixels .*over the 50 MP limit/ } },
  { name: 'Azure ML: GET /score', send: (c) => send(c.azureml.scoringUri, 'GET'), expect: { status: 405, shape: 'azureml', code: 'MethodNotAllowed', message: /use POST/ } },
  { name: 'inference server: GET /nope', send: (c) => send(`${origin(c)}/nope`, 'GET'), expect: { status: 404, shape: 'azureml', code: 'NotFound', message: /No route for GET \/nope/ } },
  { name: 'S3: anonymous GET', send: (c) => s3(c, 'GET'), expect: { status: 403, shape: 's3', code: 'AccessDenied', message: /Anonymous access is not allowed/ } },
  { name: 'S3: anonymous PUT', send: (c) => s3(c, 'PUT'), expect: { status: 403, shape: 's3', code: 'AccessDenied', message: /Anonymous access is not allowed/ } },
  { name: 'S3: anonymous DELETE', send: (c) => s3(c, 'DELETE'), expect: { status: 403, shape: 's3', code: 'AccessDenied', message: /Anonymous access is not allowed/ } },
];

function errorOf(shape: Shape, r: Reply): { code: string | undefined; message: string | undefined } {
  if (shape === 's3') {
    assert.match(String(r.headers['content-type']), /xml/, r.body);
    const m = /^<\?xml[^>]*\?>\s*<Error><Code>([^<]+)<\/Code><Message>([^<]*)<\/Message>/.exec(r.body);
    assert.ok(m, `not S3's <Error><Code> shape: ${r.body}`);
    return { code: m[1], message: m[2] };
  }
  assert.match(String(r.headers['content-type']), /^application\/json/, r.body);
  const body = JSON.parse(r.body) as { error?: { code?: string; message?: string }; message?: string; Message?: string };
  if (shape === 'azureml') return { code: body.error?.code, message: body.error?.message };
  return { code: r.headers['x-amzn-errortype'] as string | undefined, message: body.message ?? body.Message };
}

describe('6. endpoint requests', { concurrency: 4 }, () => {
  const stack = useLocalStack();
  before(() => stack.start(), { timeout: 90_000 });
  after(() => stack.stop());
  for (const c of ENDPOINT_CASES) {
    test(c.name, { timeout: 30_000 }, async () => {
      const r = await c.send(stack.get().config);
      assert.equal(r.status, c.expect.status, r.body);
      assert.doesNotMatch(r.body, /^\s+at |node_modules|\.ts:\d+/m, 'a stack trace in the body');
      const { code, message } = errorOf(c.expect.shape, r);
      assert.equal(code, c.expect.code, r.body);
      assert.equal(typeof message, 'string', r.body);
      assert.doesNotMatch(message!, /\n/, 'the message is one line');
      assert.match(message!, c.expect.message);
    });
  }
});
