#!/usr/bin/env node
// `npm run test:kernel`: the kernel conformance suite (test/kernel, vitest.kernel.config.ts). The
// real kernel, in network namespaces, judges natsim: corpus lines, scenarios, generated rulesets
// and mutations. Prints a summary report (cases, agreed, disagreed, first differing lines, seed,
// reproduction command) and ends with one line `N passed, N failed`.
// Without root, `ip netns` or iptables-legacy-restore it prints why it is skipped and exits 0,
// unless NATSIM_KERNEL_REQUIRED=1 (CI), where a skip is a failure.
// Usage: node scripts/test-kernel.mjs [--seed S]... [--fresh N] [--legacy-only] [--verbose] [vitest args…]
//   --seed S     run the generated and mutation cases for seed S only (replay a failure)
//   --fresh N    run them for N fresh random seeds (each printed, so that a failure can be replayed)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const started = Date.now();
const args = process.argv.slice(2);
const seeds = [];
let fresh = 0;
let verbose = false;
let legacyOnly = false;
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--seed') seeds.push(...String(args[++i] ?? '').split(','));
  else if (a.startsWith('--seed=')) seeds.push(...a.slice(7).split(','));
  else if (a === '--fresh') fresh = Number(args[++i]);
  else if (a.startsWith('--fresh=')) fresh = Number(a.slice(8));
  else if (a === '--verbose') verbose = true;
  else if (a === '--legacy-only') legacyOnly = true;
  else rest.push(a);
}
if (!Number.isInteger(fresh) || fresh < 0) {
  console.error('--fresh needs a number of seeds');
  process.exit(2);
}
for (const s of seeds) {
  if (!/^\d+$/.test(s)) { console.error(`--seed needs a non-negative integer, not '${s}'`); process.exit(2); }
}
for (let i = 0; i < fresh; i++) {
  const s = String(randomInt(0, 2 ** 31));
  seeds.push(s);
  console.log(`fresh seed: ${s}  (replay: node scripts/test-kernel.mjs --seed ${s})`);
}

const required = process.env.NATSIM_KERNEL_REQUIRED === '1';
const runId = String(process.pid);
const prefix = `natsim-k-${runId}-`;

function onPath(name) {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && existsSync(join(d, name)));
}

function skipReason() {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return `not root (uid ${process.getuid?.()}); network namespaces need root`;
  if (!onPath('ip')) return '`ip` (iproute2) is not installed';
  if (!onPath('iptables-legacy-restore')) return 'iptables-legacy-restore is not installed';
  const probe = `${prefix}probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `\`ip netns add\` does not work here: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

const reason = skipReason();
if (reason) {
  if (required) {
    console.log(`Kernel suite cannot run (${reason}), and NATSIM_KERNEL_REQUIRED=1.`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`Kernel suite skipped: ${reason}.`);
  process.exit(0);
}

/** Delete every namespace of this run that is left (after a crash or an interrupt). */
function sweep() {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0];
    if (name && name.startsWith(prefix)) spawnSync('ip', ['netns', 'del', name]);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'natsim-kernel-'));
const reportJson = join(dir, 'vitest.json');
const records = join(dir, 'records.jsonl');
writeFileSync(records, '');
const vargs = ['vitest', 'run', '--config', 'vitest.kernel.config.ts', `--reporter=${verbose ? 'default' : 'dot'}`, '--reporter=json', `--outputFile.json=${reportJson}`];
// A seed replay runs only the seeded suites, unless files are named.
if (seeds.length && !rest.some((a) => a.endsWith('.ts'))) vargs.push('test/kernel/generated.test.ts', 'test/kernel/mutations.test.ts');
vargs.push(...rest);
const env = {
  ...process.env,
  NATSIM_KERNEL_RUN: runId,
  NATSIM_KERNEL_REPORT: records,
  ...(seeds.length ? { NATSIM_KERNEL_SEEDS: seeds.join(',') } : {}),
  ...(legacyOnly ? { NATSIM_KERNEL_NFT: '0' } : {}),
};

let interrupted = false;
const onSignal = (sig) => { interrupted = true; console.log(`\n${sig}: waiting for vitest to stop, then deleting this run's namespaces…`); };
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
const child = spawn('npx', vargs, { stdio: 'inherit', env });
const status = await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
sweep();

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(reportJson)) {
  const r = JSON.parse(readFileSync(reportJson, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
} else {
  failed = 1;
}
if (status !== 0 && failed === 0) failed = 1;
if (interrupted && failed === 0) failed = 1;

printSummary(records, join(dir, 'summary.txt'));
rmSync(reportJson, { force: true });
rmSync(records, { force: true });
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`kernel suite: ${secs} s${seeds.length ? `, seeds ${seeds.join(',')}` : ''}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;

/** The summary report: cases, agreed and disagreed per suite, then each disagreement. */
function printSummary(file, fullFile) {
  const recs = readFileSync(file, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  if (!recs.length) return;
  const out = [];
  const suites = [...new Set(recs.map((r) => r.suite))];
  out.push('', '=== Kernel conformance summary ===');
  out.push('suite        cases  agreed  disagreed  nft≠legacy');
  for (const s of suites) {
    const rs = recs.filter((r) => r.suite === s);
    const a = rs.filter((r) => r.agreed).length;
    const rules = rs.reduce((n, r) => n + (r.rules ?? 0), 0);
    const dropped = rs.reduce((n, r) => n + (r.dropped ?? 0), 0);
    out.push(`${s.padEnd(12)} ${String(rs.length).padStart(5)}  ${String(a).padStart(6)}  ${String(rs.length - a).padStart(9)}  ${String(rs.filter((r) => r.nft).length).padStart(10)}${rules ? `   (${rules} generated rules compared; ${dropped} more refused by the kernel and dropped)` : ''}`);
  }
  const all = recs.length;
  const agreed = recs.filter((r) => r.agreed).length;
  out.push(`${'total'.padEnd(12)} ${String(all).padStart(5)}  ${String(agreed).padStart(6)}  ${String(all - agreed).padStart(9)}  ${String(recs.filter((r) => r.nft).length).padStart(10)}`);
  const bad = recs.filter((r) => !r.agreed);
  const nft = recs.filter((r) => r.nft);
  const causes = (list, field, title) => {
    if (!list.length) return;
    const count = new Map();
    for (const r of list) {
      const sig = signature(String(r[field] ?? ''));
      count.set(sig, (count.get(sig) ?? 0) + 1);
    }
    out.push(`\n--- ${title}: most frequent causes ---`);
    [...count].sort((a, b) => b[1] - a[1]).slice(0, 12).forEach(([sig, n]) => out.push(`${String(n).padStart(5)}  ${sig}`));
  };
  causes(bad, 'detail', 'disagreements');
  causes(nft, 'nft', 'nft vs legacy');
  const full = [...out];
  const section = (title, list, fn, limit) => {
    if (!list.length) return;
    const head = `\n--- ${title} (${list.length}) ---`;
    out.push(head);
    full.push(head);
    list.forEach((r, i) => {
      const text = fn(r);
      full.push(text);
      if (i < limit) out.push(text);
    });
    if (list.length > limit) out.push(`… ${list.length - limit} more in ${fullFile}`);
  };
  mkdirSync(join(dir, 'inputs'), { recursive: true });
  section('disagreements (natsim vs legacy kernel, or kernel vs corpus)', bad, (r) => {
    let saved = '';
    if (r.input) {
      const f = join(dir, 'inputs', `${r.suite}-${r.id.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 80)}.rules`);
      writeFileSync(f, `# ${r.suite} ${r.id}\n# family: ${r.family}\n# reproduce: ${r.repro}\n${r.input}`);
      saved = `\n  input: ${f} (copy into test/kernel/regressions/ to keep it as a fixed case)`;
    }
    return `* [${r.suite}] ${r.id}${r.seed !== undefined ? ` (seed ${r.seed})` : ''}\n  ${String(r.detail ?? '').split('\n').join('\n  ')}\n  reproduce: ${r.repro}${saved}`;
  }, 40);
  section('where iptables-nft differs from legacy (not failures)', nft, (r) => `* [${r.suite}] ${r.id}\n  ${String(r.nft).split('\n').join('\n  ')}`, 15);
  writeFileSync(fullFile, full.join('\n') + '\n');
  console.log(out.join('\n'));
  console.log(`\nfull report: ${fullFile}`);
}

/** A short, generalised cause of a difference, to group cases by: the differing words of two saved lines, or the verdict message without its numbers. */
function signature(detail) {
  const pair = [...detail.matchAll(/^\s+([\w-]+): (".*")$/gm)].slice(0, 2);
  if (pair.length === 2) {
    try {
      const a = JSON.parse(pair[0][2]).split(' ');
      const b = JSON.parse(pair[1][2]).split(' ');
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      let ja = a.length;
      let jb = b.length;
      while (ja > i && jb > i && a[ja - 1] === b[jb - 1]) { ja--; jb--; }
      return `save differs: ${pair[0][1]} "${a.slice(i, ja).join(' ')}" vs ${pair[1][1]} "${b.slice(i, jb).join(' ')}"`;
    } catch { /* fall through */ }
  }
  const first = detail.split('\n')[0]
    .replace(/input:\d+:\d+: /g, '')
    .replace(/\(-A [^)]*\)/g, '(…)')
    .replace(/\b(rule|line|step|at line:?) \d+/g, '$1 N')
    .replace(/\b(chain|table) [^\s:(|]+/g, '$1 …')
    .replace(/'[^']*'/g, "'…'");
  return first.length > 160 ? `${first.slice(0, 160)}…` : first;
}
