import type { Command } from 'commander';
import path from 'node:path';
import { ALL_LOCAL_PLATFORMS, DEFAULTS, loadExperimentConfig, localDemoConfig, usesLocalStack } from '../config/experiment';
import { UserError } from '../errors';
import { resolvePlatforms } from '../experiment/platforms';
import { startLocalStack, type LocalStack } from '../local/stack';
import { load } from './lazy';
import { portOption } from './options';

interface AppCommandOptions {
  config?: string;
  local?: boolean;
  port?: number;
  host?: string;
  out?: string;
}

export function registerAppCommand(program: Command): void {
  program
    .command('app')
    .description("the study's web application: detect objects in an image on every platform side by side, browse run folders and watch a run live (127.0.0.1 by default)")
    .option('--config <file>', 'the platforms of this experiment config (default: the local stack, as with --local)')
    .option('--local', 'start the embedded local stack and use its three platforms, aws, azure and gcp (the default without --config)')
    .option('--port <port>', 'port to listen on (default: ephemeral)', portOption('--port'))
    .option('--host <host>', 'address to listen on (default 127.0.0.1); any other needs the token the app prints')
    .option('--out <dir>', 'the run folders the runs page shows (default: the config\'s outDir, else reports)')
    .action(async (o: AppCommandOptions) => {
      const fromFile = o.config ? loadExperimentConfig(o.config) : undefined;
      // Without a config: every platform the local stack serves, side by side.
      const config = fromFile ?? localDemoConfig({ platforms: ALL_LOCAL_PLATFORMS });
      const needsStack = usesLocalStack(config);
      if (needsStack && fromFile && !o.local) throw new UserError('this config uses the local stack ("local:aws"/"local:azure"/"local:gcp"): add --local to start it');
      let stack: LocalStack | undefined;
      if (needsStack) {
        console.log('Starting the local stack…');
        stack = await startLocalStack();
      }
      const outDir = path.resolve(o.out ?? fromFile?.outDir ?? DEFAULTS.outDir);
      let app: Awaited<ReturnType<ReturnType<typeof load.app>['startApp']>>;
      try {
        app = await load.app().startApp({ platforms: resolvePlatforms(config, stack?.config), outDir, host: o.host, port: o.port });
      } catch (err) {
        await stack?.stop();
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new UserError(`--port ${o.port}: that port is already in use`);
        if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UserError(`--host ${o.host}: not an address of this machine`);
        throw err;
      }
      console.log(`cloudbench app: ${app.url}`);
      console.log(`  platforms: ${Object.keys(config.platforms).join(', ')}; runs from ${outDir}`);
      if (app.token) console.log('  listening beyond loopback: every request needs the token in the URL above');
      console.log('  Ctrl-C stops it.');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      console.log('Stopping…');
      await app.close();
      await stack?.stop();
    });
}
