/**
 * V8 tuning for natsim's long runs, set at run time: heap sizing and inlining. V8 lets the old
 * generation grow to about twice what was live at the last full collection before it collects
 * again; a replay whose conntrack table holds a quarter of a million entries, evicting one per
 * new connection, then peaks at twice the table's size in dead entries. A smaller growing factor (1.15) collects a little more often and
 * keeps the peak near the live size; measured on a 1,000,000-packet replay it cost no time
 * measurable on this machine (1.2 → 1.15: ≈ 5 MiB less peak RSS, 2.0 → 1.2: ≈ 160 MiB less).
 * `--heap-growing-percent` is read by V8 each time it sizes the heap, so setting it at start-up
 * takes effect; a flag given on the command line (`node --heap-growing-percent=… `) wins.
 */
import { setFlagsFromString } from 'node:v8';

/** Growth of the old generation over the live size, percent. */
export const HEAP_GROWING_PERCENT = 15;

/** The flags set so far (each once per process). */
const applied = new Set<string>();

/** Sets V8 flag `flag` once per process, unless node was started with a flag beginning with one of `given`. */
function setFlagOnce(flag: string, given: readonly string[]): void {
  if (applied.has(flag)) return;
  applied.add(flag);
  if (process.execArgv.some((a) => given.some((g) => a.startsWith(g)))) return;
  setFlagsFromString(flag);
}

/**
 * Applies the old generation's growing factor, and turns V8's allocation-site pretenuring off
 * (unless node was started with either flag). Pretenuring sends the objects of an allocation
 * site straight to the old generation once most of them have survived — which the rule entries
 * of a large ruleset compiled at start do — and then every later compile's short-lived entries
 * land there too: `natsim diff` of two 10,000-service rulesets (an engine per service and
 * outcome) spent 61% of its time in full collections, 18.7 s; without pretenuring 7.7 s, same
 * output. Measured no slower elsewhere (the replay benchmark, loading and saving that ruleset).
 */
export function tuneHeap(): void {
  setFlagOnce(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, ['--heap-growing-percent']);
  noPretenuring();
}

/** Turns allocation-site pretenuring off (see `tuneHeap`; the benchmark runs with it off too). */
export function noPretenuring(): void {
  setFlagOnce('--no-allocation-site-pretenuring', ['--allocation-site-pretenuring', '--no-allocation-site-pretenuring']);
}

/**
 * Keeps V8's young generation at its starting size (1 MiB semispaces) from now on, for runs that
 * hold a large table of long-lived objects (`natsim replay`: up to `nf_conntrack_max` conntrack
 * entries). By default the young generation grows to 16 MiB semispaces once most of what it
 * holds survives — which every new conntrack entry does — and a larger young generation also lets
 * the old one sit on more memory between collections; measured on the 1,000,000-packet replay
 * benchmark, keeping it small lowers the peak RSS by about 40 MiB for 8-15% more time (more,
 * smaller scavenges). `--semi-space-growth-factor` is read at each scavenge, so setting it at
 * run time works; one given on the command line wins.
 */
export function capYoungGeneration(): void {
  setFlagOnce('--semi-space-growth-factor=1', ['--semi-space-growth-factor', '--max-semi-space-size']);
}

/** Bytecode TurboFan may inline into one optimised function, in all (V8's default is 920). */
export const INLINE_BUDGET = 3000;

/**
 * Lets V8 inline more into one optimised function: the per-packet path (a hook, its tables, the
 * matches and targets, conntrack and NAT) is a deep tree of small functions, and with V8's
 * default cumulative budget much of it stays calls. Measured on the 1,000,000-packet replay
 * benchmark, alternating runs: 7% less time (3,626 -> 3,372 ms, medians of 7; budgets up to
 * 16000 gave no more), and a peak RSS about 5 MiB higher (170 -> 176 MiB). Read by the optimising compiler each time it compiles, so
 * setting it before the hot code is optimised takes effect; any inlining-size flag given on
 * node's command line wins.
 */
export function widenInlining(): void {
  setFlagOnce(`--max-inlined-bytecode-size-cumulative=${INLINE_BUDGET}`, ['--max-inlined-bytecode-size']);
}
