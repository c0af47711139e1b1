/**
 * The machinery of the bad-input catalogue (tests/bad-input-*.test.ts): a private temp folder with
 * the files the cases need, a runner that executes each case as a user would (three at a time),
 * and the assertions every case shares. Importing it registers the folder's set-up and removal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeSyntheticRun } from '../fixtures/synthetic-run';
import { CLI, ROOT } from './cli';

// --- Where everything lives: one private temp folder --------------------------------------------

const T = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-bad-input-'));
export const p = (...parts: string[]) => path.join(T, ...parts);
export const FILE = p('f', 'file.txt'); // a regular file where a folder is needed
const GOOD = p('d', 'good'); // a valid two-image folder dataset
export const RUNS = p('runs');
export const BASE_RUN = p('runs', 'base');
export const NB = p('f', 'empty.ipynb');
export const PROC = `/proc/cloudbench-bad-input-${process.pid}`; // mkdir fails (not writable, any user)
export const SYS = `/sys/cloudbench-bad-input-${process.pid}`; // a read-only place, even for root
export const ENV: NodeJS.ProcessEnv = { CLOUDBENCH_CACHE_DIR: p('cache'), CLOUDBENCH_STATE_DIR: p('state'), HOME: p('home'), AWS_EC2_METADATA_DISABLED: 'true' };
export const PHOTO = (name: string) => path.join(ROOT, 'src', 'datasets', 'photos', name);

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

export interface Expect {
  status: number;
  /** Must match the error line (or, for status 0, some stderr line when given). */
  line?: RegExp;
  kind?: 'usage';
  /** For status 0: what stdout says. */
  stdout?: RegExp;
  /** The command must end within this (default 20 s; `--local` cases: before the stack starts). */
  maxMs?: number;
  /** Values that must not appear in the output (besides anything containing SECRET). */
  secrets?: string[];
}
export interface Case {
  name: string;
  args: string[];
  /** Writes what the case needs; every case's setup runs once, before the first command. A setup that throws fails its own case. */
  setup?: () => void;
  /** Afterwards, e.g. nothing was created. */
  check?: () => void;
  env?: NodeJS.ProcessEnv;
  /** Killed after this (a hang); default 30 s. */
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
  const timer = setTimeout(() => child.kill('SIGKILL'), c.killMs ?? 30_000);
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
  if (e.status !== 0) assert.ok(o.ms < (e.maxMs ?? 20_000), `took ${o.ms} ms, not a fast failure${shown}`);
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
 * three at a time, in table order, started by the first test: a test waits for its own command.
 */
const ALL: Case[] = [];
let outcomes: Map<Case, Promise<Outcome>> | undefined;
function outcomeOf(c: Case): Promise<Outcome> {
  if (!outcomes) {
    // Every setup before any command; a failing one is its own case's failure, not the first test's.
    const setupErrors = new Map<Case, unknown>();
    for (const x of ALL) {
      try {
        x.setup?.();
      } catch (err) {
        setupErrors.set(x, err);
      }
    }
    const pool = limiter(3);
    outcomes = new Map(ALL.map((x) => [x, setupErrors.has(x) ? Promise.reject(setupErrors.get(x)) : pool(() => runCase(x))]));
    // Rejections are awaited by their own test, later.
    for (const o of outcomes.values()) o.catch(() => undefined);
  }
  return outcomes.get(c)!;
}
export function catalogue(title: string, cases: Case[]): void {
  ALL.push(...cases);
  describe(title, () => {
    for (const c of cases) test(c.name, { timeout: 120_000 }, async () => assertOutcome(c, await outcomeOf(c)));
  });
}

export const fail = (line: RegExp, more: Partial<Expect> = {}): Expect => ({ status: 1, line, ...more });
export const usage = (line: RegExp): Expect => ({ status: 1, line, kind: 'usage' });
export const cli = (name: string, args: string[], expect: Expect, more: Partial<Case> = {}): Case => ({ name, args, expect, ...more });
export const absent = (file: string) => () => assert.ok(!fs.existsSync(file), `${file} was created`);
export const unchanged = (file: string) => () => assert.equal(fs.readFileSync(file, 'utf8'), 'a regular file\n', `${file} was changed`);
export const noRunFolder = (out: string) => () => assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], [], `a run folder was created in ${out}`);


// --- 3. Config file fields -----------------------------------------------------------------------

export const S3 = { type: 's3', bucket: 'bench-bucket', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'SECRET-S3-KEY' } };
export const HTTP = { type: 'http', url: 'http://127.0.0.1:9/score', headers: { 'x-api-key': 'SECRET-HEADER' } };
export const BASE = { platforms: { aws: { storage: S3, inference: HTTP } }, dataset: { type: 'folder', path: GOOD } };
export const LOCAL = { platforms: { aws: 'local:aws', azure: 'local:azure' }, dataset: { type: 'folder', path: GOOD } };
export const storage = (s: object) => ({ platforms: { aws: { storage: s, inference: HTTP } } });
export const inference = (i: object) => ({ platforms: { aws: { storage: S3, inference: i } } });

export function writeConfig(file: string, body: object | string): void {
  fs.writeFileSync(p('c', file), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
}
let configs = 0;
/** `run --config F` of BASE (own outDir) with `patch` over its top level (undefined deletes), or of raw text. */
export function config(name: string, patch: object | { file: string; text: string }, line: RegExp, more: { args?: string[]; base?: object } & Partial<Expect> = {}): Case {
  const { args = [], base = BASE, ...expect } = more;
  const n = ++configs;
  const out = p('out', String(n));
  const raw = 'text' in patch ? (patch as { file: string; text: string }) : undefined;
  const file = raw?.file ?? `config-${n}.json`;
  const body = raw ? raw.text : JSON.parse(JSON.stringify({ ...base, outDir: out, ...patch }));
  return cli(name, ['run', '--config', p('c', file), ...args], fail(line, expect), { setup: () => writeConfig(file, body), check: noRunFolder(out) });
}
export const YAML_PLATFORMS = 'platforms:\n  aws: {storage: {type: s3, bucket: b-1, region: eu-west-1}, inference: {type: http, url: "http://127.0.0.1:9/s"}}\n';

