#!/usr/bin/env node
// Entry point of the `gpt-lab` command. The TypeScript sources in src/ are compiled to dist/ by
// `npm install` (the `prepare` script) or `npm run build`.
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli.js');
if (!fs.existsSync(entry)) {
  console.error(`gpt-lab: ${entry} is missing; build the project first with: npm run build`);
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
