/**
 * Rule traversal as the kernel's `ipt_do_table` / `ip6t_do_table`: the header match, then every
 * match in order (the first that fails ends the rule), then the counters (1 packet and the IP
 * length, before the target runs), then the target; an explicit jump stack, gotos that do not
 * push, RETURN popping or falling to the built-in chain's policy, which counts like a rule.
 */
import { NatsimError, EXIT_OTHER } from './errors.js';
import type { Words } from './net/addr.js';
import type { HookName } from './ext/types.js';
import type { Packet } from './packet.js';
import { tableRunner } from './codegen.js';
import { hookIndex, nextForDst, notModelled, type CompiledTable, type DstIndex, type Entry, type RuleEntry, type RunTableContext } from './compile.js';

/** The verdict of a table at a hook. */
export type TableVerdict = 'ACCEPT' | 'DROP';

/** One step of a packet's path through a table, for the trace. */
export interface TraceStep {
  table: string;
  hook: HookName;
  chain: string;
  /** Rule number in the chain; for a tail, the rule count + 1. */
  num: number;
  /** The entry evaluated (format it with `ruleText` for display). */
  entry: Entry;
  /** Whether the rule matched (always true for a tail reached). */
  matched: boolean;
  /** For a rule that did not match: the part that failed (`-s`, `-i`, `-p`, `-m statistic`…). */
  failed?: string;
  /** For a matched rule: what happened (`ACCEPT`, `jump KUBE-SVC-…`, `DNAT`, `continue`, `policy ACCEPT`…). */
  action?: string;
}

function addrMatch(a: Words, want: Words, mask: Words): boolean {
  for (let i = 0; i < want.length; i++) if (((a[i]! & mask[i]!) >>> 0) !== want[i]) return false;
  return true;
}

function ifaceMatch(have: string | null, name: string, prefix: boolean): boolean {
  const h = have ?? '';
  return prefix ? h.startsWith(name) : h === name;
}

/** The part of the rule header that fails for this packet, or null when it matches (`ip_packet_match`). */
export function headerMismatch(e: RuleEntry, p: Packet): string | null {
  if (e.src && addrMatch(p.src, e.src, e.srcMask!) === e.srcInv) return '-s';
  if (e.dst && addrMatch(p.dst, e.dst, e.dstMask!) === e.dstInv) return '-d';
  if (e.inName !== null && ifaceMatch(p.inIface, e.inName, e.inPrefix) === e.inInv) return '-i';
  if (e.outName !== null && ifaceMatch(p.outIface, e.outName, e.outPrefix) === e.outInv) return '-o';
  if (e.proto !== 0 && (p.proto === e.proto) === e.protoInv) return '-p';
  if (e.frag !== null) {
    const isFrag = p.fragOffset !== 0;
    if (e.frag ? !isFrag : isFrag) return '-f';
  }
  return null;
}

/**
 * Run the packet through one table at one hook. `hotdrop` is set by a match that cannot read its
 * header. Counters of the rules and policies are updated in place. Without a trace, the table's
 * generated code runs it when it has some (`tableRunner`; `generated` false: always interpreted),
 * recording the run's decisions when `record` is true (the interpreter always records them).
 */
export function runTable(t: CompiledTable, hook: HookName, p: Packet, ctx: RunTableContext, trace: TraceStep[] | null, generated = true, record = false): TableVerdict {
  const h = hookIndex(hook);
  if (trace === null && generated) {
    const run = tableRunner(t, h, record);
    if (run !== null) return run(p, ctx);
  }
  const i = t.startAt[h]!;
  const underflow = t.underflowAt[h]!;
  // Skipping rules for other destinations, unless a trace must list every rule.
  const ix = trace === null && p.family === 'ipv4' ? t.dstIndex : null;
  // The jump stack: this run's frames sit above `base` in the shared stack (a traversal never
  // starts another one, but the frames are released on every way out all the same).
  const base = jumpTop;
  try {
    return walk(t, hook, p, ctx, trace, i, underflow, ix, base);
  } finally {
    jumpTop = base;
  }
}

/** Return addresses of all traversals under way, one shared array (no array per table run). */
const jumpStack: number[] = [];
let jumpTop = 0;

function walk(t: CompiledTable, hook: HookName, p: Packet, ctx: RunTableContext, trace: TraceStep[] | null, start: number, underflow: number, ix: DstIndex | null, base: number): TableVerdict {
  const entries = t.entries;
  let i = start;
  for (let steps = 0; ; steps++) {
    if (steps > 1_000_000) throw new NatsimError('INTERNAL', `table ${t.name}: traversal did not end`, {}, EXIT_OTHER);
    const e = entries[i]!;
    if (e.kind === 'tail') {
      if (e.policy !== null) {
        e.counters.packets++;
        e.counters.bytes += p.length;
        ctx.matched = e;
        trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: true, action: `policy ${e.policy}` });
        return e.policy;
      }
      trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: true, action: 'return' });
      i = jumpTop > base ? jumpStack[--jumpTop]! + 1 : underflow;
      continue;
    }
    // A rule for another single destination: go straight to the next rule that can match.
    if (e.keyedDst && ix !== null && p.dst[0] !== e.dst![0]) {
      i = nextForDst(ix, i + 1, p.dst[0]!);
      continue;
    }
    const bad = headerMismatch(e, p);
    if (bad) {
      trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: false, failed: bad });
      i++;
      continue;
    }
    // The first match that fails (its name is spelled out only when tracing).
    let failed = -1;
    const ms = e.matches;
    for (let k = 0; k < ms.length; k++) {
      const m = ms[k]!;
      if (m.match === null) throw notModelled(`match "${m.ext.name}"`, e);
      // Called as the extension's method would be: they take everything as arguments.
      const ok = m.match(m.state, p, m.rt, ctx);
      if (ctx.dropped) {
        trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: false, failed: `-m ${m.ext.name}`, action: 'hotdrop' });
        return 'DROP';
      }
      if (!ok) { failed = k; break; }
    }
    if (failed >= 0) {
      trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: false, failed: `-m ${ms[failed]!.ext.name}` });
      i++;
      continue;
    }
    e.counters.packets++;
    e.counters.bytes += p.length;
    ctx.matched = e;
    const tg = e.target;
    if (tg.kind === 'ext' && tg.nat && ctx.natRule === null) ctx.natRule = e;
    switch (tg.kind) {
      case 'none':
        trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: true, action: 'continue' });
        i++;
        continue;
      case 'verdict':
        trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: true, action: tg.verdict });
        if (tg.verdict === 'ACCEPT') return 'ACCEPT';
        // QUEUE without a userspace listener drops, as the kernel does.
        if (tg.verdict === 'DROP' || tg.verdict === 'QUEUE') return 'DROP';
        i = jumpTop > base ? jumpStack[--jumpTop]! + 1 : underflow;
        continue;
      case 'jump':
        trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: true, action: `${tg.goto ? 'goto' : 'jump'} ${tg.chain}` });
        if (!tg.goto) jumpStack[jumpTop++] = i;
        i = tg.to;
        continue;
      case 'ext': {
        if (tg.target === null) throw notModelled(`target ${tg.ext.name}`, e);
        const v = tg.target(tg.state, p, tg.rt, ctx);
        trace?.push({ table: t.name, hook, chain: e.chain.name, num: e.num, entry: e, matched: true, action: v.kind === 'continue' ? `${tg.ext.name}, continue` : `${tg.ext.name} → ${v.kind.toUpperCase()}` });
        if (v.kind === 'accept') return 'ACCEPT';
        if (v.kind === 'drop') return 'DROP';
        i++;
        continue;
      }
    }
  }
}
