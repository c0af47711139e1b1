// Preloaded into a child process by tests/launcher.test.ts: says on stderr if tsx gets loaded.
'use strict';
const Module = require('node:module');
const original = Module._load;
Module._load = function (request, ...rest) {
  if (/^tsx(\/|$)/.test(request)) process.stderr.write(`tsx loaded (${request})\n`);
  return original.call(this, request, ...rest);
};
