#!/usr/bin/env node
// natsim command-line entry: runs the compiled CLI from dist/ (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'sim', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('natsim: the compiled CLI is missing (dist/sim/cli.js); run `npm run build` (npm ci does it too)\n');
  process.exit(1);
}
// Output piped into a reader that stops early (`natsim rules save big.rules | head`): stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
