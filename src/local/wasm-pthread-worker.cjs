// One thread of the threaded wasm backend (wasm-threads.ts): emscripten starts this file in a Node
// worker. It runs the package's own thread script, which tfjs ships as a string for a Blob URL;
// that string's "\n" escapes became real newlines inside its string literals: put them back, as
// tfjs does. JavaScript, not TypeScript: a worker started from src/ has no TypeScript loader
// (scripts/build.cjs copies it into dist/).
'use strict';
eval(require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js').wasmWorkerContents.replace(/\n/g, '\\n'));
