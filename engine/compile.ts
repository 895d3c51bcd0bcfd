/**
 * A ruleset compiled for running packets, as the kernel lays a table out for `ipt_do_table`: one
 * flat array of entries per table, each chain's rules followed by its tail (the policy of a
 * built-in chain, an implicit RETURN for a user chain), jumps resolved to entry indexes, the
 * header match precomputed, and each extension's per-rule runtime state made once.
 */
import { NatsimError, EXIT_OTHER } from './errors.js';
import type { Family, Words } from './net/addr.js';
import type { HookName, MatchExtension, PacketContext, TableName, TargetExtension } from './ext/types.js';
import type { Packet } from './packet.js';
import { BUILTIN_CHAINS, chainsInSaveOrder, type Chain, type Counters, type Rule, type Ruleset } from './ruleset/model.js';
import { comment } from './ext/match/comment.js';

/**
 * A compiled match: extension, parsed options and runtime state, and the extension's `match`
 * function itself (null when it has no packet behaviour): read from one shape of object on the
 * per-packet path, not from sixty-odd extension objects of as many shapes.
 */
export interface CompiledMatch {
  ext: MatchExtension<any, any>;
  match: NonNullable<MatchExtension<any, any>['match']> | null;
  state: any;
  rt: any;
}

/** What a compiled rule does when it matches. */
export type CompiledTarget =
  | { kind: 'none' }
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE' }
  | { kind: 'jump'; to: number; chain: string; goto: boolean }
  | { kind: 'ext'; ext: TargetExtension<any, any>; target: NonNullable<TargetExtension<any, any>['target']> | null; state: any; rt: any; nat: boolean };

/** Targets that bind a connection's NAT (the rule a run records as its `natRule`). */
export const NAT_TARGET_NAMES: ReadonlySet<string> = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP']);

/**
 * The context a table runs with: a match's hotdrop (`dropped`), and what a run that records its
 * decisions without a trace keeps — the entry that matched last in this table (a dropping table's
 * deciding rule or policy) and the first rule with a NAT target in the whole run (set only where
 * it is null). The interpreter always records them; generated code when asked to.
 */
export type RunTableContext = PacketContext & { dropped: boolean; matched?: Entry | null; natRule?: RuleEntry | null };

/** The error for a match or target without packet behaviour, reached by a packet at rule `e`. */
export function notModelled(what: string, e: RuleEntry): NatsimError {
  return new NatsimError('NOT_IMPLEMENTED', `${what} has no packet behaviour in natsim yet (rule ${e.num} of chain ${e.chain.name}); natsim stops rather than guess`, e.rule.loc ?? {}, EXIT_OTHER);
}

/** A rule entry. */
export interface RuleEntry {
  kind: 'rule';
  chain: Chain;
  /** 1-based position in its chain. */
  num: number;
  rule: Rule;
  /** Header match, precomputed. */
  src: Words | null; srcMask: Words | null; srcInv: boolean;
  dst: Words | null; dstMask: Words | null; dstInv: boolean;
  /** The rule tests exactly one IPv4 destination (`-d A/32`, not inverted): `CompiledTable.dstIndex` may skip it. */
  keyedDst: boolean;
  inName: string | null; inPrefix: boolean; inInv: boolean;
  outName: string | null; outPrefix: boolean; outInv: boolean;
  proto: number; protoInv: boolean;
  frag: boolean | null;
  matches: CompiledMatch[];
  target: CompiledTarget;
  counters: Counters;
}

/** The end of a chain: a built-in chain's policy, or a user chain's implicit RETURN. */
export interface TailEntry {
  kind: 'tail';
  chain: Chain;
  /** Rule count + 1, as TRACE numbers it. */
  num: number;
  policy: 'ACCEPT' | 'DROP' | null;
  counters: Counters;
}

/** One entry of a compiled table. */
export type Entry = RuleEntry | TailEntry;

/** A compiled table. */
export interface CompiledTable {
  name: TableName;
  family: Family;
  entries: Entry[];
  /** Index of the first entry of each built-in chain. */
  hookEntry: Map<HookName, number>;
  /** Index of each built-in chain's policy entry (the underflow). */
  underflow: Map<HookName, number>;
  /** Index of the first entry of every chain. */
  chainStart: Map<string, number>;
  /** `hookEntry` and `underflow` by `hookIndex` (-1 where the table has no such hook), for the per-packet path. */
  startAt: Int32Array;
  underflowAt: Int32Array;
  /** Where to look next past rules testing other destinations; null for tables with few such rules. */
  dstIndex: DstIndex | null;
  /**
   * The table's generated code by `hookIndex` (`tableRunner`), without and with the recording of
   * decisions (`RunTableContext`): undefined until first asked, null when the table has none.
   */
  runners?: (TableRunner | null)[] | null;
  recordingRunners?: (TableRunner | null)[] | null;
}

/** The traversal of one table at one hook, as generated code (engine/codegen.ts). */
export type TableRunner = (p: Packet, ctx: RunTableContext) => 'ACCEPT' | 'DROP';

/**
 * For tables with long runs of rules that each test one IPv4 destination (kube-proxy's
 * KUBE-SERVICES: two rules per service, `-d CLUSTER_IP/32`): from a rule on, the next entry that
 * can match a packet to a given destination. Skipping the others changes nothing a traversal
 * does: a rule whose `-d` fails has no effect at all (no match runs, no counter moves). Used
 * only when no trace is recorded (a trace lists every rule it passes).
 */
export interface DstIndex {
  /** The next entry at or after each position that is not such a rule (chain tails included). */
  nextOpen: Int32Array;
  /** Per destination (as a signed 32-bit integer), the positions of the rules testing it, ascending. */
  byDst: Map<number, Int32Array>;
}

/** Rules testing one destination a table needs before it gets a `DstIndex`. */
const DST_INDEX_MIN_RULES = 64;

/** The first entry at or after `i` that can match a packet to IPv4 destination `dst` (see `DstIndex`). */
export function nextForDst(ix: DstIndex, i: number, dst: number): number {
  const open = ix.nextOpen[i]!;
  const list = ix.byDst.get(dst | 0);
  if (list === undefined) return open;
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < i) lo = mid + 1; else hi = mid;
  }
  return lo < list.length && list[lo]! < open ? list[lo]! : open;
}

function buildDstIndex(entries: Entry[]): DstIndex | null {
  let keyed = 0;
  for (const e of entries) if (e.kind === 'rule' && e.keyedDst) keyed++;
  if (keyed < DST_INDEX_MIN_RULES) return null;
  const nextOpen = new Int32Array(entries.length + 1);
  nextOpen[entries.length] = entries.length;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    nextOpen[i] = e.kind === 'rule' && e.keyedDst ? nextOpen[i + 1]! : i;
  }
  const lists = new Map<number, number[]>();
  entries.forEach((e, i) => {
    if (e.kind !== 'rule' || !e.keyedDst) return;
    const k = e.dst![0]! | 0;
    const l = lists.get(k);
    if (l) l.push(i); else lists.set(k, [i]);
  });
  const byDst = new Map<number, Int32Array>();
  for (const [k, l] of lists) byDst.set(k, Int32Array.from(l));
  return { nextOpen, byDst };
}

/** A hook's place in `CompiledTable.startAt` / `underflowAt` (netfilter's hook numbers). */
export function hookIndex(hook: HookName): number {
  return hook === 'PREROUTING' ? 0 : hook === 'INPUT' ? 1 : hook === 'FORWARD' ? 2 : hook === 'OUTPUT' ? 3 : 4;
}

/** A compiled ruleset. */
export interface CompiledRuleset {
  family: Family;
  tables: Map<TableName, CompiledTable>;
  source: Ruleset;
  /** The rules' runtime states that change as packets pass (see `resetRuleState`). */
  mutable: { init: (state: any) => any; state: any; rt: any }[];
  /**
   * Whether connection tracking runs for the family: some rule, in any table, has an extension
   * whose checkentry takes the namespace's conntrack (`needsConntrack`); and whether
   * defragmentation runs (with conntrack, or for socket/TPROXY alone).
   */
  conntrack: boolean;
  defrag: boolean;
  /** The engine's hook plan as generated code (engine.ts, `hookFunctions`), without and with decisions recorded, made on first use. */
  hookCode?: unknown;
  recordingHookCode?: unknown;
}

/**
 * Makes the runtime state of every rule that keeps one (nth counters, token buckets) as a new
 * compile would, in place (generated code holds the state objects): a compiled ruleset serves
 * one engine after another (`natsim flows --all-services`: one fresh node per service) without
 * compiling it again for each — a kube-proxy ruleset of 10,000 services takes ≈ 0.1 s to compile.
 */
export function resetRuleState(c: CompiledRuleset): void {
  for (const m of c.mutable) Object.assign(m.rt, m.init(m.state));
}

function iface(name: string | null): { name: string | null; prefix: boolean } {
  if (name === null) return { name: null, prefix: false };
  if (name.endsWith('+')) return { name: name.slice(0, -1), prefix: true };
  return { name, prefix: false };
}

/** Compile one table. Rule and policy counters are the ruleset's own objects, so runs update them. */
export function compileTable(family: Family, name: TableName, chains: Chain[]): CompiledTable {
  const entries: Entry[] = [];
  const chainStart = new Map<string, number>();
  let pos = 0;
  for (const c of chains) {
    chainStart.set(c.name, pos);
    pos += c.rules.length + 1;
  }
  for (const c of chains) {
    c.rules.forEach((r, i) => {
      const i1 = iface(r.inIface), o1 = iface(r.outIface);
      let target: CompiledTarget;
      switch (r.target.kind) {
        case 'none': target = { kind: 'none' }; break;
        case 'verdict': target = { kind: 'verdict', verdict: r.target.verdict }; break;
        case 'jump': target = { kind: 'jump', to: chainStart.get(r.target.chain)!, chain: r.target.chain, goto: r.target.goto }; break;
        case 'ext': target = { kind: 'ext', ext: r.target.ext, target: r.target.ext.target ?? null, state: r.target.state, rt: r.target.ext.init ? r.target.ext.init(r.target.state) : undefined, nat: NAT_TARGET_NAMES.has(r.target.ext.name) }; break;
      }
      entries.push({
        kind: 'rule', chain: c, num: i + 1, rule: r,
        src: r.src ? r.src.addr : null, srcMask: r.src ? r.src.mask : null, srcInv: r.srcInv,
        dst: r.dst ? r.dst.addr : null, dstMask: r.dst ? r.dst.mask : null, dstInv: r.dstInv,
        keyedDst: family === 'ipv4' && r.dst !== null && r.dst.mask[0] === 0xffffffff && !r.dstInv,
        inName: i1.name, inPrefix: i1.prefix, inInv: r.inInv,
        outName: o1.name, outPrefix: o1.prefix, outInv: r.outInv,
        proto: r.proto, protoInv: r.protoInv, frag: r.frag,
        // `-m comment` never fails and does nothing: not called at all.
        matches: r.matches.filter((m) => m.ext !== comment).map((m) => ({ ext: m.ext, match: m.ext.match ?? null, state: m.state, rt: m.ext.init ? m.ext.init(m.state) : undefined })),
        target,
        counters: r.counters,
      });
    });
    entries.push({ kind: 'tail', chain: c, num: c.rules.length + 1, policy: c.builtin ? c.policy : null, counters: c.policyCounters });
  }
  const hookEntry = new Map<HookName, number>();
  const underflow = new Map<HookName, number>();
  for (const h of BUILTIN_CHAINS[name]) {
    const start = chainStart.get(h)!;
    hookEntry.set(h, start);
    underflow.set(h, start + chains.find((c) => c.name === h)!.rules.length);
  }
  const startAt = new Int32Array(5).fill(-1), underflowAt = new Int32Array(5).fill(-1);
  for (const [h, at] of hookEntry) startAt[hookIndex(h)] = at;
  for (const [h, at] of underflow) underflowAt[hookIndex(h)] = at;
  return { name, family, entries, hookEntry, underflow, chainStart, startAt, underflowAt, dstIndex: buildDstIndex(entries), runners: undefined, recordingRunners: undefined };
}

/** Compile every table of a ruleset (its rules must have passed the COMMIT checks). */
export function compileRuleset(rs: Ruleset): CompiledRuleset {
  const tables = new Map<TableName, CompiledTable>();
  for (const t of rs.tables.values()) tables.set(t.name, compileTable(rs.family, t.name, chainsInSaveOrder(t)));
  const mutable: CompiledRuleset['mutable'] = [];
  const keep = (ext: MatchExtension<any, any> | TargetExtension<any, any>, state: unknown, rt: unknown): void => {
    if (ext.mutableRuntime && ext.init && typeof rt === 'object' && rt !== null) mutable.push({ init: ext.init, state, rt });
  };
  let conntrack = false, defrag = false;
  const needs = (ext: MatchExtension<any, any> | TargetExtension<any, any>, state: unknown): void => {
    const n = ext.needsConntrack;
    if (n === true || (typeof n === 'function' && n(state))) conntrack = true;
    if (ext.needsDefrag) defrag = true;
  };
  for (const t of tables.values()) {
    for (const e of t.entries) {
      if (e.kind !== 'rule') continue;
      for (const m of e.matches) { keep(m.ext, m.state, m.rt); needs(m.ext, m.state); }
      if (e.target.kind === 'ext') { keep(e.target.ext, e.target.state, e.target.rt); needs(e.target.ext, e.target.state); }
    }
  }
  return { family: rs.family, tables, source: rs, mutable, conntrack, defrag: defrag || conntrack };
}
