/**
 * `natsim flows`: open N new connections (distinct client address/port pairs) to a destination
 * through the node, every packet of each through the engine with conntrack, and count where each
 * connection ended — a DNAT endpoint, or its fate — then compare with the exact expected split.
 * `--all-services` does it for every service the ruleset defines.
 */
import type { ChalkInstance } from 'chalk';
import seedrandom from 'seedrandom';
import { TABLE_FULL, type ConntrackConfig } from '../../engine/conntrack/table.js';
import { Engine } from '../../engine/engine.js';
import { compileRuleset, type CompiledRuleset } from '../../engine/compile.js';
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import type { Host } from '../../engine/host/host.js';
import { applyMask, formatAddr, maskFromLength, parseMask, type Family, type Words } from '../../engine/net/addr.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { parseProtocol } from '../../engine/ext/values.js';
import { runConnection, type ConnectionOutcome } from '../traffic.js';
import { expectSplit } from '../expect.js';
import { compareSplit, formatSplit, type SplitComparison } from '../split-report.js';
import { findServices, type ServiceAddress } from '../services.js';
import type { Streams } from '../cli.js';
import { loadNode, parseEndpoint, type NodeOptions } from './packet.js';

/** Options of `natsim flows`. */
export interface FlowsOptions extends NodeOptions {
  /** Conntrack settings (from --sysctl): given to every engine the run makes. */
  conntrack?: Partial<ConntrackConfig>;
  to?: string;
  proto: string;
  count: number;
  from?: string;
  local?: boolean;
  packetsPerConnection: number;
  reply: boolean;
  seed: string;
  json: boolean;
  clients?: number;
  allServices: boolean;
  /** Virtual milliseconds between connections. */
  interval: number;
}

/** Where one connection ended, as counted: `ip:port` of the DNAT endpoint, or a fate. */
export function outcomeKey(o: ConnectionOutcome): string {
  if (o.fate === 'dropped') return o.first.emitted.length > 0 ? 'rejected' : 'dropped';
  const b = o.first.before, a = o.first.after;
  const dnat = a.dst !== b.dst || a.dport !== b.dport;
  if (dnat) return o.endpoint!;
  return o.fate === 'delivered' ? 'local' : 'forwarded';
}

/** Whether a connection's first packet was refused by conntrack for want of room (the table full, nothing to early-drop). */
function refusedByConntrack(o: ConnectionOutcome): boolean {
  const f = o.first.fate;
  return f.kind === 'dropped' && f.by === `conntrack: ${TABLE_FULL}`;
}

/** The result of a flows run for one destination. */
export interface FlowsResult {
  destination: string;
  connections: number;
  /**
   * Connections conntrack refused before any rule saw them: the table full (`nf_conntrack_max`)
   * and nothing early drop could take in the 8 buckets after theirs. Not in `observed`: the split
   * compared is the rules', over the connections that reached them.
   */
  refusedTableFull: number;
  /**
   * The run's `conntrack -S` NAT figures: candidate tuples NAT found taken (`found`), and
   * connections dropped at confirmation because their mapping clashed with another's
   * (`insert_failed`): what a crowded SNAT/MASQUERADE port range does.
   */
  natFound: number;
  insertFailed: number;
  /** The node's `nf_conntrack_max` and `nf_conntrack_buckets`. */
  conntrackMax: number;
  conntrackBuckets: number;
  observed: Map<string, number>;
  /** Connections whose later packets went somewhere else than their first (must be 0). */
  unpinned: number;
  /** Replies that came back with the original destination as source and to the client's port. */
  repliesUnNated: number;
  replies: number;
  /** Client addresses used, and how many distinct outcomes each client's connections reached. */
  clients: number;
  /** Share of clients (with two or more connections) whose connections all reached one outcome. */
  pinnedClients: number | null;
  comparison: SplitComparison;
}

/** Client addresses of `--from` (an address or a CIDR), excluding the node's own addresses. */
function clientPool(family: Family, from: string | undefined, host: Host, inIface: string | undefined): { base: Words; size: number } {
  let text = from;
  if (!text) {
    const ifc = inIface ? host.interfaces.get(inIface) : [...host.interfaces.values()].find((i) => i.name !== 'lo');
    const a = ifc?.addrs.find((x) => x.family === family && x.prefixLen < (family === 'ipv4' ? 31 : 127));
    text = a ? `${formatAddr(family, applyMask(a.addr, maskFromLength(family, a.prefixLen)))}/${a.prefixLen}` : family === 'ipv4' ? '198.18.0.0/15' : '2001:db8:c11e::/64';
  }
  const slash = text.indexOf('/');
  const ep = parseEndpoint(slash >= 0 ? text.slice(0, slash) : text, '--from');
  if (ep.family !== family) throw new NatsimError('USAGE', `--from ${text}: not an ${family} address`, {}, EXIT_BAD_INPUT);
  if (slash < 0) return { base: ep.addr, size: 1 };
  const mask = parseMask(family, text.slice(slash + 1));
  if (!mask) throw new NatsimError('USAGE', `--from ${text}: bad prefix length`, {}, EXIT_BAD_INPUT);
  const bits = (family === 'ipv4' ? 32 : 128) - Number(text.slice(slash + 1));
  return { base: applyMask(ep.addr, mask), size: bits >= 31 ? 0x7fffffff : 2 ** bits };
}

function addOffset(base: Words, off: number): Words {
  const w = base.slice();
  let carry = off;
  for (let i = w.length - 1; i >= 0 && carry > 0; i--) {
    const v = w[i]! + carry;
    w[i] = v >>> 0;
    carry = Math.floor(v / 0x100000000);
  }
  return w;
}

/**
 * Run flows to one destination on a fresh engine: of `rs` compiled afresh, or of `compiled` (its
 * compile, shared by runs one after another) with its rules' changing state made afresh.
 */
export function runFlows(rs: Ruleset, host: Host, o: FlowsOptions, dst: { addr: Words; port: number; family: Family }, proto: number, compiled?: CompiledRuleset): FlowsResult {
  const family = dst.family;
  const engine = new Engine({ ruleset: rs, host, seed: o.seed, ...(compiled ? { compiled } : {}), ...(o.conntrack ? { conntrack: o.conntrack } : {}) });
  const rng = seedrandom(`${o.seed}/clients`);
  const pool = clientPool(family, o.from, host, o.in);
  // Addresses as set keys: an IPv4 address as a small integer (no text per candidate), IPv6 as text.
  const addrKey = (f: Family, a: Words): number | string => (f === 'ipv4' ? a[0]! | 0 : formatAddr(f, a));
  const own = new Set<number | string>();
  for (const i of host.interfaces.values()) for (const a of i.addrs) own.add(addrKey(a.family, a.addr));
  // Clients: M addresses (default: one per connection where the pool allows), each with its own
  // source-port counter, so every connection is a distinct address/port pair.
  const m = Math.max(1, Math.min(o.clients ?? o.count, pool.size));
  const clients: Words[] = [];
  const seen = new Set<number | string>();
  for (let tries = 0; clients.length < m && tries < m * 20 + 100; tries++) {
    const off = pool.size <= 2 ? clients.length : 1 + Math.floor(rng() * (pool.size - 2));
    const a = addOffset(pool.base, off);
    const key = addrKey(family, a);
    if (seen.has(key) || own.has(key)) continue;
    seen.add(key);
    clients.push(a);
  }
  if (clients.length === 0) throw new NatsimError('USAGE', `--from: no client address left after excluding the node's own`, {}, EXIT_BAD_INPUT);
  // Per client: the next source port (0: none yet), connections, its first outcome, whether it reached another.
  const nextPort = new Int32Array(clients.length);
  const perClientN = new Int32Array(clients.length);
  const perClientFirst: (string | undefined)[] = new Array<string | undefined>(clients.length);
  const perClientMixed = new Uint8Array(clients.length);
  const observed = new Map<string, number>();
  let unpinned = 0, replies = 0, repliesUnNated = 0, refused = 0;
  const from = o.local ? 'local' : o.in ?? [...host.interfaces.keys()].find((n) => n !== 'lo') ?? 'eth0';
  const localSrc = o.local ? host.interfaces.get([...host.interfaces.keys()].find((n) => n !== 'lo')!)?.addrs.find((a) => a.family === family)?.addr : undefined;
  for (let i = 0; i < o.count; i++) {
    const ci = clients.length === o.count ? i : Math.floor(rng() * clients.length);
    const port = nextPort[ci] !== 0 ? nextPort[ci]! : 1024 + Math.floor(rng() * 20000);
    nextPort[ci] = port >= 65535 ? 1024 : port + 1;
    const src = localSrc ?? clients[ci]!;
    const outc = runConnection(engine, { family, proto: proto as 6 | 17 | 132, src, sport: port, dst: dst.addr, dport: dst.port, from, packets: o.packetsPerConnection, reply: o.reply });
    if (refusedByConntrack(outc)) {
      refused++;
      engine.advance(o.interval);
      continue;
    }
    const key = outcomeKey(outc);
    observed.set(key, (observed.get(key) ?? 0) + 1);
    if (perClientN[ci]++ === 0) perClientFirst[ci] = key;
    else if (perClientFirst[ci] !== key) perClientMixed[ci] = 1;
    const first = outc.first.after;
    const srcText = formatAddr(family, src);
    for (const r of outc.results) {
      const isClient = r.before.src === srcText && r.before.sport === port;
      if (isClient && r.fate.kind !== 'dropped' && (r.after.dst !== first.dst || r.after.dport !== first.dport)) { unpinned++; break; }
    }
    if (o.reply && outc.fate !== 'dropped') {
      // The peer's first answer (UDP reply, TCP SYN/ACK), as it left the node towards the client.
      const peer = outc.first.after;
      const back = outc.results.find((r, k) => k > 0 && r.before.src === peer.dst && r.before.sport === peer.dport);
      if (back) {
        replies++;
        if (back.after.src === outc.first.before.dst && back.after.sport === outc.first.before.dport && back.after.dst === outc.first.before.src && back.after.dport === port) repliesUnNated++;
      }
    }
    engine.advance(o.interval);
  }
  const dstText = family === 'ipv6' ? `[${formatAddr(family, dst.addr)}]:${dst.port}` : `${formatAddr(family, dst.addr)}:${dst.port}`;
  // The exact split for this run's clients (its first client: -s rules may tell clients apart).
  const expected = expectSplit(rs, host, { family, proto, dst: dst.addr, dport: dst.port, ...(o.local ? { local: true } : { src: clients[0]!, ...(o.in ? { inIface: o.in } : {}) }) }, engine.compiled);
  let repeat = 0, pinned = 0;
  for (let c = 0; c < clients.length; c++) {
    if (perClientN[c]! < 2) continue;
    repeat++;
    if (perClientMixed[c] === 0) pinned++;
  }
  const pinnedClients = repeat ? pinned / repeat : null;
  return { destination: dstText, connections: o.count, refusedTableFull: refused, natFound: engine.conntrack.stats.found, insertFailed: engine.conntrack.stats.insertFailed, conntrackMax: engine.conntrack.max, conntrackBuckets: engine.conntrack.buckets, observed, unpinned, replies, repliesUnNated, clients: clients.length, pinnedClients, comparison: compareSplit(observed, expected) };
}

/** One row of `natsim flows --all-services`. */
export interface ServiceFlowsRow {
  service: string;
  destination: string;
  proto: number;
  endpoints: number;
  worstDeviation: number;
  pValue: number;
  verdict: SplitComparison['verdict'];
}

/** `natsim flows --all-services`: flows to every service the nat rules define, a fresh node each. */
export function allServiceFlows(ruleset: Ruleset, host: Host, o: FlowsOptions): ServiceFlowsRow[] {
  const services = findServices(ruleset);
  if (services.length === 0) throw new NatsimError('USAGE', 'no services found in the ruleset (nat rules matching a host address, a protocol and a port, that jump or DNAT)', {}, EXIT_BAD_INPUT);
  // One compile for every service's run (each a fresh node all the same: see runFlows).
  const compiled = compileRuleset(ruleset);
  return services.map((svc: ServiceAddress) => {
    // Each service gets its own sample (a seed derived from the run's seed and the service).
    const r = runFlows(ruleset, host, { ...o, seed: `${o.seed}/${svc.label}/${svc.proto}` }, { addr: svc.addr, port: svc.port, family: ruleset.family }, svc.proto, compiled);
    const worst = r.comparison.endpoints.reduce((m, e) => Math.max(m, Math.abs(e.difference)), 0);
    return { service: svc.label, destination: r.destination, proto: svc.proto, endpoints: r.comparison.endpoints.length, worstDeviation: worst, pValue: r.comparison.pValue, verdict: r.comparison.verdict };
  });
}

/** Run `natsim flows`. */
export function runFlowsCommand(o: FlowsOptions, streams: Streams, c: ChalkInstance): void {
  const protoNum = parseProtocol(o.proto);
  if (protoNum === null || ![6, 17, 132].includes(protoNum)) throw new NatsimError('USAGE', `--proto ${o.proto}: expected udp, tcp or sctp`, {}, EXIT_BAD_INPUT);
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 10_000_000) throw new NatsimError('USAGE', `--count ${o.count}: expected a whole number from 1 to 10,000,000`, {}, EXIT_BAD_INPUT);
  if (!o.allServices && !o.to) throw new NatsimError('USAGE', 'say where the connections go: --to IP:PORT, or --all-services', {}, EXIT_BAD_INPUT);
  const first = o.to ? parseEndpoint(o.to, '--to') : null;
  const { ruleset, host, conntrack } = loadNode({ ...o, ...(first ? { family: first.family } : {}) }, streams);
  o.conntrack = conntrack;
  if (!o.local && !o.in) o.in = [...host.interfaces.keys()].find((n) => n !== 'lo');
  if (!o.allServices) {
    const r = runFlows(ruleset, host, o, first!, protoNum);
    if (o.json) {
      streams.out(JSON.stringify({ destination: r.destination, proto: o.proto, seed: o.seed, opened: r.connections, refusedTableFull: r.refusedTableFull, conntrackStats: { found: r.natFound, insert_failed: r.insertFailed }, clients: r.clients, pinnedClients: r.pinnedClients, unpinned: r.unpinned, replies: r.replies, repliesUnNated: r.repliesUnNated, ...r.comparison }, null, 2) + '\n');
      return;
    }
    streams.out(c.bold(`${r.connections.toLocaleString('en-US')} ${o.proto} connections to ${r.destination}${o.local ? ' sent by the node' : ` arriving on ${o.in}`} (seed ${JSON.stringify(o.seed)})`) + '\n');
    if (r.refusedTableFull > 0) {
      streams.out(c.yellow(`${r.refusedTableFull.toLocaleString('en-US')} refused by conntrack before any rule saw them: the table was full (nf_conntrack_max ${r.conntrackMax.toLocaleString('en-US')}, nf_conntrack_buckets ${r.conntrackBuckets.toLocaleString('en-US')}) and early drop found no unassured entry in the 8 hash buckets after theirs ("nf_conntrack: table full, dropping packet"); the split below is over the other ${(r.connections - r.refusedTableFull).toLocaleString('en-US')}`) + '\n');
    }
    if (r.insertFailed > 0) {
      streams.out(c.yellow(`${r.insertFailed.toLocaleString('en-US')} dropped by conntrack after the rules: their NAT mapping clashed with another connection's at confirmation (conntrack -S insert_failed) — the port range had no free port left (NAT found ${r.natFound.toLocaleString('en-US')} candidates taken, conntrack -S found); they count as dropped below`) + '\n');
    } else if (r.natFound > 0) {
      streams.out(`NAT found ${r.natFound.toLocaleString('en-US')} candidate ${r.natFound === 1 ? 'tuple' : 'tuples'} taken and searched on (conntrack -S found); every connection got a mapping\n`);
    }
    streams.out(formatSplit(r.comparison, c) + '\n');
    streams.out(`later packets of every connection stayed on its endpoint: ${r.unpinned === 0 ? c.green('yes') : c.red(`no, ${r.unpinned} connections moved`)}\n`);
    if (r.pinnedClients !== null && r.clients < r.connections) {
      streams.out(`${r.clients.toLocaleString('en-US')} clients: ${(r.pinnedClients * 100).toFixed(1)}% of those with several connections had all of them reach one endpoint` +
        `${r.pinnedClients > 0.99 ? ' (session affinity: the split above counts clients, not connections, so the test sees far fewer independent draws than connections)' : ''}\n`);
    }
    if (o.reply) streams.out(`replies un-NATed back to the client: ${r.repliesUnNated.toLocaleString('en-US')} of ${r.replies.toLocaleString('en-US')}\n`);
    return;
  }
  const rows = allServiceFlows(ruleset, host, o);
  if (o.json) { streams.out(JSON.stringify(rows, null, 2) + '\n'); return; }
  streams.out(c.bold(`${o.count.toLocaleString('en-US')} connections to each of ${rows.length} services (seed ${JSON.stringify(o.seed)})`) + '\n');
  const w = Math.max(8, ...rows.map((r) => r.service.length));
  streams.out(`${'service'.padEnd(w)}  ${'destination'.padEnd(22)} ${'endpoints'.padStart(9)} ${'worst dev.'.padStart(10)} ${'p-value'.padStart(8)}\n`);
  for (const r of rows) {
    const p = r.pValue.toFixed(3);
    streams.out(`${r.service.padEnd(w)}  ${r.destination.padEnd(22)} ${String(r.endpoints).padStart(9)} ${(r.worstDeviation * 100).toFixed(2).padStart(9)}% ${(r.pValue < 0.05 ? c.red(p) : p).padStart(8)}\n`);
  }
}
