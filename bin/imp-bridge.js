#!/usr/bin/env node
'use strict';
// The CLI runs from the compiled output (built by `npm ci` through the `prepare` script).
require('../dist/cli/main.js')
  .runCli(process.argv)
  .catch((err) => {
    process.stderr.write(`imp-bridge: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  });
