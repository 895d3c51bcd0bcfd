/**
 * `natsim packet`: send one packet (or a few) through a node and print its path: every hook,
 * table, chain and rule, the conntrack state, each NAT rewrite and the fate; `--reply` sends the
 * answer back through the node; `--json` prints the trace records.
 */
import type { ChalkInstance } from 'chalk';
import { Engine } from '../../engine/engine.js';
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import { hostFromIpJson, hostFromSpec, type Host, type HostSpec } from '../../engine/host/host.js';
import { parseIPv4Strict, parseIPv6, type Family, type Words } from '../../engine/net/addr.js';
import { buildPacket } from '../../engine/packet.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { parseProtocol } from '../../engine/ext/values.js';
import { displayName, readInput } from '../io.js';
import { formatPath, pathJson } from '../path-report.js';
import { loadScenario } from '../scenario.js';
import { loadInputs } from './rules.js';
import { applySysctls, ignoredNote, parseSysctlArg, readSysctlFile } from '../sysctl.js';
import type { ConntrackConfig } from '../../engine/conntrack/table.js';
import type { Streams } from '../cli.js';

/** Options of `natsim packet`. */
export interface PacketOptions {
  rules: string[];
  scenario?: string;
  host?: string;
  routes?: string;
  in?: string;
  local?: boolean;
  src: string;
  dst: string;
  proto: string;
  count: number;
  reply: boolean;
  json: boolean;
  seed: string;
  tcpFlags?: string;
  family?: Family;
}

/** `IP`, `IP:PORT`, `[IPv6]:PORT` or a bare IPv6 address. */
export function parseEndpoint(text: string, what: string): { addr: Words; port: number; family: Family } {
  let host = text, port = 0;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (m) { host = m[1]!; port = m[2] ? Number(m[2]) : 0; } else if ((text.match(/:/g) ?? []).length === 1) {
    const [h, p] = text.split(':');
    host = h!; port = Number(p);
    if (!/^\d+$/.test(p!)) throw new NatsimError('USAGE', `${what}: bad port in "${text}" (expected IP:PORT)`, {}, EXIT_BAD_INPUT);
  }
  if (port > 65535) throw new NatsimError('USAGE', `${what}: port ${port} is above 65535`, {}, EXIT_BAD_INPUT);
  const v4 = parseIPv4Strict(host);
  if (v4 !== null) return { addr: [v4], port, family: 'ipv4' };
  const v6 = parseIPv6(host);
  if (v6) return { addr: v6, port, family: 'ipv6' };
  throw new NatsimError('USAGE', `${what}: "${host}" is not an IPv4 or IPv6 address`, {}, EXIT_BAD_INPUT);
}

/** A host from `--host` (ip -j addr JSON, or natsim's short form) and `--routes` (ip -j route JSON). */
export function loadHost(hostFile: string | undefined, routesFile: string | undefined): Host | null {
  if (!hostFile) return null;
  const text = readInput(hostFile);
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (e) {
    throw new NatsimError('PARSE', `not JSON: ${(e as Error).message} (expected \`ip -j addr show\` output or a {"interfaces": …} host file)`, { file: displayName(hostFile) }, EXIT_BAD_INPUT);
  }
  if (Array.isArray(parsed)) {
    return hostFromIpJson(text, routesFile ? readInput(routesFile) : '[]', { files: [displayName(hostFile), routesFile ? displayName(routesFile) : 'routes'] });
  }
  return hostFromSpec(parsed as HostSpec, displayName(hostFile));
}

/** The minimal host natsim assumes without a host model, and the sentence that says so. */
export function assumedHost(rs: Ruleset, inIface: string | undefined): { host: Host; note: string } {
  const names = new Set<string>();
  if (inIface) names.add(inIface);
  for (const t of rs.tables.values()) for (const c of t.chains.values()) for (const r of c.rules) {
    for (const n of [r.inIface, r.outIface]) if (n && !n.endsWith('+')) names.add(n);
  }
  if (names.size === 0) names.add('eth0');
  const first = [...names][0]!;
  const host = hostFromSpec({ interfaces: [...names].map((name) => ({ name })), routes: [`default dev ${first}`], forwarding: true });
  return {
    host,
    note: `no host model given (--host/--scenario): assuming a node with interfaces ${[...names].join(', ')}, no addresses but 127.0.0.1 on lo, forwarding on, and a default route out of ${first}; so every packet not for 127/8 is forwarded out ${first}`,
  };
}

/** The source port of a packet whose --src gives none. */
export const DEFAULT_SOURCE_PORT = 40000;

/** Where a node comes from on the command line. */
export interface NodeOptions {
  rules: string[];
  scenario?: string;
  host?: string;
  routes?: string;
  in?: string;
  family?: Family;
  /** `--sysctl KEY=VALUE` settings, applied after the files' (a later one wins). */
  sysctl?: string[];
  /** `--sysctl-file` files (`sysctl -a` output or sysctl.conf), in order. */
  sysctlFiles?: string[];
}

/**
 * The node of a command: its ruleset (files and/or a scenario) and host model (--host/--routes,
 * else the scenario's, else the minimal host natsim assumes, said on stderr).
 */
export function loadNode(o: NodeOptions, streams: Streams): { ruleset: Ruleset; host: Host; conntrack: Partial<ConntrackConfig> } {
  const ruleset = loadInputs({ files: o.rules, ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.family ? { family: o.family } : {}) });
  let host = loadHost(o.host, o.routes);
  if (!host && o.scenario) host = loadScenario(o.scenario).host;
  if (!host) {
    const a = assumedHost(ruleset, o.in);
    host = a.host;
    streams.err(`natsim: note: ${a.note}\n`);
  }
  const settings = [...(o.sysctlFiles ?? []).flatMap(readSysctlFile), ...(o.sysctl ?? []).map(parseSysctlArg)];
  if (settings.length === 0) return { ruleset, host, conntrack: {} };
  const applied = applySysctls(host, settings);
  const note = ignoredNote(applied.ignored);
  if (note) streams.err(note);
  return { ruleset, host: applied.host, conntrack: applied.conntrack };
}

/** Run `natsim packet`. */
export function runPacket(o: PacketOptions, streams: Streams, c: ChalkInstance): void {
  const src = parseEndpoint(o.src, '--src');
  const dst = parseEndpoint(o.dst, '--dst');
  if (src.family !== dst.family) throw new NatsimError('USAGE', '--src and --dst are of different address families', {}, EXIT_BAD_INPUT);
  const proto = parseProtocol(o.proto);
  if (proto === null || ![1, 6, 17, 58, 132].includes(proto)) throw new NatsimError('USAGE', `--proto ${o.proto}: expected tcp, udp, sctp, icmp or icmpv6`, {}, EXIT_BAD_INPUT);
  if (!o.local && !o.in) throw new NatsimError('USAGE', 'say where the packet comes from: --in IFACE (arrives on that interface) or --local (the node sends it)', {}, EXIT_BAD_INPUT);
  if (proto === 6 || proto === 17 || proto === 132) {
    if (dst.port === 0) throw new NatsimError('USAGE', `--dst ${o.dst}: give the destination port (IP:PORT) for ${o.proto}`, {}, EXIT_BAD_INPUT);
    // A client's ephemeral port when none is given.
    if (src.port === 0) src.port = DEFAULT_SOURCE_PORT;
  }
  const { ruleset: rs, host, conntrack } = loadNode({ ...o, family: o.family ?? src.family }, streams);
  const engine = new Engine({ ruleset: rs, host, seed: o.seed, trace: true, conntrack });
  const family = rs.family;
  const icmpProto = family === 'ipv4' ? 1 : 58;
  const realProto = proto === 1 || proto === 58 ? icmpProto : proto;
  const flags = o.tcpFlags ? tcpFlagBits(o.tcpFlags) : 0x02;
  const results: unknown[] = [];
  for (let i = 0; i < o.count; i++) {
    const p = buildPacket({ family, src: src.addr, dst: dst.addr, proto: realProto, sport: src.port, dport: dst.port, tcpFlags: flags, icmpId: src.port || 1, icmpSeq: i + 1 });
    const r = o.local ? engine.send(p) : engine.receive(p, o.in!);
    if (o.json) results.push(pathJson(r, family, engine.now));
    else streams.out(formatPath(r, family, c, engine.now) + '\n');
    if (o.reply) {
      const out = r.after;
      if (r.fate.kind === 'dropped') {
        if (!o.json) streams.out(c.dim('(no reply: the packet was dropped)\n'));
        continue;
      }
      const rp = buildPacket({
        family, src: parseEndpoint(out.dst, 'reply').addr, dst: parseEndpoint(out.src, 'reply').addr, proto: realProto,
        sport: out.dport, dport: out.sport, tcpFlags: realProto === 6 ? 0x12 : 0, ack: 2, icmpType: realProto === 1 ? 0 : 129, icmpId: src.port || 1, icmpSeq: i + 1,
      });
      const back = r.fate.kind === 'delivered' ? engine.send(rp) : engine.receive(rp, r.out ?? o.in ?? 'lo');
      if (o.json) results.push(pathJson(back, family, engine.now));
      else streams.out('\n' + c.bold('reply: ') + formatPath(back, family, c, engine.now) + '\n');
    }
    if (!o.json && i + 1 < o.count) streams.out('\n');
  }
  if (o.json) streams.out(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n');
}

function tcpFlagBits(text: string): number {
  const names: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };
  let v = 0;
  for (const f of text.toUpperCase().split(',')) {
    if (!(f in names)) throw new NatsimError('USAGE', `--tcp-flags: unknown flag ${f} (expected FIN,SYN,RST,PSH,ACK,URG,ECE,CWR)`, {}, EXIT_BAD_INPUT);
    v |= names[f]!;
  }
  return v;
}
