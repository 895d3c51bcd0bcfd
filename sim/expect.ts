/**
 * The exact expected split of new connections to one destination, computed from the ruleset with
 * no sampling: the first packet of a NEW connection is followed through raw, mangle and nat at
 * its destination-NAT hook (PREROUTING, or OUTPUT for the node's own connections) along every
 * branch it could take, as `ipt_do_table` would walk it. Header fields and deterministic matches
 * are evaluated on a concrete packet with the extensions' own `match` functions; `statistic
 * --mode random` forks with the value the kernel stores (P/2³¹), `--mode nth` forks as its
 * long-run share 1/n; MARK/CONNMARK change the branch's packet; a DNAT/REDIRECT/NETMAP binding
 * ends a branch. Matches whose answer depends on earlier traffic (recent, limit, hashlimit…) make
 * their branch 'unknown', except kube-proxy's session-affinity `recent --rcheck`, which is false
 * for a client's first connection. Each branch's fate after NAT (forwarded, delivered, dropped or
 * rejected by the filter table) is decided by running the engine once on that branch's packet.
 * Shares are exact fractions that sum to exactly 1.
 */
import { compileRuleset, nextForDst, type CompiledRuleset, type CompiledTable, type RuleEntry } from '../engine/compile.js';
import { ConntrackTable } from '../engine/conntrack/table.js';
import { CTINFO, type ConntrackEntry } from '../engine/conntrack/entry.js';
import { ctPacketFromBytes } from '../engine/conntrack/packet.js';
import { Engine, type PacketResult } from '../engine/engine.js';
import { NatsimError, EXIT_OTHER } from '../engine/errors.js';
import type { CompiledMatch } from '../engine/compile.js';
import type { HookName, PacketContext, TableName, TargetVerdict } from '../engine/ext/types.js';
import type { NatRange } from '../engine/ext/target/nat-range.js';
import { MARK } from '../engine/ext/target/mark.js';
import { CONNMARK } from '../engine/ext/target/connmark.js';
import { formatProbability, PROBABILITY_SCALE, type StatisticState } from '../engine/ext/match/statistic.js';
import type { RecentState } from '../engine/ext/match/recent.js';
import { firstAddress, lookupRoute, type Host } from '../engine/host/host.js';
import { formatAddr, parseIPv4Strict, parseIPv6, type Family, type Words } from '../engine/net/addr.js';
import { buildPacket, readTransport, type Packet } from '../engine/packet.js';
import { headerMismatch } from '../engine/traverse.js';
import { blankRule, BUILTIN_CHAINS, newTable, type Chain, type Rule, type Ruleset, type Table } from '../engine/ruleset/model.js';
import { frac, mul, oneMinus, toDecimal, type Fraction } from './split.js';

/** Which connections to follow: a NEW connection's first packet, as concrete as the engine's. */
export interface ExpectQuery {
  family: Family; proto: number; dst: Words; dport: number;
  src?: Words; sport?: number;      // default: a client address outside every -s in the rules, port 40000
  inIface?: string; local?: boolean; // PREROUTING on inIface (default: the host's first non-lo interface), or OUTPUT
}

/** One place connections end up, with its exact share and every path that leads there. */
export interface ExpectedOutcome {
  kind: 'endpoint' | 'local' | 'forwarded' | 'dropped' | 'rejected' | 'unknown';
  endpoint?: string;        // 'ip:port' after DNAT (IPv6: '[ip]:port'), for kind 'endpoint'
  share: Fraction;          // exact
  paths: string[];          // each path that leads here, as 'KUBE-SERVICES#4 → KUBE-SVC-X#2 (p=…) → KUBE-SEP-Y#2 DNAT'
  note?: string;            // e.g. why 'unknown' (a stateful match such as recent/limit decides)
}

/** The whole expected split: its outcomes (shares sum to exactly 1), whether it is exact, and notes. */
export interface ExpectedSplit { outcomes: ExpectedOutcome[]; exact: boolean; notes: string[] }

/** Matches whose answer depends on traffic seen before (rates, counts, lists of recent peers). */
const HISTORY_MATCHES = new Set(['limit', 'hashlimit', 'connlimit', 'quota', 'connbytes', 'rateest', 'time', 'recent']);

/** At most this many branches are followed (a guard against rulesets whose forks multiply). */
const MAX_BRANCHES = 200_000;

const ONE: Fraction = { num: 1n, den: 1n };
const ZERO: Fraction = { num: 0n, den: 1n };

/** a + b, exact. */
function add(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.den + b.num * a.den, a.den * b.den);
}

/** Whether a bigint is a power of two. */
function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

/** A share as text: `a/b` when the denominator is a power of two or at most 10⁶, else a 13-digit decimal. */
export function formatFraction(f: Fraction): string {
  if (f.num === 0n) return '0';
  if (f.num === f.den) return '1';
  if (isPowerOfTwo(f.den) || f.den <= 1_000_000n) return `${f.num}/${f.den}`;
  return toDecimal(f, 13);
}

/** A probability as a short decimal (trailing zeros cut), or `a/b` when that is shorter and exact. */
function probabilityText(f: Fraction): string {
  if (isPowerOfTwo(f.den) && f.den <= BigInt(PROBABILITY_SCALE)) {
    const stored = Number((f.num * BigInt(PROBABILITY_SCALE)) / f.den);
    return formatProbability(stored).replace(/0+$/, '').replace(/\.$/, '');
  }
  return `${f.num}/${f.den}`;
}

/** An endpoint as `ip:port` (`[ip]:port` for IPv6). */
function endpointText(family: Family, addr: string, port: string): string {
  return family === 'ipv6' ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** One branch of the walk: its own copy of the packet (mark, conntrack mark), share and path so far. */
interface Branch {
  pkt: Packet;
  share: Fraction;
  path: string[];
}

/** How a branch left one table. */
type TableEnd =
  | { kind: 'accept'; b: Branch }
  | { kind: 'drop'; b: Branch; by: string }
  | { kind: 'unknown'; b: Branch; note: string }
  | { kind: 'bind'; b: Branch; range: NatRange; nat: string; entry: RuleEntry };

/** What the walk learnt along the way, shared by all branches. */
interface Walk {
  host: Host;
  family: Family;
  notes: Set<string>;
  inexact: boolean;
  branches: number;
}

function clonePacket(p: Packet): Packet {
  const q: Packet = { ...p, data: p.data.slice(), src: p.src.slice(), dst: p.dst.slice(), ct: p.ct ? { ...p.ct } as ConntrackEntry : null };
  readTransport(q);
  return q;
}

function fork(b: Branch, share: Fraction, step: string): Branch {
  return { pkt: clonePacket(b.pkt), share, path: [...b.path, step] };
}

/** A rule's place as paths print it: `CHAIN#n`, with the table for raw and mangle. */
function place(table: TableName, e: RuleEntry): string {
  return `${table === 'nat' ? '' : `${table}:`}${e.chain.name}#${e.num}`;
}

/** The answer of one match for this packet. */
type MatchAnswer =
  | { kind: 'yes' } | { kind: 'no' }
  | { kind: 'chance'; p: Fraction }
  | { kind: 'unknown'; note: string }
  | { kind: 'hotdrop' };

function evalMatch(m: CompiledMatch, e: RuleEntry, table: TableName, pkt: Packet, ctx: WalkContext, w: Walk): MatchAnswer {
  const name = m.ext.name;
  const where = `${table} ${e.chain.name} rule ${e.num}`;
  if (name === 'statistic') {
    const s = m.state as StatisticState;
    if (s.mode === 'random') {
      const q = frac(BigInt(s.probability), BigInt(PROBABILITY_SCALE));
      return { kind: 'chance', p: s.invert ? oneMinus(q) : q };
    }
    const n = BigInt(s.every + 1);
    w.inexact = true;
    w.notes.add(`-m statistic --mode nth --every ${n} (${where}) is counted as its long-run share ${s.invert ? `${n - 1n}/${n}` : `1/${n}`}: which connections it takes depends on the rule's packet counter`);
    return { kind: 'chance', p: s.invert ? frac(n - 1n, n) : frac(1n, n) };
  }
  if (name === 'recent') {
    const s = m.state as RecentState;
    if (s.action === 'set') return s.invert ? { kind: 'no' } : { kind: 'yes' };
    const tg = e.target;
    if ((s.action === 'rcheck' || s.action === 'update') && tg.kind === 'jump' && tg.chain === s.name) {
      w.notes.add(`-m recent --${s.action} --name ${s.name} (${where}) is session affinity as kube-proxy writes it: false for a client's first connection, which is what this split is for; later connections from the same client within ${s.seconds || 'its'} seconds go where its first one went`);
      return s.invert ? { kind: 'yes' } : { kind: 'no' };
    }
    return { kind: 'unknown', note: `-m recent --${s.action} --name ${s.name} (${where}) depends on the addresses seen before` };
  }
  if (HISTORY_MATCHES.has(name)) return { kind: 'unknown', note: `-m ${name} (${where}) depends on the traffic seen before` };
  if (m.match === null) return { kind: 'unknown', note: `-m ${name} (${where}) has no packet behaviour in natsim` };
  try {
    const ok = m.match(m.state, pkt, m.rt, ctx);
    if (ctx.dropped) return { kind: 'hotdrop' };
    return ok ? { kind: 'yes' } : { kind: 'no' };
  } catch (err) {
    if (err instanceof NatsimError) return { kind: 'unknown', note: `-m ${name} (${where}): ${err.message}` };
    throw err;
  }
}

/** The PacketContext matches and targets see during the walk; `nat` records a binding instead of making it. */
class WalkContext implements PacketContext {
  dropped = false;
  binding: { range: NatRange; kind: string } | null = null;
  private readonly store = new Map<string, unknown>();
  constructor(readonly family: Family, readonly table: TableName, readonly hook: HookName, readonly host: Host) {}
  readonly now = 0;
  random32(): number {
    throw new NatsimError('INTERNAL', 'expect: a match asked for a random number outside -m statistic', {}, EXIT_OTHER);
  }
  hotdrop(): void { this.dropped = true; }
  shared<T>(key: string, make: () => T): T {
    if (!this.store.has(key)) this.store.set(key, make());
    return this.store.get(key) as T;
  }
  log(): void { /* LOG and TRACE lines are not part of the split */ }
  emit(): void { /* packets the node would generate are not part of the split */ }
  nat(range: NatRange, kind: 'snat' | 'dnat' | 'masquerade' | 'redirect' | 'netmap'): TargetVerdict {
    this.binding = { range, kind };
    return { kind: 'accept' };
  }
}

/** Follow every branch of `start` through one table at one hook. */
function walkTable(t: CompiledTable, hook: HookName, start: Branch, w: Walk): TableEnd[] {
  const ends: TableEnd[] = [];
  const todo: { b: Branch; i: number; stack: number[] }[] = [{ b: start, i: t.hookEntry.get(hook)!, stack: [] }];
  const underflow = t.underflow.get(hook)!;
  const table = t.name;
  const ix = w.family === 'ipv4' ? t.dstIndex : null;
  while (todo.length) {
    const item = todo.pop()!;
    let { b, i } = item;
    const stack = item.stack;
    for (let steps = 0; ; steps++) {
      if (steps > 1_000_000) throw new NatsimError('INTERNAL', `expect: table ${table}: traversal did not end`, {}, EXIT_OTHER);
      const e = t.entries[i]!;
      if (e.kind === 'tail') {
        if (e.policy === 'ACCEPT') { ends.push({ kind: 'accept', b }); break; }
        if (e.policy === 'DROP') { ends.push({ kind: 'drop', b: { ...b, path: [...b.path, `${e.chain.name} policy DROP`] }, by: `${table} ${e.chain.name} policy` }); break; }
        i = stack.length ? stack.pop()! + 1 : underflow;
        continue;
      }
      // Rules for another single destination (kube-proxy's KUBE-SERVICES): straight to the next that can match.
      if (e.keyedDst && ix !== null && b.pkt.dst[0] !== e.dst![0]) { i = nextForDst(ix, i + 1, b.pkt.dst[0]!); continue; }
      if (headerMismatch(e, b.pkt)) { i++; continue; }
      const ctx = new WalkContext(w.family, table, hook, w.host);
      let p: Fraction = ONE;
      let unknown: string | null = null;
      let failed = false;
      let hotdrop = false;
      for (const m of e.matches) {
        const a = evalMatch(m, e, table, b.pkt, ctx, w);
        if (a.kind === 'no') { failed = true; break; }
        if (a.kind === 'hotdrop') { hotdrop = true; break; }
        if (a.kind === 'chance') p = mul(p, a.p);
        else if (a.kind === 'unknown') unknown ??= a.note;
      }
      if (hotdrop) { ends.push({ kind: 'drop', b, by: `${table} ${e.chain.name} rule ${e.num}: hotdrop (a match could not read its header)` }); break; }
      if (failed || p.num === 0n) { i++; continue; }
      if (unknown !== null) { ends.push({ kind: 'unknown', b: { ...b, path: [...b.path, `${place(table, e)} ?`] }, note: unknown }); break; }
      let label = place(table, e);
      if (p.num !== p.den) {
        if (++w.branches > MAX_BRANCHES) throw new NatsimError('INTERNAL', `expect: more than ${MAX_BRANCHES} branches; the ruleset's random rules multiply beyond what natsim follows`, {}, EXIT_OTHER);
        todo.push({ b: fork(b, mul(b.share, oneMinus(p)), `not ${label} (1−p=${probabilityText(oneMinus(p))})`), i: i + 1, stack: stack.slice() });
        b = { ...b, share: mul(b.share, p) };
        label += ` (p=${probabilityText(p)})`;
      }
      const tg = e.target;
      if (tg.kind === 'none') {
        if (p.num !== p.den) b = { ...b, path: [...b.path, label] };
        i++;
        continue;
      }
      if (tg.kind === 'verdict') {
        const stepped = { ...b, path: [...b.path, `${label} ${tg.verdict}`] };
        if (tg.verdict === 'ACCEPT') { ends.push({ kind: 'accept', b: stepped }); break; }
        if (tg.verdict === 'DROP' || tg.verdict === 'QUEUE') { ends.push({ kind: 'drop', b: stepped, by: `${table} ${e.chain.name} rule ${e.num}` }); break; }
        b = stepped;
        i = stack.length ? stack.pop()! + 1 : underflow;
        continue;
      }
      if (tg.kind === 'jump') {
        b = { ...b, path: [...b.path, tg.goto ? `${label} (goto)` : label] };
        if (!tg.goto) stack.push(i);
        i = tg.to;
        continue;
      }
      const stepped = { ...b, path: [...b.path, `${label} ${tg.ext.name}`] };
      if (tg.target === null) { ends.push({ kind: 'unknown', b: stepped, note: `target ${tg.ext.name} (${table} ${e.chain.name} rule ${e.num}) has no packet behaviour in natsim` }); break; }
      let v: TargetVerdict;
      try {
        v = tg.target(tg.state, b.pkt, tg.rt, ctx);
      } catch (err) {
        if (!(err instanceof NatsimError)) throw err;
        ends.push({ kind: 'unknown', b: stepped, note: `target ${tg.ext.name} (${table} ${e.chain.name} rule ${e.num}): ${err.message}` });
        break;
      }
      if (ctx.binding) { ends.push({ kind: 'bind', b: stepped, range: ctx.binding.range, nat: ctx.binding.kind, entry: e }); break; }
      if (v.kind === 'accept') { ends.push({ kind: 'accept', b: stepped }); break; }
      if (v.kind === 'drop') { ends.push({ kind: 'drop', b: stepped, by: `${table} ${e.chain.name} rule ${e.num} (${tg.ext.name})` }); break; }
      b = stepped;
      i++;
    }
  }
  return ends;
}

/** A leaf of the walk, before its fate after NAT is known. */
type Leaf =
  | { kind: 'bind'; b: Branch; range: NatRange; nat: string; entry: RuleEntry }
  | { kind: 'unchanged'; b: Branch }
  | { kind: 'dropped'; b: Branch; by: string }
  | { kind: 'unknown'; b: Branch; note: string };

/** `defaultClient`'s answers, per compiled ruleset and host (a command asks once per service). */
const defaultClients = new WeakMap<CompiledRuleset, WeakMap<Host, Map<Family, Words>>>();

/** A client address no `-s` of the ruleset names, and not one of the node's. */
function defaultClient(compiled: CompiledRuleset, host: Host, family: Family): Words {
  let perHost = defaultClients.get(compiled);
  if (perHost === undefined) defaultClients.set(compiled, perHost = new WeakMap());
  let answers = perHost.get(host);
  if (answers === undefined) perHost.set(host, answers = new Map());
  let a = answers.get(family);
  if (a === undefined) answers.set(family, a = findDefaultClient(compiled, host, family));
  return a;
}

function findDefaultClient(compiled: CompiledRuleset, host: Host, family: Family): Words {
  const prefixes: { addr: Words; mask: Words }[] = [];
  for (const t of compiled.tables.values()) for (const e of t.entries) if (e.kind === 'rule' && e.src) prefixes.push({ addr: e.src, mask: e.srcMask! });
  const own = new Set<string>();
  for (const i of host.interfaces.values()) for (const a of i.addrs) own.add(formatAddr(a.family, a.addr));
  const inside = (a: Words): boolean => prefixes.some((p) => a.every((wd, k) => ((wd & p.mask[k]!) >>> 0) === ((p.addr[k]! & p.mask[k]!) >>> 0)));
  const candidates = family === 'ipv4'
    ? ['203.0.113.7', '198.51.100.7', '192.0.2.7', '198.18.0.7', '100.64.0.7', '172.31.254.7', '10.255.254.7', '8.8.4.7']
    : ['2001:db8:c11e::7', '2001:db8:ffff::7', 'fd00:c11e::7', '2001:4860::7'];
  for (const text of candidates) {
    const a = family === 'ipv4' ? [parseIPv4Strict(text)!] : parseIPv6(text)!;
    if (!inside(a) && !own.has(text)) return a;
  }
  for (let k = 1; k < 1 << 20; k++) {
    const a = family === 'ipv4' ? [(0x0b000000 + k * 4099) >>> 0] : [0x20010db8, 0xc11e, 0, k];
    if (!inside(a) && !own.has(formatAddr(family, a))) return a;
  }
  throw new NatsimError('USAGE', 'expect: every client address is named by some -s in the rules; give one with --from', {}, 2);
}

/** Copies of a ruleset's rules and chains with fresh counters, so running the engine leaves the caller's counters alone. */
function copyChain(c: Chain, rules: Rule[] = c.rules.map((r) => ({ ...r, counters: { packets: 0, bytes: 0 } }))): Chain {
  return { name: c.name, builtin: c.builtin, policy: c.policy, policyCounters: { packets: 0, bytes: 0 }, rules };
}

function copyTable(t: Table): Table {
  const chains = new Map<string, Chain>();
  for (const [n, c] of t.chains) chains.set(n, copyChain(c));
  return { name: t.name, chains };
}

/**
 * The nat table the fate run uses for one leaf: its destination-NAT hook chain replays what the
 * walk found (the branch's mark, conntrack mark and binding), the other DNAT hook is empty, and
 * the SNAT hooks keep their rules and the chains they reach.
 */
function replayNat(orig: Table | undefined, hook: HookName, leaf: Leaf & { kind: 'bind' | 'unchanged' }): Table {
  const t = newTable('nat');
  const replay: Rule[] = [];
  const pkt = leaf.b.pkt;
  if (pkt.mark !== 0) replay.push({ ...blankRule(), target: { kind: 'ext', ext: MARK, state: { value: pkt.mark, mask: 0xffffffff, given: 'set-xmark' } } });
  if (pkt.ct && pkt.ct.mark !== 0) {
    replay.push({ ...blankRule(), target: { kind: 'ext', ext: CONNMARK, state: { mode: 'set', ctmark: pkt.ct.mark, ctmask: 0xffffffff, nfmask: 0xffffffff, shiftDir: 'left', shiftBits: 0, op: 'set-xmark', masks: new Set() } } });
  }
  if (leaf.kind === 'bind' && leaf.entry.target.kind === 'ext') replay.push({ ...blankRule(), target: { kind: 'ext', ext: leaf.entry.target.ext, state: leaf.entry.target.state } });
  t.chains.set(hook, { ...t.chains.get(hook)!, rules: replay });
  if (!orig) return t;
  const keep: string[] = [];
  for (const h of BUILTIN_CHAINS.nat) {
    if (h === 'PREROUTING' || h === 'OUTPUT') continue;
    const c = orig.chains.get(h);
    if (c) { t.chains.set(h, copyChain(c)); keep.push(h); }
  }
  while (keep.length) {
    const c = orig.chains.get(keep.pop()!)!;
    for (const r of c.rules) {
      if (r.target.kind !== 'jump' || t.chains.has(r.target.chain)) continue;
      const u = orig.chains.get(r.target.chain)!;
      t.chains.set(u.name, copyChain(u));
      keep.push(u.name);
    }
  }
  return t;
}

/** Where a packet ended in the fate run, as an outcome kind and a few words. */
function fateOf(r: PacketResult): { kind: 'local' | 'forwarded' | 'dropped' | 'rejected'; text: string } {
  switch (r.fate.kind) {
    case 'delivered': return { kind: 'local', text: 'delivered locally' };
    case 'forwarded': return { kind: 'forwarded', text: `forwarded out ${r.fate.out}` };
    case 'sent': return { kind: 'forwarded', text: `sent out ${r.fate.out}` };
    case 'held': return { kind: 'dropped', text: 'held by defragmentation (a fragment waiting for the rest)' };
    case 'dropped': {
      const rejected = r.emitted.length > 0;
      return { kind: rejected ? 'rejected' : 'dropped', text: `${rejected ? 'rejected' : 'dropped'} by ${r.fate.by}` };
    }
  }
}

/**
 * The exact expected split of NEW connections to q's destination through this node. `compiled`:
 * `rs` already compiled (the walk reads it and calls only matches and targets that keep no state).
 */
export function expectSplit(rs: Ruleset, host: Host, q: ExpectQuery, compiled: CompiledRuleset = compileRuleset(rs)): ExpectedSplit {
  if (compiled.source !== rs) throw new NatsimError('INTERNAL', 'expect: the compiled ruleset given is not the ruleset given', {}, EXIT_OTHER);
  const family = q.family;
  const hook: HookName = q.local ? 'OUTPUT' : 'PREROUTING';
  const inIface = q.local ? null : q.inIface ?? [...host.interfaces.keys()].find((n) => n !== 'lo') ?? 'lo';
  let src = q.src;
  if (!src && q.local) {
    const ifc = [...host.interfaces.values()].find((i) => i.name !== 'lo' && i.addrs.some((a) => a.family === family));
    src = ifc?.addrs.find((a) => a.family === family)?.addr;
  }
  src ??= defaultClient(compiled, host, family);
  const sport = q.sport ?? 40000;
  const spec = { family, src, dst: q.dst, proto: q.proto, sport, dport: q.dport };
  const first = buildPacket(spec);
  first.inIface = inIface;
  first.outIface = null;
  if (q.local) {
    const route = lookupRoute(host, family, q.dst);
    first.outIface = route ? (route.type === 'local' ? 'lo' : route.dev ?? 'lo') : null;
  }
  const w: Walk = { host, family, notes: new Set(), inexact: false, branches: 0 };

  // raw, conntrack, mangle, nat: the hook functions before routing, in priority order.
  let live: Branch[] = [{ pkt: first, share: ONE, path: [] }];
  const leaves: Leaf[] = [];
  const runTableStage = (name: TableName): void => {
    const t = compiled.tables.get(name);
    if (!t || !t.hookEntry.has(hook)) return;
    const next: Branch[] = [];
    for (const b of live) {
      for (const end of walkTable(t, hook, b, w)) {
        if (end.kind === 'accept') next.push(end.b);
        else if (end.kind === 'drop') leaves.push({ kind: 'dropped', b: end.b, by: end.by });
        else if (end.kind === 'unknown') leaves.push(end);
        else leaves.push(end);
      }
    }
    live = next;
  };
  runTableStage('raw');
  const ctTable = new ConntrackTable();
  for (const b of live) {
    if (b.pkt.ctinfo === CTINFO.UNTRACKED) continue;
    const ctp = ctPacketFromBytes(b.pkt.data);
    const res = ctp ? ctTable.in(ctp, 0, { hook: q.local ? 'OUTPUT' : 'PREROUTING' }) : null;
    if (res && res.kind === 'tracked') { b.pkt.ct = { ...res.entry }; b.pkt.ctinfo = res.ctinfo; } else { b.pkt.ct = null; b.pkt.ctinfo = -1; }
    ctTable.flush();
  }
  runTableStage('mangle');
  const natTable = compiled.tables.get('nat');
  if (natTable && natTable.hookEntry.has(hook)) {
    const tracked = live.filter((b) => b.pkt.ct !== null && b.pkt.ctinfo === CTINFO.NEW);
    const untracked = live.filter((b) => !(b.pkt.ct !== null && b.pkt.ctinfo === CTINFO.NEW));
    live = tracked;
    runTableStage('nat');
    for (const b of untracked) leaves.push({ kind: 'unchanged', b: { ...b, path: [...b.path, 'nat skipped (no conntrack entry)'] } });
  }
  for (const b of live) leaves.push({ kind: 'unchanged', b });

  // The fate after NAT of each binding or unchanged leaf: one engine run per distinct replay.
  const base = new Map<TableName, Table>();
  for (const [n, t] of rs.tables) if (n !== 'nat') base.set(n, copyTable(t));
  const fates = new Map<string, { kind: 'local' | 'forwarded' | 'dropped' | 'rejected'; text: string } | { error: string }>();
  const fateFor = (leaf: Leaf & { kind: 'bind' | 'unchanged' }) => {
    const key = `${leaf.kind}|${leaf.b.pkt.mark}|${leaf.b.pkt.ct?.mark ?? 0}|${leaf.kind === 'bind' ? `${leaf.entry.chain.name}#${leaf.entry.num}` : ''}`;
    let f = fates.get(key);
    if (!f) {
      const tables = new Map(base);
      tables.set('nat', replayNat(rs.tables.get('nat'), hook, leaf));
      try {
        const engine = new Engine({ ruleset: { family, tables }, host, seed: 'natsim-expect', trace: true });
        const pkt = buildPacket(spec);
        f = fateOf(q.local ? engine.send(pkt) : engine.receive(pkt, inIface!));
      } catch (err) {
        if (!(err instanceof NatsimError)) throw err;
        f = { error: err.message };
      }
      fates.set(key, f);
    }
    return f;
  };

  const outcomes: ExpectedOutcome[] = [];
  const byKey = new Map<string, ExpectedOutcome>();
  const addOutcome = (kind: ExpectedOutcome['kind'], endpoint: string | undefined, share: Fraction, path: string, note?: string): void => {
    const key = `${kind}|${endpoint ?? ''}`;
    let o = byKey.get(key);
    if (!o) {
      o = { kind, ...(endpoint !== undefined ? { endpoint } : {}), share: ZERO, paths: [] };
      byKey.set(key, o);
      outcomes.push(o);
    }
    o.share = add(o.share, share);
    if (!o.paths.includes(path)) o.paths.push(path);
    if (note && !(o.note ?? '').includes(note)) o.note = o.note ? `${o.note}; ${note}` : note;
  };
  const routeKind = (dst: Words): 'local' | 'forwarded' | 'dropped' => {
    const r = lookupRoute(host, family, dst);
    if (!r || r.type === 'unreachable' || r.type === 'blackhole' || r.type === 'prohibit') return 'dropped';
    return r.type === 'local' || r.type === 'broadcast' ? 'local' : 'forwarded';
  };
  const dstText = formatAddr(family, q.dst);
  for (const leaf of leaves) {
    const path = leaf.b.path.join(' → ') || `${hook} policy ACCEPT`;
    if (leaf.kind === 'unknown') { w.inexact = true; addOutcome('unknown', undefined, leaf.b.share, path, leaf.note); continue; }
    if (leaf.kind === 'dropped') { addOutcome('dropped', undefined, leaf.b.share, path, `dropped by ${leaf.by}`); continue; }
    let kind: ExpectedOutcome['kind'];
    let endpoint: string | undefined;
    let note: string | undefined;
    if (leaf.kind === 'bind') {
      const r = leaf.range;
      let addr: string, port: string;
      if (leaf.nat === 'redirect') {
        const a = hook === 'OUTPUT' ? (family === 'ipv4' ? [parseIPv4Strict('127.0.0.1')!] : parseIPv6('::1')!) : firstAddress(host, family, inIface ?? '');
        addr = a ? formatAddr(family, a) : '?';
        kind = 'local';
      } else {
        const lo = r.mapIps ? formatAddr(family, r.minAddr) : dstText;
        const hi = r.mapIps ? formatAddr(family, r.maxAddr) : dstText;
        addr = lo === hi ? lo : `${lo}-${hi}`;
        if (lo !== hi) note = `${leaf.entry.target.kind === 'ext' ? leaf.entry.target.ext.name : 'NAT'} to an address range: the kernel picks one address per connection by a hash of its addresses`;
        kind = 'endpoint';
      }
      port = r.protoSpecified ? (r.minPort === r.maxPort ? String(r.minPort) : `${r.minPort}-${r.maxPort}`) : String(q.dport);
      if (r.protoSpecified && r.minPort !== r.maxPort) note = `${note ? `${note}; ` : ''}a port range: the kernel picks a free port in it`;
      endpoint = endpointText(family, addr, port);
    } else {
      kind = routeKind(q.dst);
    }
    const f = fateFor(leaf);
    let full = path;
    if ('error' in f) {
      note = `${note ? `${note}; ` : ''}what the filter table does after NAT is not known: ${f.error}`;
    } else {
      full = `${path} → ${f.text}`;
      if (f.kind === 'dropped' || f.kind === 'rejected') { kind = f.kind; note = `${note ? `${note}; ` : ''}${f.text}${endpoint ? ` (after DNAT to ${endpoint})` : ''}`; endpoint = undefined; } else if (leaf.kind === 'unchanged') kind = f.kind;
    }
    addOutcome(kind, endpoint, leaf.b.share, full, note);
  }
  const total = outcomes.reduce((s, o) => add(s, o.share), ZERO);
  if (total.num !== total.den) throw new NatsimError('INTERNAL', `expect: the shares add up to ${total.num}/${total.den}, not 1`, {}, EXIT_OTHER);
  const unknown = outcomes.filter((o) => o.kind === 'unknown');
  if (unknown.length) w.notes.add(`${formatFraction(unknown.reduce((s, o) => add(s, o.share), ZERO))} of the connections take a branch a stateful match decides: reported as 'unknown'`);
  return { outcomes, exact: !w.inexact, notes: [...w.notes] };
}
