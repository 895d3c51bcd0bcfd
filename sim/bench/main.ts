/**
 * `npm run bench`: generates a kube-proxy node dump of 10,000 ClusterIP services × 3 endpoints
 * (about 150,000 lines) and measures natsim's load and save of it (medians after warm-up, with
 * memory), a baseline in the same run (splitting the text into lines and tokenising every line),
 * and, when running as root with `ip netns` and the legacy iptables tools, the kernel's own
 * iptables-restore and iptables-save of the same file in throwaway namespaces. Prints a table
 * with the targets (load < 1 s, save < 0.5 s, load faster than the kernel restore) and says
 * plainly when one is missed; exits 0 either way.
 *
 * Then the engine (`./engine.ts`): new connections per second on the seed node (target 300,000/s),
 * packets per second of its established flows (target 1,000,000/s) and new connections per second
 * on the generated ruleset, each beside a decode-only baseline loop over the same packets.
 * Options: --services N, --endpoints E, --runs R, --warmup W, --kernel-runs K, --no-kernel,
 * --conns N (seed new connections per run), --flows F and --rounds R (established: F flows, R
 * rounds of one packet each way per run), --big-conns N (new connections per run on the
 * generated ruleset), --no-engine, --no-load (engine figures only; the ruleset is still loaded).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleset } from '../../engine/ruleset/load.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { saveRuleset } from '../../engine/ruleset/save.js';
import { tokenizeLine } from '../../engine/ruleset/tokenize.js';
import { EXAMPLE_NODE, syntheticCluster } from '../kube/examples.js';
import { generateKubeRuleset } from '../kube/generate.js';
import { benchBigNew, benchEstablished, benchFlowsBig, benchFlowsSeed, benchSeedNew, benchWholeRuleset, engineSink, type EngineBenchOptions, type EngineFigure } from './engine.js';
import { benchCaptureRead } from './capture.js';
import { benchReplay, benchReplayConversations, benchReplayGrowth } from './replay.js';
import { kernelRestore, type KernelResult } from './kernel.js';
import { canCollect, collect, memory, timeRuns, type Memory, type Timing } from './measure.js';
import { noPretenuring, widenInlining } from '../heap.js';

/** Benchmark settings from the command line. */
export interface BenchOptions {
  services: number;
  endpoints: number;
  runs: number;
  warmup: number;
  kernelRuns: number;
  kernel: boolean;
  /** Engine figures: seed new connections, established flows × rounds, large-ruleset new connections. */
  conns: number;
  flows: number;
  rounds: number;
  bigConns: number;
  engine: boolean;
  load: boolean;
}

/** Targets printed beside the figures. */
export const TARGETS = { loadMs: 1000, saveMs: 500 } as const;

/** The options `npm run bench` takes. */
const BENCH_OPTIONS = '--services N --endpoints N --runs N --warmup N --kernel-runs N --conns N --flows N --rounds N --big-conns N --no-kernel --no-engine --no-load';

/** A bad bench option: reported without a stack trace. */
class BenchUsageError extends Error {}

/** Parse `--name value` options (unknown ones are refused). */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    services: 10000, endpoints: 3, runs: 5, warmup: 1, kernelRuns: 3, kernel: true,
    conns: 50000, flows: 1000, rounds: 100, bigConns: 2000, engine: true, load: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new BenchUsageError(`${a} needs a non-negative integer`);
      return v;
    };
    switch (a) {
      case '--services': o.services = num(); break;
      case '--endpoints': o.endpoints = num(); break;
      case '--runs': o.runs = Math.max(1, num()); break;
      case '--warmup': o.warmup = num(); break;
      case '--kernel-runs': o.kernelRuns = Math.max(1, num()); break;
      case '--no-kernel': o.kernel = false; break;
      case '--conns': o.conns = Math.max(1, num()); break;
      case '--flows': o.flows = Math.max(1, num()); break;
      case '--rounds': o.rounds = Math.max(1, num()); break;
      case '--big-conns': o.bigConns = Math.max(1, num()); break;
      case '--no-engine': o.engine = false; break;
      case '--no-load': o.load = false; break;
      case '--help': case '-h':
        process.stdout.write(`usage: npm run bench -- [options]\n  ${BENCH_OPTIONS}\n  --no-kernel skips the kernel's iptables-restore timings, --no-load the load/save section, --no-engine the engine and replay sections\n`);
        process.exit(0);
      // falls through (exit does not return)
      default: throw new BenchUsageError(`unknown option ${a} (known: ${BENCH_OPTIONS})`);
    }
  }
  return o;
}

/** The baseline: split into lines and tokenise each rule or chain line; returns the word count. */
export function tokenizeAll(text: string): number {
  let words = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line[0] === '#' || line[0] === '*') continue;
    words += tokenizeLine(line).words.length;
  }
  return words;
}

/** Table blocks of a save, without `#` lines, sorted by table name (the kernel orders tables by age). */
function tableBlocks(text: string): string[] {
  const body = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  return body.split(/\n(?=\*)/).map((b) => b.trim()).filter((b) => b !== '').sort();
}

const ms = (x: number): string => `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`;
const mib = (x: number): string => `${x.toFixed(0)} MiB`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const num = (n: number): string => n.toLocaleString('en-US');

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/** Run the benchmark and print its report. */
export function runBench(opts: BenchOptions): void {
  const out: Out = (s = ''): void => { process.stdout.write(s + '\n'); };

  // The seed-node figures first, while the heap is small: the 10,000-service ruleset the later
  // sections hold (100+ MiB) would otherwise be marked by every full collection they trigger.
  const early = opts.engine ? seedFigures(opts) : null;

  const t0 = performance.now();
  const services = syntheticCluster(opts.services, opts.endpoints);
  const gen = generateKubeRuleset(services, EXAMPLE_NODE);
  const genMs = performance.now() - t0;
  const text = gen.dump;
  const lines = text.split('\n').length - 1;
  const file = join(tmpdir(), `natsim-bench-${process.pid}.rules`);
  writeFileSync(file, text);

  out(`natsim bench: ${num(opts.services)} ClusterIP services × ${opts.endpoints} endpoints, node ${EXAMPLE_NODE.ip}`);
  out(`  dump: ${num(lines)} lines, ${(text.length / 2 ** 20).toFixed(1)} MiB; nat ${num(gen.counts.nat!.rules)} rules in ${num(gen.counts.nat!.chains)} chains (generated in ${ms(genMs)})`);
  out(`  node ${process.version}, ${availableParallelism()} CPUs, gc ${canCollect() ? 'exposed' : 'NOT exposed (run with --expose-gc)'}; natsim figures are the median of ${opts.runs} runs after ${opts.warmup} warm-up`);
  out();

  const missed: string[] = [];
  let big: Ruleset | null = null;
  if (opts.load) {
    big = loadSaveSection(opts, text, file, out, missed);
  } else {
    rmSync(file, { force: true });
    out('load/save section skipped (--no-load)');
    out();
  }
  if (opts.engine) {
    if (!big) big = loadRuleset([{ text, file: 'bench.rules' }]);
    engineSection(opts, big, early!, out, missed);
  }
  out();
  if (missed.length === 0) out('all targets met');
  else for (const m of missed) out(`TARGET MISSED: ${m}`);
}

type Out = (s?: string) => void;

/** Load and save of the generated dump, against the tokenise baseline and the kernel; returns a loaded ruleset (or null). */
function loadSaveSection(opts: BenchOptions, text: string, file: string, out: Out, missed: string[]): Ruleset | null {

  // Baseline.
  const base = timeRuns(() => tokenizeAll(text), opts.runs, opts.warmup);

  // Load.
  collect();
  const memBefore = memory();
  let load: { timing: Timing; result: Ruleset } | null = null;
  let loadError: string | null = null;
  try {
    load = timeRuns(() => loadRuleset([{ text, file: 'bench.rules' }]), opts.runs, opts.warmup);
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
  }
  const memAfterLoad = memory();
  collect();
  const memRetained = memory();

  // Save.
  let save: { timing: Timing; result: string } | null = null;
  let fixpoint: boolean | null = null;
  if (load) {
    const rs = load.result;
    save = timeRuns(() => saveRuleset(rs, { comments: false }), opts.runs, opts.warmup);
    // Save lists tables newest first (as iptables-legacy-save does), so compare table by table.
    fixpoint = tableBlocks(save.result).join('\n') === tableBlocks(text).join('\n');
  }
  const memAfterSave = memory();

  // Kernel.
  let kernel: KernelResult = { ok: false, reason: 'skipped (--no-kernel)' };
  if (opts.kernel) kernel = kernelRestore(file, opts.kernelRuns);
  rmSync(file, { force: true });

  // Report.
  const widths = [34, 10, 10, 12, 14, 8];
  out(row(['step', 'median', 'min', 'vs baseline', 'target', 'verdict'], widths));
  out(row(['-'.repeat(34), '-'.repeat(10), '-'.repeat(10), '-'.repeat(12), '-'.repeat(14), '-'.repeat(8)], widths));
  out(row(['baseline: split + tokenise', ms(base.timing.median), ms(base.timing.min), '1.00×', '', ''], widths));
  if (load) {
    const ok = load.timing.median < TARGETS.loadMs;
    if (!ok) missed.push(`load took ${ms(load.timing.median)} (target < ${TARGETS.loadMs} ms)`);
    out(row(['natsim load (loadRuleset)', ms(load.timing.median), ms(load.timing.min), ratio(load.timing.median, base.timing.median), `< ${TARGETS.loadMs} ms`, ok ? 'met' : 'MISSED'], widths));
  } else {
    missed.push('load could not run');
    out(row(['natsim load (loadRuleset)', 'failed', '', '', `< ${TARGETS.loadMs} ms`, 'n/a'], widths));
  }
  if (save) {
    const ok = save.timing.median < TARGETS.saveMs;
    if (!ok) missed.push(`save took ${ms(save.timing.median)} (target < ${TARGETS.saveMs} ms)`);
    out(row(['natsim save (saveRuleset)', ms(save.timing.median), ms(save.timing.min), ratio(save.timing.median, base.timing.median), `< ${TARGETS.saveMs} ms`, ok ? 'met' : 'MISSED'], widths));
  } else {
    out(row(['natsim save (saveRuleset)', 'not run', '', '', `< ${TARGETS.saveMs} ms`, 'n/a'], widths));
  }
  if (kernel.ok) {
    out(row([`kernel iptables-legacy-restore (×${kernel.restore.runs.length})`, ms(kernel.restore.median), ms(kernel.restore.min), ratio(kernel.restore.median, base.timing.median), '', ''], widths));
    out(row([`kernel iptables-legacy-save (×${kernel.save.runs.length})`, ms(kernel.save.median), ms(kernel.save.min), ratio(kernel.save.median, base.timing.median), '', ''], widths));
    out(row(['  (ip netns exec + process start)', ms(kernel.execOverhead), '', '', '', ''], widths));
    if (load) {
      const r = load.timing.median / kernel.restore.median;
      if (r >= 1) missed.push(`load is slower than the kernel's restore (${r.toFixed(2)}×)`);
      out(row(['natsim load / kernel restore', ratio(load.timing.median, kernel.restore.median), '', '', '< 1.00×', r < 1 ? 'met' : 'MISSED'], widths));
    } else {
      out(row(['natsim load / kernel restore', 'n/a', '', '', '< 1.00×', 'n/a'], widths));
    }
    if (save) out(row(['natsim save / kernel save', ratio(save.timing.median, kernel.save.median), '', '', '', ''], widths));
  } else {
    out(row(['kernel iptables-legacy-restore', 'n/a', '', '', '', ''], widths));
    out(`  kernel comparison not run: ${kernel.reason}`);
  }
  out();
  const memLine = (label: string, m: Memory): string => `${label.padEnd(34)}  peak RSS ${mib(m.peakRss).padStart(8)}   heap ${mib(m.heapUsed).padStart(8)}`;
  out('memory');
  out(memLine('  before load', memBefore));
  out(memLine('  after the load runs', memAfterLoad));
  out(memLine('  one ruleset held (after gc)', memRetained) + `   (+${mib(memRetained.heapUsed - memBefore.heapUsed)} for the ruleset)`);
  out(memLine('  after the save runs', memAfterSave));
  out();
  out('checks');
  out(`  natsim save(load(dump)) == dump (table by table): ${fixpoint === null ? 'not run' : fixpoint ? 'yes' : 'NO'}`);
  if (kernel.ok) {
    const same = tableBlocks(kernel.savedText).join('\n') === tableBlocks(text).join('\n');
    out(`  kernel iptables-legacy-save == dump (table by table): ${same ? 'yes' : 'NO'}`);
  }
  if (loadError) out(`  load failed: ${loadError}`);
  return load ? load.result : null;
}

const rate = (x: number): string => `${x >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : x >= 1e4 ? (x / 1e3).toFixed(0) + ' k' : (x / 1e3).toFixed(1) + ' k'}/s`;

/** A figure, or why it could not run. */
type FigureRun = { figure: EngineFigure } | { label: string; error: string };

function tryFigure(label: string, f: () => EngineFigure): FigureRun {
  try { return { figure: f() }; } catch (e) {
    return { label, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
}

function engineOptions(opts: BenchOptions): EngineBenchOptions {
  return { runs: opts.runs, warmup: opts.warmup, conns: opts.conns, flows: opts.flows, rounds: opts.rounds, bigConns: opts.bigConns };
}

/** The seed-node figures (a), (b), (d), measured before anything large is on the heap. */
function seedFigures(opts: BenchOptions): { a: FigureRun; b: FigureRun; d: FigureRun } {
  const eo = engineOptions(opts);
  return {
    a: tryFigure('(a) seed new connections', () => benchSeedNew(eo)),
    b: tryFigure('(b) seed established flows', () => benchEstablished(eo)),
    d: tryFigure('(d) natsim flows, seed node', () => benchFlowsSeed(eo)),
  };
}

/** The engine figures, each beside its baseline. */
function engineSection(opts: BenchOptions, big: Ruleset, early: { a: FigureRun; b: FigureRun; d: FigureRun }, out: Out, missed: string[]): void {
  out();
  const eo = engineOptions(opts);
  out('engine: packets through the node on one JavaScript thread (trace off), each figure the median of');
  out(`  ${opts.runs} runs after ${opts.warmup} warm-up; baseline = the same loop without the engine (copy the datagram, decodePacket);`);
  out('  (a), (b) and (d) ran first, before the 10,000-service ruleset was built (it would burden their garbage collections)');
  const figures: EngineFigure[] = [];
  const take = (r: FigureRun): void => {
    if ('figure' in r) { figures.push(r.figure); return; }
    missed.push(`${r.label} could not run`);
    out(`  ${r.label} failed: ${r.error}`);
  };
  const tryFig = (label: string, f: () => EngineFigure): void => take(tryFigure(label, f));
  take(early.a);
  take(early.b);
  tryFig('(c) large-ruleset new connections', () => benchBigNew(eo, big, opts.services, EXAMPLE_NODE.ip));
  take(early.d);
  tryFig('(e) natsim flows, large ruleset', () => benchFlowsBig(eo, big, opts.services, EXAMPLE_NODE.ip));
  tryFig('(f) capture reading, pcap', () => benchCaptureRead({ runs: opts.runs, warmup: opts.warmup, format: 'pcap' }));
  tryFig('(g) capture reading, pcapng', () => benchCaptureRead({ runs: opts.runs, warmup: opts.warmup, format: 'pcapng' }));
  out();
  const widths = [48, 9, 10, 10, 11, 12, 12, 8];
  out(row(['figure', 'packets', 'median', 'min', 'rate', 'vs baseline', 'target', 'verdict'], widths));
  out(row(['-'.repeat(48), '-'.repeat(9), '-'.repeat(10), '-'.repeat(10), '-'.repeat(11), '-'.repeat(12), '-'.repeat(12), '-'.repeat(8)], widths));
  for (const f of figures) {
    out(row(['  baseline: copy + decodePacket', num(f.packets), ms(f.baseline.median), ms(f.baseline.min), rate(f.baselineRate), '1.00×', '', ''], widths));
    const met = f.target === null ? null : f.rate >= f.target;
    if (met === false) missed.push(`${f.label.replace(/^\(\w\) /, '')}: ${rate(f.rate)} (target ${rate(f.target!)})`);
    out(row([f.label, num(f.packets), ms(f.engine.median), ms(f.engine.min), rate(f.rate), ratio(f.engine.median, f.baseline.median), f.target === null ? '(none)' : `≥ ${rate(f.target)}`, met === null ? '' : met ? 'met' : 'MISSED'], widths));
  }
  out();
  out('engine checks');
  for (const f of figures) {
    out(`  ${f.label.slice(0, 3)} ${f.checkOk ? 'ok' : 'UNEXPECTED'}: ${f.check}`);
    out(`      engine time per packet ${(1e6 / f.rate).toFixed(2)} µs (baseline ${(1e6 / f.baselineRate).toFixed(2)} µs); process CPU/wall over the timed runs ${f.cpuPerWall.toFixed(2)} (1.00 = one core)`);
    if (!f.checkOk) missed.push(`${f.label}: results were not as expected (${f.check})`);
  }
  // (h) Whole-ruleset commands: one run each (seconds long, steady).
  try {
    const h = benchWholeRuleset(big, EXAMPLE_NODE.ip, 10);
    out();
    out(`whole-ruleset commands on the ${num(h.services)}-service ruleset (one run each; the ruleset compiled once per command)`);
    out(`  (h) natsim diff, every service's exact split on both sides   ${ms(h.diffMs).padStart(10)}   ${num(Math.round((2 * h.services) / (h.diffMs / 1000)))} splits/s   ${h.diffOk ? 'ok' : 'UNEXPECTED'}`);
    out(`  (h) natsim flows --all-services --count ${h.flowsCount}               ${ms(h.flowsMs).padStart(10)}   ${num(Math.round(h.services / (h.flowsMs / 1000)))} services/s   ${h.flowsOk ? 'ok' : 'UNEXPECTED'}`);
    if (!h.diffOk || !h.flowsOk) missed.push('(h) whole-ruleset commands: results were not as expected');
  } catch (e) {
    missed.push('(h) whole-ruleset commands could not run');
    out(`  (h) failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  void engineSink();
}

/** Targets of the capture replay (issue: replay captures). */
const REPLAY_TARGETS = { replayPerSec: 500_000, peakRssMiB: 200 } as const;
/** New connections per second of the conversations capture (a busy node's DNS). */
const CONVERSATION_RATE = 5_000;

/** The full capture replay: 1,000,000 packets through the seed node, beside reading alone. */
async function runReplayBench(opts: BenchOptions): Promise<void> {
  const out = (s = ''): void => { process.stdout.write(s + '\n'); };
  if (!opts.engine) return;
  const runs = Math.max(1, Math.min(opts.runs, 3));
  const f = await benchReplay({ runs });
  const rate = f.packets / (f.replayMs / 1000);
  const readRate = f.packets / (f.readMs / 1000);
  out();
  out(`capture replay: ${f.packets.toLocaleString('en-US')} generated packets (DNS queries and TCP SYNs to 10.96.0.10:53, new connections) through the seed node, median of ${runs}`);
  out(`  reading alone (streaming from the file)   ${f.readMs.toFixed(0).padStart(8)} ms   ${(readRate / 1e6).toFixed(2)} M packets/s   (baseline 1.00×)`);
  out(`  natsim replay --summary                   ${f.replayMs.toFixed(0).padStart(8)} ms   ${(rate / 1e3).toFixed(0)} k packets/s   ${(f.replayMs / f.readMs).toFixed(1)}× the reading time   target ≥ ${REPLAY_TARGETS.replayPerSec / 1e3}k/s: ${rate >= REPLAY_TARGETS.replayPerSec ? 'met' : 'MISSED'}`);
  const floorRate = f.packets / (f.floorMs / 1000);
  out(`  floor: the table work alone (see below)   ${f.floorMs.toFixed(0).padStart(8)} ms   ${(floorRate / 1e3).toFixed(0)} k packets/s   ${(1000 * f.floorMs / f.packets).toFixed(2)} µs of the ${(1e6 / REPLAY_TARGETS.replayPerSec).toFixed(2)} µs per packet the target allows; the replay is ${(f.replayMs / f.floorMs).toFixed(1)}× it`);
  out(`    (the least a kernel-faithful replay of this capture does per packet, over typed arrays, in this process: read the record, look the tuple up, draw the endpoint and search a MASQUERADE port, early-drop ${f.floorEarlyDropped.toLocaleString('en-US')} entries in all, insert two nodes, rewrite the addresses — no rules, no objects, no summary; sim/bench/replay-floor.ts)`);
  const rssOk = f.maxPeakRssMiB * 2 ** 20 < REPLAY_TARGETS.peakRssMiB * 1e6;
  out(`  peak RSS of the replay process            ${f.peakRssMiB.toFixed(0).padStart(8)} MiB median, ${f.maxPeakRssMiB.toFixed(0)} MiB largest   target < ${REPLAY_TARGETS.peakRssMiB} MB: ${rssOk ? 'met' : 'MISSED'}`);
  const long = benchReplayGrowth({ packets: f.packets, factor: 2, runs });
  out(`  the same, twice as long (median of ${runs})     ${long.ms.toFixed(0).padStart(8)} ms   ${(long.packets / (long.ms / 1000) / 1e3).toFixed(0)} k packets/s   peak RSS ${long.peakRssMiB.toFixed(0)} MiB median, ${long.maxPeakRssMiB.toFixed(0)} MiB largest (${long.peakRssMiB <= f.peakRssMiB * 1.1 ? 'flat' : 'GROWS'} as the capture grows)`);
  const conv = benchReplayConversations({ packets: f.packets, rate: CONVERSATION_RATE, runs });
  const convRate = conv.packets / (conv.replayMs / 1000);
  out(`capture replay of whole conversations: ${conv.packets.toLocaleString('en-US')} packets of ${conv.connections.toLocaleString('en-US')} DNS connections (3 of 4 UDP query + answer, 1 of 4 TCP: handshake, query, answer, close), ${conv.rate.toLocaleString('en-US')} new per second over ${conv.seconds} s of capture, ${conv.replies.toLocaleString('en-US')} answers replayed as replies; median of ${runs} (for comparison; the targets are judged on the capture above)`);
  out(`  natsim replay --summary                   ${conv.replayMs.toFixed(0).padStart(8)} ms   ${(convRate / 1e3).toFixed(0)} k packets/s   peak RSS ${conv.peakRssMiB.toFixed(0)} MiB with ${conv.entries.toLocaleString('en-US')} conntrack entries live at the end`);
  if (rate < REPLAY_TARGETS.replayPerSec) out(`TARGET MISSED: capture replay ${(rate / 1e3).toFixed(0)} k packets/s (target ${REPLAY_TARGETS.replayPerSec / 1e3} k/s)`);
  if (!rssOk) out(`TARGET MISSED: capture replay peak RSS ${f.maxPeakRssMiB.toFixed(0)} MiB (target < ${REPLAY_TARGETS.peakRssMiB} MB)`);
}

try {
  const opts = parseBenchArgs(process.argv.slice(2));
  // The engine figures are measured in this process: with V8's inlining budget as natsim's CLI
  // sets it (the replay's child process runs the CLI and gets it there).
  widenInlining();
  noPretenuring();
  runBench(opts);
  await runReplayBench(opts);
} catch (e) {
  if (e instanceof BenchUsageError) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
  process.stdout.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
}
process.exitCode = 0;
