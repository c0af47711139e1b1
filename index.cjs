// Runtime entry of the `cloudbench` package (notebooks, `require('cloudbench')`): the compiled
// dist/, or the TypeScript sources through tsx while developing (see scripts/entry.cjs).
'use strict';
// The pinned AWS SDK warns that *future* releases will need Node 22: noise in a notebook.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
module.exports = require('./scripts/entry.cjs').load('index').module;
