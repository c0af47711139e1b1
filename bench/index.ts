/** `npm run bench`: every benchmark, figures printed as ratios measured in this one run. */
import fs from 'node:fs';
import path from 'node:path';
import { benchEngine } from './engine.bench';

(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log('# cloudbench benchmarks\n## Experiment engine');
  await benchEngine((l) => console.log(l));
  // Other benchmark modules register themselves by exporting `bench(log)` from bench/*.bench.ts.
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts') && f !== 'engine.bench.ts').sort()) {
    const mod = require(path.join(__dirname, file)) as { bench?: (log: (l: string) => void) => Promise<void>; title?: string };
    if (!mod.bench) continue;
    console.log(`\n## ${mod.title ?? file}`);
    await mod.bench((l) => console.log(l));
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
