/**
 * cloudbench's storage path against the study's own client libraries, side by side on the same
 * local stack and the same 256 images: the S3 adapter vs boto3, the Azure Blob adapter vs the
 * Python Azure SDK. Each client is a fresh process; rounds alternate the order (A B B A …) so a
 * slow minute of the machine does not favour one side. Printed per phase and concurrency: MiB/s
 * ratio (ours / theirs, > 1 = cloudbench faster) and CPU ratio (ours / theirs, < 1 = cheaper),
 * medians over the rounds.
 *
 *   node --import tsx bench/clients.bench.ts      (BENCH_ROUNDS=n, default 4)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareSyntheticDataset } from '../src/datasets/synthetic';
import { startLocalStack } from '../src/local/stack';
import { median } from '../src/analysis/descriptive';
import { distNotCurrent } from './built';

export const title = 'Storage clients: cloudbench vs boto3 and the Python Azure SDK (local stack, 256 images)';

const ROOT = path.resolve(__dirname, '..');
const CONCURRENCY = '1,16';

interface Sample {
  c: number;
  phase: 'upload' | 'download';
  secs: number;
  mibps: number;
  cpuS: number;
}

/** Debian's python3 first (its python3-boto3 / python3-azure-storage), then whatever python3 is on PATH. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

function pythonWith(module: string): { python: string; version: string } | { missing: string } {
  for (const python of PYTHONS) {
    const r = spawnSync(python, ['-c', `import ${module.split(' ')[0]} as m; print(getattr(m, '__version__', '?'))`], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return { missing: `the Python module ${module} is not installed (Debian: sudo bash scripts/system-deps.sh bench-clients)` };
}

function runClient(cmd: string, args: string[]): Sample[] {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 600_000, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  if (r.status !== 0) throw new Error(`${path.basename(args[0])} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Sample);
}


function table(ours: Sample[][], theirs: Sample[][], log: (l: string) => void, name: string, ref: string): void {
  const cells = (rounds: Sample[][], c: number, phase: string) => rounds.map((r) => r.find((s) => s.c === c && s.phase === phase)!);
  log(`  ${'phase'.padEnd(9)} ${'c'.padStart(2)}  ${`${name} MiB/s`.padStart(18)}  ${`${ref} MiB/s`.padStart(18)}  throughput ratio  ${`${name} CPU s`.padStart(16)}  ${`${ref} CPU s`.padStart(16)}  CPU ratio`);
  const totals = { ours: 0, theirs: 0, oursCpu: 0, theirsCpu: 0 };
  for (const c of CONCURRENCY.split(',').map(Number)) {
    for (const phase of ['upload', 'download']) {
      const a = cells(ours, c, phase);
      const b = cells(theirs, c, phase);
      const ratio = median(a.map((x, i) => x.mibps / b[i].mibps));
      const cpuRatio = median(a.map((x, i) => x.cpuS / b[i].cpuS));
      totals.ours += median(a.map((x) => x.secs));
      totals.theirs += median(b.map((x) => x.secs));
      totals.oursCpu += median(a.map((x) => x.cpuS));
      totals.theirsCpu += median(b.map((x) => x.cpuS));
      log(
        `  ${phase.padEnd(9)} ${String(c).padStart(2)}  ${median(a.map((x) => x.mibps)).toFixed(1).padStart(18)}  ${median(b.map((x) => x.mibps)).toFixed(1).padStart(18)}  ` +
          `${ratio.toFixed(2).padStart(16)}  ${median(a.map((x) => x.cpuS)).toFixed(2).padStart(16)}  ${median(b.map((x) => x.cpuS)).toFixed(2).padStart(16)}  ${cpuRatio.toFixed(2).padStart(9)}`,
      );
    }
  }
  log(`  all phases: ${name} moves ${(totals.theirs / totals.ours).toFixed(2)}× what ${ref} moves in the same time; CPU ${totals.oursCpu.toFixed(2)} s vs ${totals.theirsCpu.toFixed(2)} s (${(totals.oursCpu / totals.theirsCpu).toFixed(2)}×)`);
}

export async function bench(log: (line: string) => void): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
  const boto3 = pythonWith('boto3');
  const azure = pythonWith('azure.storage.blob');
  if ('missing' in boto3 && 'missing' in azure) {
    log(`skipped: ${boto3.missing}; ${azure.missing}`);
    return;
  }
  const notCurrent = distNotCurrent();
  if (notCurrent) {
    log(`skipped: ${notCurrent}`);
    return;
  }
  const images = await prepareSyntheticDataset({ type: 'synthetic', count: 256, seed: 7 });
  const mib = fs.readdirSync(images).filter((n) => n.endsWith('.jpg')).reduce((s, n) => s + fs.statSync(path.join(images, n)).size, 0) / 2 ** 20;
  log(`256 synthetic images (${mib.toFixed(1)} MiB), ${rounds} alternating rounds, each client a fresh process; medians over rounds`);
  const stack = await startLocalStack();
  const stackFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-clients-')), 'stack.json');
  fs.writeFileSync(stackFile, JSON.stringify(stack.config));
  try {
    const pairs = [
      { name: 'cloudbench S3', ref: 'boto3', python: boto3, ours: 's3', theirs: path.join(ROOT, 'bench/clients/boto3-client.py') },
      { name: 'cloudbench Azure', ref: 'Python Azure SDK', python: azure, ours: 'azure', theirs: path.join(ROOT, 'bench/clients/azure-client.py') },
    ];
    for (const p of pairs) {
      if ('missing' in p.python) {
        log(`\n${p.name} vs ${p.ref}: skipped: ${p.python.missing}`);
        continue;
      }
      const { python: interpreter, version } = p.python;
      log(`\n${p.name} vs ${p.ref} ${version} (${interpreter}):`);
      const ours: Sample[][] = [];
      const theirs: Sample[][] = [];
      for (let r = 0; r < rounds; r++) {
        const node = () => ours.push(runClient(process.execPath, [path.join(ROOT, 'bench/clients/node-client.cjs'), p.ours, stackFile, images, CONCURRENCY]));
        const python = () => theirs.push(runClient(interpreter, [p.theirs, stackFile, images, CONCURRENCY]));
        if (r % 2 === 0) {
          node();
          python();
        } else {
          python();
          node();
        }
      }
      table(ours, theirs, log, p.name, p.ref);
    }
  } finally {
    await stack.stop();
    fs.rmSync(path.dirname(stackFile), { recursive: true, force: true });
  }
}

if (require.main === module) {
  bench((l) => console.log(l)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
