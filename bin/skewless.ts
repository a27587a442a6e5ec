#!/usr/bin/env -S node --import tsx
/** The `skewless` CLI. Exit codes: 0 ok, 1 failure, 2 bad input, 3 refused (breaking plan, alert, invalid backfill rows). */
// First: before any module can build an AWS SDK client.
import '../lib/cli/node-support.ts';
import { buildProgram } from '../lib/cli/program.ts';
import { runProgram } from '../lib/cli/run.ts';

await runProgram(buildProgram(), process.argv);
