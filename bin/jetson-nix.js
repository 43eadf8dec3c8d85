#!/usr/bin/env node
// The `jetson-nix` command: runs the bundled CLI built by `npm run build`.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'server', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('jetson-nix: the CLI is not built yet; run `npm run build` (or `npm ci`) in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
require(cli);
