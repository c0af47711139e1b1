// Runtime entry of the `cloudbench` package (notebooks, `require('cloudbench')`): the TypeScript
// sources run through tsx, so there is no build step; types come from types/ (npm run build:types).
'use strict';
// The pinned AWS SDK warns that *future* releases will need Node 22: noise in a notebook.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
module.exports = require('./src/index.ts');
