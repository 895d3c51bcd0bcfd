#!/usr/bin/env node
// `npm test`: type-check, run the vitest suites, and end with one line `N passed, N failed`
// (from vitest's JSON report; a failed type check counts as one failure).
// Usage: node scripts/test.mjs [--config FILE] [--label NAME] [vitest args…]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
let config = null;
let skipTypecheck = false;
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--config') config = args[++i];
  else if (args[i] === '--no-typecheck') skipTypecheck = true;
  else rest.push(args[i]);
}

let failed = 0;
// The CLI tests run the built command, as a user would: build it first.
process.stdout.write('Build (tsc -p tsconfig.build.json)…\n');
if (spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' }).status !== 0) failed += 1;
if (!skipTypecheck) {
  process.stdout.write('Type check (tsc --noEmit)…\n');
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    process.stdout.write('Type check failed.\n');
    failed += 1;
  } else process.stdout.write('Type check passed.\n');
}

const dir = mkdtempSync(join(tmpdir(), 'natsim-test-'));
const report = join(dir, 'vitest.json');
const vargs = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
if (config) vargs.push('--config', config);
vargs.push(...rest);
const v = spawnSync('npx', vargs, { stdio: 'inherit' });
let passed = 0, skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A suite that failed to load has no tests counted: count it as a failure.
  failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
} else {
  failed += 1;
}
rmSync(dir, { recursive: true, force: true });
if (v.status !== 0 && failed === 0) failed = 1;
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failed > 0 ? 1 : 0;
