#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { readBuildInfo, versionLine } from './build-info.js';
import { runCli } from './cli/run-cli.js';

// `cost-events` (the package's bin, dist/cli.js): tools for operators. The server is dist/main.js.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  fetch: globalThis.fetch,
  writeFile: (path, data) => writeFile(path, data),
  now: () => new Date(),
  version: versionLine(readBuildInfo()),
});
