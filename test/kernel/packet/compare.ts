/**
 * Comparing two packet runs of the same host model and traffic: the kernel's (measured in
 * namespaces) and, once natsim's packet engine exists, natsim's. Random choices (statistic
 * draws, `--random-fully` ports) are compared as distributions (two-sample chi-square); all the
 * rest (counters outside random branches, conntrack tuples, states and flags, what each receiver
 * saw) must agree exactly.
 */
import type { CtEntry, CtTuple, TableCounters } from './collect.js';
import { chiSquareTwoSample } from '../../../sim/stats.js';
import type { ReceiverRecord } from './traffic.js';

/** Everything a run produced that the two sides must agree on. */
export interface PacketRun {
  /** Connections per endpoint address (DNAT target), for the service under test. */
  endpointCounts: Map<string, number>;
  /** The node's counters, as `iptables-save -c` prints them. */
  counters: TableCounters[];
  /** The node's conntrack table after the run. */
  conntrack: CtEntry[];
  /** What each neighbour's receiver saw, by neighbour name. */
  receivers: Map<string, ReceiverRecord[]>;
}

/** Smallest two-sample chi-square p-value accepted as "same distribution". */
export const MIN_P = 0.001;

/**
 * Chains whose counters depend on random draws: those holding a `-m statistic` rule, and every
 * chain reached (transitively) by a jump from one of them.
 */
export function randomChains(tables: TableCounters[]): Set<string> {
  const out = new Set<string>();
  for (const t of tables) {
    const byName = new Map(t.chains.map((c) => [c.name, c]));
    const stack = t.chains.filter((c) => c.rules.some((r) => r.rule.includes('-m statistic'))).map((c) => c.name);
    while (stack.length) {
      const name = stack.pop()!;
      if (out.has(`${t.table}/${name}`)) continue;
      out.add(`${t.table}/${name}`);
      for (const r of byName.get(name)?.rules ?? []) {
        const m = / -[jg] (\S+)/.exec(r.rule);
        if (m && byName.has(m[1]!)) stack.push(m[1]!);
      }
    }
  }
  return out;
}

/** Compares per-endpoint counts with a two-sample chi-square; returns a problem or null. */
export function compareEndpointCounts(kernel: Map<string, number>, other: Map<string, number>): string | null {
  const keys = [...new Set([...kernel.keys(), ...other.keys()])].sort();
  const a = keys.map((k) => kernel.get(k) ?? 0);
  const b = keys.map((k) => other.get(k) ?? 0);
  if (keys.length < 2) return a[0] === b[0] ? null : `endpoint counts differ: ${a} vs ${b}`;
  const r = chiSquareTwoSample(a, b);
  return r.p > MIN_P ? null : `endpoint counts differ (two-sample χ² ${r.statistic.toFixed(2)}, df ${r.df}, p ${r.p.toExponential(2)}): kernel ${a.join('/')} vs ${b.join('/')} for ${keys.join('/')}`;
}

/** Compares counters exactly outside random chains and the chain totals everywhere. */
export function compareCounters(kernel: TableCounters[], other: TableCounters[]): string[] {
  const bad: string[] = [];
  const random = randomChains(kernel);
  for (const kt of kernel) {
    const ot = other.find((t) => t.table === kt.table);
    if (!ot) { bad.push(`table ${kt.table} missing`); continue; }
    for (const kc of kt.chains) {
      const oc = ot.chains.find((c) => c.name === kc.name);
      if (!oc) { bad.push(`chain ${kt.table}/${kc.name} missing`); continue; }
      if (kc.packets !== oc.packets || kc.bytes !== oc.bytes) bad.push(`${kt.table}/${kc.name} policy counters [${kc.packets}:${kc.bytes}] vs [${oc.packets}:${oc.bytes}]`);
      if (kc.rules.length !== oc.rules.length) { bad.push(`${kt.table}/${kc.name}: ${kc.rules.length} rules vs ${oc.rules.length}`); continue; }
      if (random.has(`${kt.table}/${kc.name}`)) continue;
      kc.rules.forEach((kr, i) => {
        const or = oc.rules[i]!;
        if (kr.packets !== or.packets || kr.bytes !== or.bytes) bad.push(`${kt.table} ${kr.rule}: [${kr.packets}:${kr.bytes}] vs [${or.packets}:${or.bytes}]`);
      });
    }
  }
  return bad;
}

function tupleKey(t: CtTuple): string {
  return `${t.src}:${t.sport ?? t.id ?? ''}>${t.dst}:${t.dport ?? `${t.type ?? ''}/${t.code ?? ''}`}`;
}

/**
 * Compares conntrack tables: the same original tuples, each with the same protocol, TCP state,
 * flags and reply destination; the reply source must be one the kernel used or one of the given
 * endpoints, and where the kernel keeps source ports as a rule (no random port choice), a port it
 * kept must be kept on the other side too.
 */
export function compareConntrack(kernel: CtEntry[], other: CtEntry[], endpoints: Iterable<string> = []): string[] {
  const bad: string[] = [];
  const byOrig = new Map(other.map((e) => [`${e.proto} ${tupleKey(e.orig)}`, e]));
  const replySources = new Set([...kernel.map((e) => e.reply.src), ...endpoints]);
  // Whether the kernel keeps source ports as a rule (no --random-fully) for each protocol: under
  // --random-fully a random port equals the original one now and then by chance (about once in
  // 64,000 connections), which says nothing about what the other side must do.
  const keptByProto = new Map<string, boolean>();
  for (const proto of new Set(kernel.map((e) => e.proto))) {
    const es = kernel.filter((e) => e.proto === proto);
    keptByProto.set(proto, es.filter((e) => e.reply.dport === e.orig.sport).length * 2 > es.length);
  }
  for (const k of kernel) {
    const key = `${k.proto} ${tupleKey(k.orig)}`;
    const o = byOrig.get(key);
    if (!o) { bad.push(`conntrack entry missing: ${k.line}`); continue; }
    byOrig.delete(key);
    if (k.state !== o.state) bad.push(`${key}: state ${k.state} vs ${o.state}`);
    const kf = k.flags.filter((f) => f !== 'OFFLOAD').sort().join(',');
    const of = o.flags.filter((f) => f !== 'OFFLOAD').sort().join(',');
    if (kf !== of) bad.push(`${key}: flags [${kf}] vs [${of}]`);
    if (k.reply.dst !== o.reply.dst) bad.push(`${key}: reply dst ${k.reply.dst} vs ${o.reply.dst}`);
    if (k.reply.sport !== o.reply.sport && k.reply.src === o.reply.src) bad.push(`${key}: reply sport ${k.reply.sport} vs ${o.reply.sport}`);
    if (!replySources.has(o.reply.src)) bad.push(`${key}: reply src ${o.reply.src} is none of the kernel's`);
    if (keptByProto.get(k.proto) && k.reply.dport === k.orig.sport && o.reply.dport !== o.orig.sport) bad.push(`${key}: kernel kept port ${k.orig.sport}, other side changed it to ${o.reply.dport}`);
  }
  for (const [key] of byOrig) bad.push(`extra conntrack entry: ${key}`);
  return bad;
}

/**
 * Compares what each receiver saw: the same (protocol, local address and port, remote address)
 * records (remote ports are random under `--random-fully`, so only their count is compared),
 * in numbers consistent with one distribution over receivers.
 */
export function compareReceivers(kernel: Map<string, ReceiverRecord[]>, other: Map<string, ReceiverRecord[]>): string[] {
  const bad: string[] = [];
  const kinds = (rs: ReceiverRecord[]) => new Set(rs.map((r) => `${r.proto} ${r.local}:${r.localPort} from ${r.remote}`));
  for (const [name, recs] of kernel) {
    const o = other.get(name) ?? [];
    const kk = [...kinds(recs)].sort().join('; ');
    const ok = [...kinds(o)].sort().join('; ');
    if (kk !== ok) bad.push(`receiver ${name}: kernel saw {${kk}}, other side {${ok}}`);
  }
  const counts = (m: Map<string, ReceiverRecord[]>) => new Map([...m].map(([k, v]) => [k, v.length]));
  const c = compareEndpointCounts(counts(kernel), counts(other));
  if (c) bad.push(`receivers: ${c}`);
  return bad;
}

/** All comparisons of two runs; an empty list means they agree. */
export function compareRuns(kernel: PacketRun, other: PacketRun): string[] {
  const ep = compareEndpointCounts(kernel.endpointCounts, other.endpointCounts);
  return [
    ...(ep ? [ep] : []),
    ...compareCounters(kernel.counters, other.counters),
    ...compareConntrack(kernel.conntrack, other.conntrack, kernel.endpointCounts.keys()),
    ...compareReceivers(kernel.receivers, other.receivers),
  ];
}

