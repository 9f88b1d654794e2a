#!/usr/bin/env node
'use strict';
// Runs the built CLI; never builds. Building belongs to `npm run build` (or `npm start`), not to each
// call: a token must not cost a compile, nor rewrite dist/ under a service that runs from it.
const fs = require('node:fs');
const path = require('node:path');

const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('ledger: the build is missing (dist/apps/cli/src/main.js); run `npm run build` first\n');
  process.exit(1);
}
require(main);
