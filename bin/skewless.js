#!/usr/bin/env node
// The `skewless` command. Definitions are TypeScript, so tsx loads them; in this repository the
// CLI runs from its source, in the installed package from `dist/`.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const source = new URL('./skewless.ts', import.meta.url);
await import(
  existsSync(source) ? source.href : new URL('../dist/bin/skewless.js', import.meta.url).href
);
