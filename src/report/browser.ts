/**
 * Finding and launching a system Chrome/Chromium for the PDF. cloudbench never downloads a browser
 * (puppeteer-core): it uses PUPPETEER_EXECUTABLE_PATH, else chromium / chromium-browser /
 * google-chrome on PATH.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';

export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

export interface BrowserLocation {
  executablePath: string;
  /** Where it was found: the environment variable or PATH. */
  source: 'PUPPETEER_EXECUTABLE_PATH' | 'PATH';
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

/** PUPPETEER_EXECUTABLE_PATH if it is an executable file, else the first known name on PATH. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): BrowserLocation | null {
  const fromEnv = env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv && isExecutableFile(fromEnv)) return { executablePath: fromEnv, source: 'PUPPETEER_EXECUTABLE_PATH' };
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of BROWSER_NAMES) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutableFile(file)) return { executablePath: file, source: 'PATH' };
    }
  }
  return null;
}

/** Says what was looked at and how to get a browser; the HTML report is written regardless. */
export class BrowserNotFoundError extends UserError {
  override name = 'BrowserNotFoundError';
  constructor(htmlPath: string | null, env: NodeJS.ProcessEnv = process.env) {
    const badEnv = env.PUPPETEER_EXECUTABLE_PATH ? ` (PUPPETEER_EXECUTABLE_PATH=${env.PUPPETEER_EXECUTABLE_PATH} is not an executable file)` : '';
    super(
      `no Chrome/Chromium found for the PDF${badEnv}; looked for PUPPETEER_EXECUTABLE_PATH, then ${BROWSER_NAMES.join(', ')} on PATH. ` +
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
