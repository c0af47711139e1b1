/**
 * tfjs-backend-wasm's multi-threaded build (tfjs-backend-wasm-threaded-simd.wasm, shipped in the
 * package) in Node. tfjs never picks it there: its WASM_HAS_MULTITHREAD_SUPPORT flag is false in
 * Node (tfjs issue 3830), and its loader gives emscripten Blob URLs for the thread script, which
 * Node's Worker cannot start. So the 'wasm' backend is registered again, with the package's own
 * BackendWasm class and kernels, over the package's own threaded module loaded from files:
 * - each wasm thread is a Node worker running wasm-pthread-worker.cjs next to this file;
 * - the C side caps the thread pool at half of emscripten_num_logical_cores() (it assumes two
 *   hyper-threads per core; in Node that is os.cpus().length, so 1 thread on 2 cores). The count is
 *   decided by detector-threads.ts against the cores and the instances sharing them, so that
 *   import answers 2 × the count and the cap lets it through.
 * Outputs are bit-identical to the single-threaded build (tests/detector-threads.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';

/** The part of the emscripten module this file touches. */
interface ThreadedModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => unknown;
  /** Emscripten's pthread bookkeeping: the workers it started ahead of need. */
  PThread: { unusedWorkers: Array<{ terminate(): unknown }> };
  tfjs?: unknown;
}
interface FactoryConfig {
  mainScriptUrlOrBlob: string;
  locateFile(file: string): string;
  instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void): object;
}
type Factory = (config: FactoryConfig) => Promise<ThreadedModule>;
// Node's global; the build's lib (ES2022, no DOM) does not declare it.
declare const WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }> };

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
/** tfjs-backend-wasm's own priority for 'wasm'. */
const WASM_PRIORITY = 2;

/**
 * Makes the next `tf.setBackend('wasm')` in this thread build the threaded backend with `threads`
 * threads (the caller included). Call before the backend is first initialised.
 */
export function registerThreadedWasmBackend(tf: typeof TfCore, wasm: typeof TfWasm, threads: number): void {
  const dir = path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'wasm-out');
  const script = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm');
  const threadScript = path.join(__dirname, 'wasm-pthread-worker.cjs');
  const factory = require(script) as Factory;

  wasm.setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      // A failed read or compile must fail setBackend, not surface as an unhandled rejection.
      let failed: (err: unknown) => void = () => {};
      const failure = new Promise<never>((_, reject) => (failed = reject));
      const module = await Promise.race([failure, factory({
        // A path string: the thread script reads it with fs and evaluates it (a Blob would not load).
        mainScriptUrlOrBlob: script,
        locateFile: (file) => (file.endsWith('.worker.js') ? threadScript : path.join(dir, file)),
        instantiateWasm(imports, receive) {
          imports.env.emscripten_num_logical_cores = () => 2 * threads;
          fs.promises
            .readFile(binary)
            .then((bytes) => WebAssembly.instantiate(bytes, imports))
            .then((r) => receive(r.instance, r.module))
            .catch(failed);
          return {};
        },
      })]);
      // What tfjs's own init() adds before handing the module to BackendWasm.
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0]);
      // Emscripten starts 8 thread workers up front; the pool now holds the threads - 1 it uses.
      // The rest would idle at ~8 MB each (a later thread would get a fresh worker).
      for (const w of module.PThread.unusedWorkers.splice(0)) void w.terminate();
      return backend;
    },
    WASM_PRIORITY,
  );
}
