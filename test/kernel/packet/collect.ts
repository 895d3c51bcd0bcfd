/**
 * What the kernel did, read back after a run: the node's `iptables-legacy-save -c` counters
 * (per chain policy and per rule) and its `conntrack -L` entries (`ip6tables-legacy-save -c` and
 * `conntrack -L -f ipv6` for IPv6), parsed into plain records (tuples, TCP state, flags, timeout)
 * that natsim's engine can be compared with.
 */
import type { Family } from '../../../engine/net/addr.js';
import type { Topology } from './topology.js';

/** Packet and byte counters of one rule, with the rule text as iptables-save printed it. */
export interface RuleCounter {
  packets: number;
  bytes: number;
  /** The rule without its counters, e.g. `-A KUBE-SEP-X -p udp … -j DNAT …`. */
  rule: string;
}

/** Counters of one chain: its policy counters (built-in chains) and its rules in order. */
export interface ChainCounters {
  name: string;
  policy: string;
  packets: number;
  bytes: number;
  rules: RuleCounter[];
}

/** Counters of one table. */
export interface TableCounters {
  table: string;
  chains: ChainCounters[];
}

/** Parses `iptables-save -c` output into tables, chains and rule counters. */
export function parseSaveCounters(text: string): TableCounters[] {
  const tables: TableCounters[] = [];
  let cur: TableCounters | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { table: line.slice(1).trim(), chains: [] };
      tables.push(cur);
    } else if (line.startsWith(':') && cur) {
      const m = /^:(\S+) (\S+) \[(\d+):(\d+)\]$/.exec(line);
      if (!m) throw new Error(`bad chain line: ${line}`);
      cur.chains.push({ name: m[1]!, policy: m[2]!, packets: Number(m[3]), bytes: Number(m[4]), rules: [] });
    } else if (line.startsWith('[') && cur) {
      const m = /^\[(\d+):(\d+)\] (-A (\S+).*)$/.exec(line);
      if (!m) throw new Error(`bad rule line: ${line}`);
      const chain = cur.chains.find((c) => c.name === m[4]);
      if (!chain) throw new Error(`rule for undeclared chain: ${line}`);
      chain.rules.push({ packets: Number(m[1]), bytes: Number(m[2]), rule: m[3]! });
    }
  }
  return tables;
}

/** Reads the node's counters with `iptables-legacy-save -c` (`ip6tables-legacy-save -c` for IPv6). */
export function readCounters(topo: Topology, family: Family = 'ipv4'): TableCounters[] {
  const tool = family === 'ipv6' ? 'ip6tables-legacy-save' : 'iptables-legacy-save';
  const r = topo.exec(topo.node, tool, ['-c']);
  if (r.status !== 0) throw new Error(`${tool} -c: ${r.stderr}`);
  return parseSaveCounters(r.stdout);
}

/** Finds a chain's counters. */
export function chainOf(tables: TableCounters[], table: string, chain: string): ChainCounters {
  const c = tables.find((t) => t.table === table)?.chains.find((x) => x.name === chain);
  if (!c) throw new Error(`no chain ${table}/${chain}`);
  return c;
}

/** One direction of a conntrack entry. */
export interface CtTuple {
  src: string;
  dst: string;
  /** TCP/UDP ports; absent for ICMP. */
  sport?: number;
  dport?: number;
  /** ICMP type, code and id. */
  type?: number;
  code?: number;
  id?: number;
}

/** One `conntrack -L` line. */
export interface CtEntry {
  proto: string;
  protonum: number;
  timeout: number;
  /** TCP state (TIME_WAIT, ESTABLISHED, …); absent for other protocols. */
  state?: string;
  orig: CtTuple;
  reply: CtTuple;
  /** Bracketed flags: UNREPLIED, ASSURED, OFFLOAD, … */
  flags: string[];
  mark: number;
  /** The line as printed. */
  line: string;
}

function tupleFrom(fields: Map<string, string>): CtTuple {
  const t: CtTuple = { src: fields.get('src') ?? '', dst: fields.get('dst') ?? '' };
  for (const k of ['sport', 'dport', 'type', 'code', 'id'] as const) {
    const v = fields.get(k);
    if (v !== undefined) t[k] = Number(v);
  }
  return t;
}

/** Parses one `conntrack -L` line (see netfilter-semantics.md §5.6). */
export function parseConntrackLine(line: string): CtEntry {
  const tok = line.trim().split(/\s+/);
  const proto = tok[0]!;
  const protonum = Number(tok[1]);
  const timeout = Number(tok[2]);
  let i = 3;
  let state: string | undefined;
  if (tok[i] && !tok[i]!.includes('=') && !tok[i]!.startsWith('[')) state = tok[i++];
  const dirs: Map<string, string>[] = [new Map()];
  const flags: string[] = [];
  let mark = 0;
  for (; i < tok.length; i++) {
    const t = tok[i]!;
    if (t.startsWith('[')) { flags.push(t.slice(1, -1)); continue; }
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    const k = t.slice(0, eq), v = t.slice(eq + 1);
    if (k === 'use') break; // only `id=` of `-o id` follows
    if (k === 'mark') { mark = Number(v); continue; }
    if (['zone', 'secctx', 'packets', 'bytes'].includes(k)) continue;
    let cur = dirs[dirs.length - 1]!;
    if (k === 'src' && cur.has('src')) { cur = new Map(); dirs.push(cur); }
    if (dirs.length > 2) break;
    cur.set(k, v);
  }
  if (dirs.length !== 2) throw new Error(`conntrack line without two tuples: ${line}`);
  return { proto, protonum, timeout, state, orig: tupleFrom(dirs[0]!), reply: tupleFrom(dirs[1]!), flags, mark, line };
}

/** Parses `conntrack -L` stdout (the summary line goes to stderr and is not expected here). */
export function parseConntrack(text: string): CtEntry[] {
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('conntrack v')).map(parseConntrackLine);
}

/** Reads the node's conntrack table of a family (`conntrack -L [-f ipv6]`); also returns the summary count from stderr. */
export function readConntrack(topo: Topology, family: Family = 'ipv4'): { entries: CtEntry[]; summary: number | null } {
  const args = family === 'ipv6' ? ['-L', '-f', 'ipv6'] : ['-L'];
  const r = topo.exec(topo.node, 'conntrack', args);
  if (r.status !== 0) throw new Error(`conntrack ${args.join(' ')}: ${r.stderr}`);
  const m = /(\d+) flow entries have been shown/.exec(r.stderr);
  return { entries: parseConntrack(r.stdout), summary: m ? Number(m[1]) : null };
}

/** Counts of items by a key. */
export function countBy<T>(items: readonly T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}
