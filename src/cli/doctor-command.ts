import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { centerNetModelPath } from '../local/detector';
import { readStackState } from '../local/stack';
import { findJupyterPython } from '../notebook/run-notebook';
import { cacheRoot } from '../paths';
import { findBrowser } from '../report/browser';
import { table } from './output';

interface Check {
  what: string;
  ok: boolean;
  /** What was found, or how to get it. */
  detail: string;
  /** Missing but only some features need it. */
  optional?: boolean;
}

function checks(): Check[] {
  const out: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  out.push({ what: 'Node.js ≥ 20', ok: major >= 20, detail: process.version });

  let model = '';
  try {
    model = centerNetModelPath();
  } catch {
    /* reported below */
  }
  out.push({
    what: 'detector weights (local stack)',
    ok: model !== '' && fs.existsSync(model),
    detail: model && fs.existsSync(model) ? model : 'missing: run `npm ci` (the weights ship in @vladmandic/human)',
  });

  try {
    fs.mkdirSync(cacheRoot(), { recursive: true });
    fs.accessSync(cacheRoot(), fs.constants.W_OK);
    out.push({ what: 'cache folder writable', ok: true, detail: cacheRoot() });
  } catch {
    out.push({ what: 'cache folder writable', ok: false, detail: `${cacheRoot()} is not writable: set CLOUDBENCH_CACHE_DIR` });
  }

  const browser = findBrowser();
  out.push({
    what: 'Chromium (PDF reports)',
    ok: browser !== null,
    optional: true,
    detail: browser ? `${browser.executablePath} (${browser.source})` : 'missing: `sudo apt-get install chromium` or set PUPPETEER_EXECUTABLE_PATH; HTML reports work without it',
  });

  let python = '';
  try {
    python = findJupyterPython();
  } catch {
    /* reported below */
  }
  out.push({
    what: 'Jupyter (headless notebooks)',
    ok: python !== '',
    optional: true,
    detail: python ? `${python} with nbclient` : 'missing: `bash scripts/system-deps.sh jupyter` (as root) or `sudo apt-get install jupyter-nbconvert jupyter-client python3-ipykernel`',
  });

  const aws = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  out.push({
    what: 'AWS CLI (independent client)',
    ok: aws.status === 0,
    optional: true,
    detail: aws.status === 0 ? (aws.stdout || aws.stderr).trim().split(' ')[0] : 'missing: `sudo apt-get install awscli` (only the tests use it)',
  });

  const gcloud = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  out.push({
    what: 'Google Cloud CLI (independent client)',
    ok: gcloud.status === 0,
    optional: true,
    detail: gcloud.status === 0 ? (gcloud.stdout.split('\n')[0] ?? '').trim() : "missing: the google-cloud-cli package from Google's apt repository (only the tests use it; they skip it when absent)",
  });

  const state = readStackState();
  out.push({ what: 'detached local stack', ok: true, optional: true, detail: state ? `running (pid ${state.pid})` : 'not running' });
  return out;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check what this machine has for cloudbench (Node, detector weights, Chromium, Jupyter, AWS CLI, gcloud) and say how to get what is missing')
    .option('--json', 'print the checks as JSON')
    .action((o: { json?: boolean }) => {
      const result = checks();
      if (o.json) console.log(JSON.stringify(result));
      else {
        console.log(table([['check', 'status', 'detail'], ...result.map((c) => [c.what, c.ok ? 'ok' : c.optional ? 'missing (optional)' : 'MISSING', c.detail])], { header: true }));
      }
      if (result.some((c) => !c.ok && !c.optional)) process.exitCode = 1;
    });
}
