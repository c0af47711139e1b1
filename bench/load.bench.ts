/**
 * The open-loop generator's accuracy and ceiling: constant arrivals through the Azure ML adapter
 * (the real client path) to a no-op loopback endpoint running in a child process, so the server's
 * work never shares this process's core. Per rate: achieved / target, schedule lag p50 / p99, and
 * client CPU per 1,000 requests; then the highest rate the one-core client sustains within 1 %.
 *
 *   node --import tsx bench/load.bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LOAD_DEFAULTS, type LoadConfig } from '../src/config/load';
import type { ImageItem } from '../src/datasets/types';
import { ImageFeed } from '../src/experiment/load/image-feed';
import { runLoadStep, SPIN_MS } from '../src/experiment/load/load-step';
import { createInferenceEndpoint } from '../src/targets/factory';

export const title = 'Load generator: accuracy and ceiling against a no-op loopback endpoint (one client core)';

const SERVER = `
const http = require('node:http');
const body = Buffer.from(JSON.stringify({ detections: [], model: 'noop', inferenceMs: 0 }));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }); res.end(body); });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

const IMAGE: ImageItem = {
  name: 'noop.jpg', size: 1024, contentType: 'image/jpeg', path: '/noop.jpg',
  open: () => { throw new Error('not used'); },
  read: async () => Buffer.alloc(1024, 1),
};

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`no-op server exited (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}/score` };
}

interface Result {
  rate: number;
  achieved: number;
  lagP50: number;
  lagP99: number;
  cpuPer1000: number;
  failed: number;
}

async function measure(url: string, rate: number, seconds: number): Promise<Result> {
  const endpoint = createInferenceEndpoint({ type: 'azureml', scoringUri: url, key: 'noop' }, {});
  const never = new AbortController().signal;
  const load: LoadConfig = { ...LOAD_DEFAULTS, arrival: 'constant', rates: [rate], search: null, coldStart: null, earlyStop: false, maxInFlight: 256 };
  const measured = Math.round(rate * seconds);
  const cpu = process.cpuUsage();
  try {
    const row = await runLoadStep(
      { runId: 'bench', platform: 'noop', step: 0, rateRps: rate, load, endpoint, feed: new ImageFeed([IMAGE], 1), seed: 1, t0: 0, sink: () => {}, stop: never, abort: never },
      { warmup: Math.round(rate * 0.5), measured },
    );
    const used = process.cpuUsage(cpu);
    const total = measured + Math.round(rate * 0.5);
    return {
      rate,
      achieved: (row.achievedRps ?? 0) / rate,
      lagP50: row.lag?.p50 ?? NaN,
      lagP99: row.lag?.p99 ?? NaN,
      cpuPer1000: ((used.user + used.system) / 1000 / total) * 1000,
      failed: row.failed,
    };
  } finally {
    await endpoint.close();
  }
}

const line = (r: Result) =>
  `  ${String(r.rate).padStart(5)} req/s: achieved/target ${r.achieved.toFixed(4)}, lag p50 ${r.lagP50.toFixed(2)} ms, p99 ${r.lagP99.toFixed(2)} ms, ` +
  `client CPU ${r.cpuPer1000.toFixed(0)} ms per 1,000 requests${r.failed ? `, ${r.failed} failed` : ''}`;

export async function bench(log: (line: string) => void): Promise<void> {
  const { child, url } = await startServer();
  try {
    await measure(url, 200, 1); // warm the client path (JIT, sockets)
    log('Goal: achieved within 1 % of target up to 1,000 req/s, schedule lag p99 under 2 ms.');
    for (const rate of [200, 1000]) log(line(await measure(url, rate, 5)));
    log('Ceiling (highest rate with achieved within 1 % of target, 3 s per rate):');
    let best: Result | null = null;
    let precise: Result | null = null;
    const ceilingRates = [1500, 2000, 2500, 3000, 4000, 5000];
    for (const rate of ceilingRates) {
      const r = await measure(url, rate, 3);
      log(line(r));
      if (r.achieved < 0.99 || r.failed > 0) break;
      best = r;
      if (r.lagP99 < 2) precise = r;
    }
    log(best ? `  highest sustained within 1 %: ${best.rate} req/s (lag p99 ${best.lagP99.toFixed(2)} ms)` : `  highest sustained within 1 %: below ${ceilingRates[0]} req/s`);
    log(precise ? `  highest with lag p99 under 2 ms: ${precise.rate} req/s` : `  lag p99 under 2 ms: at none of ${ceilingRates.join(', ')} req/s`);
    log(`  (client CPU includes the dispatcher polling the clock in the last ${SPIN_MS} ms before each send)`);
  } finally {
    child.kill();
  }
}

if (require.main === module) {
  void bench((l) => console.log(l));
}
