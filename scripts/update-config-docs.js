#!/usr/bin/env node
'use strict';
// Rewrites the configuration table in README.md from the zod schema (run after `npm run build`).
const fs = require('node:fs');
const path = require('node:path');
const { renderConfigReference, REFERENCE_START, REFERENCE_END } = require('../dist/config/config-reference.js');

const readme = path.join(__dirname, '..', 'README.md');
const text = fs.readFileSync(readme, 'utf8');
const start = text.indexOf(REFERENCE_START);
const end = text.indexOf(REFERENCE_END);
if (start < 0 || end < 0) {
  process.stderr.write('README.md has no config-reference markers\n');
  process.exit(1);
}
fs.writeFileSync(readme, text.slice(0, start) + renderConfigReference() + text.slice(end + REFERENCE_END.length));
process.stdout.write('README.md configuration table updated\n');
