/**
 * Finding and launching the Chrome/Chromium for the PDF (and the browser tests). cloudbench never
 * downloads a browser (puppeteer-core): it uses PUPPETEER_EXECUTABLE_PATH, else chromium /
 * chromium-browser / google-chrome on PATH, else the Chromium inside the optional npm package
 * @sparticuz/chromium (see bundled-chromium.ts). A system browser comes first: it is the one the
 * user keeps up to date.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { UserError } from '../errors';
import { bundledChromiumExecutable, bundledChromiumPackage, prepareBundledChromium, type BundledChromiumPackage } from './bundled-chromium';

export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

export interface BrowserLocation {
  /** For 'bundled': where it is (or will be, once unpacked on first launch). */
  executablePath: string;
  /** Where it was found: the environment variable, PATH, or the npm package. */
  source: 'PUPPETEER_EXECUTABLE_PATH' | 'PATH' | 'bundled';
  /** The npm package, for 'bundled'. */
  bundled?: BundledChromiumPackage;
}

/** Injectable for tests and for callers who know better. */
export type BrowserFinder = () => BrowserLocation | null;

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const BROWSER_CHOICES = ['auto', 'system', 'bundled'] as const;
export type BrowserChoice = (typeof BROWSER_CHOICES)[number];

/** CLOUDBENCH_BROWSER: auto (default: system first, then npm), system (never the npm one), bundled (only the npm one). */
export function browserChoice(env: NodeJS.ProcessEnv = process.env): BrowserChoice {
  const value = (env.CLOUDBENCH_BROWSER ?? '').trim() || 'auto';
  if (!(BROWSER_CHOICES as readonly string[]).includes(value)) {
    throw new UserError(`CLOUDBENCH_BROWSER=${value} is not one of ${BROWSER_CHOICES.join(', ')} (auto: a system Chrome/Chromium, else the one from npm)`);
  }
  return value as BrowserChoice;
}

/**
 * PUPPETEER_EXECUTABLE_PATH if it is an executable file, else the first known name on PATH, else
 * the npm package's Chromium; CLOUDBENCH_BROWSER narrows that to one kind.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env, bundled: () => BundledChromiumPackage | null = bundledChromiumPackage): BrowserLocation | null {
  const choice = browserChoice(env);
  if (choice !== 'bundled') {
    const fromEnv = env.PUPPETEER_EXECUTABLE_PATH;
    if (fromEnv && isExecutableFile(fromEnv)) return { executablePath: fromEnv, source: 'PUPPETEER_EXECUTABLE_PATH' };
    const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
    for (const name of BROWSER_NAMES) {
      for (const dir of dirs) {
        const file = path.join(dir, name);
        if (isExecutableFile(file)) return { executablePath: file, source: 'PATH' };
      }
    }
  }
  const pkg = choice === 'system' ? null : bundled();
  if (pkg) return { executablePath: bundledChromiumExecutable(pkg.version), source: 'bundled', bundled: pkg };
  return null;
}

/** "chromium 143.0.4 from npm (@sparticuz/chromium)" or the path and how it was found. */
export function describeBrowser(b: BrowserLocation): string {
  return b.source === 'bundled' ? `Chromium from npm (@sparticuz/chromium ${b.bundled?.version}), unpacked to ${path.dirname(b.executablePath)}` : `${b.executablePath} (${b.source})`;
}

/** Says what was looked at and how to get a browser; the HTML report is written regardless. */
export class BrowserNotFoundError extends UserError {
  override name = 'BrowserNotFoundError';
  constructor(htmlPath: string | null, env: NodeJS.ProcessEnv = process.env) {
    const badEnv = env.PUPPETEER_EXECUTABLE_PATH && !isExecutableFile(env.PUPPETEER_EXECUTABLE_PATH) ? ` (PUPPETEER_EXECUTABLE_PATH=${env.PUPPETEER_EXECUTABLE_PATH} is not an executable file)` : '';
    const choice = env.CLOUDBENCH_BROWSER?.trim();
    const where =
      choice === 'bundled' ? 'looked only for' : choice === 'system' ? `looked for PUPPETEER_EXECUTABLE_PATH, then ${BROWSER_NAMES.join(', ')} on PATH, not for` : `looked for PUPPETEER_EXECUTABLE_PATH, then ${BROWSER_NAMES.join(', ')} on PATH, then`;
    super(
      `no Chrome/Chromium found for the PDF${badEnv}; ${where} the optional npm package @sparticuz/chromium ` +
        `(Linux x64 only; \`npm ci\` installs it unless optional dependencies are omitted${choice ? `; CLOUDBENCH_BROWSER=${choice}` : ''}). ` +
        'Install one with `sudo apt-get install chromium` (Debian/Ubuntu; or `sudo bash scripts/system-deps.sh chromium`) ' +
        'or set PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium binary.' +
        (htmlPath ? ` The HTML report was written: ${htmlPath}` : ''),
    );
  }
}

/**
 * Flags for a headless, offline, throwaway browser: no sandbox as root (Chromium refuses to start
 * otherwise), no GPU, no background traffic (updates, sync, component downloads), no first-run UI.
 */
export function launchArgs(userDataDir: string, isRoot = process.getuid?.() === 0): string[] {
  return [
    ...(isRoot ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-extensions',
    '--no-first-run',
    '--no-default-browser-check',
    '--mute-audio',
    `--user-data-dir=${userDataDir}`,
  ];
}

/** A fresh profile folder per launch, removed afterwards, so no state leaks between reports. */
export function makeProfileDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-chromium-'));
}

export function removeProfileDir(dir: string): void {
  // Chromium may still be flushing files for a moment after close(): retry briefly.
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

export interface LaunchOptions {
  timeoutMs?: number;
  /** A fresh profile folder (makeProfileDir); the caller removes it after close(). */
  profileDir: string;
  /** Told about slow one-off work (unpacking the npm Chromium). */
  onStatus?: (line: string) => void;
}

/**
 * Starts the browser headless with the offline flags; for the npm Chromium, unpacks it on first use
 * and adds its libraries, fonts and flags. The CLI handles Ctrl-C itself: the caller closes it.
 */
export async function launchBrowser(location: BrowserLocation, opts: LaunchOptions): Promise<Browser> {
  const bundled = location.bundled ? await prepareBundledChromium(location.bundled, opts.profileDir, opts.onStatus) : null;
  const args = launchArgs(opts.profileDir);
  for (const flag of bundled?.args ?? []) if (!args.includes(flag)) args.push(flag);
  return puppeteer.launch({
    executablePath: bundled?.executablePath ?? location.executablePath,
    // The npm build is chrome-headless-shell: 'shell' is the mode it has.
    headless: bundled ? 'shell' : true,
    args,
    env: bundled ? { ...process.env, ...bundled.env } : process.env,
    timeout: opts.timeoutMs ?? 60_000,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
