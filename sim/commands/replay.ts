/**
 * `natsim replay CAPTURE`: a capture (pcap or pcapng) through a node's ruleset. The capture's
 * timestamps drive the virtual clock; each packet gets one line like tcpdump's (time, addresses
 * and ports, → the rewritten ones, the fate and the rule that decided); replies the capture shows
 * from the client's side (the service address answering) are turned into what the node receives
 * from the endpoint (the conntrack entry's reply tuple) and come back un-NATed. A summary follows
 * (packets and bytes by fate, NAT mappings, per-service endpoint split with its test, the
 * conntrack table), and `--write` saves the packets as they leave the node.
 */
import type { ChalkInstance } from 'chalk';
import { Engine, type PacketResult } from '../../engine/engine.js';
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import type { ConntrackEntry } from '../../engine/conntrack/entry.js';
import { formatConntrackList } from '../../engine/conntrack/format.js';
import { makeTuple } from '../../engine/conntrack/tuple.js';
import { lookupRoute } from '../../engine/host/host.js';
import { manipPacket } from '../../engine/nat.js';
import { formatAddr, wordsEqual } from '../../engine/net/addr.js';
import { decodePacket, type Packet } from '../../engine/packet.js';
import { ruleText, saveRuleset } from '../../engine/ruleset/save.js';
import { writeFileSync } from 'node:fs';
import { readCapture, type CaptureRecord } from '../capture/reader.js';
import { decodeLink, encapsulate, LINKTYPE } from '../capture/link.js';
import { CaptureWriter } from '../capture/writer.js';
import { expectSplit } from '../expect.js';
import { compareSplit, formatSplit } from '../split-report.js';
import { describePacket, pathJson, formatPath } from '../path-report.js';
import { outcomeKey } from './flows.js';
import type { Streams } from '../cli.js';
import { loadNode, type NodeOptions } from './packet.js';
import { displayName } from '../io.js';

/** Options of `natsim replay`. */
export interface ReplayOptions extends NodeOptions {
  capture: string;
  ifaceMap: string[];
  direction: 'in' | 'out' | 'auto';
  write?: string;
  writeDropped: boolean;
  json: boolean;
  ndjson: boolean;
  summary: boolean;
  trace: boolean;
  strict: boolean;
  saveCounters?: string;
  seed: string;
}

interface ConnInfo {
  /** Interface the connection's first packet left by (where its replies come from). */
  out: string | null;
  /** The first packet was delivered to the node itself. */
  local: boolean;
}

function hms(rec: CaptureRecord): string {
  const d = new Date(rec.tsSec * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(Math.floor(rec.tsNsec / 1000), 6)}`;
}

/** Run `natsim replay`. */
export async function runReplay(o: ReplayOptions, streams: Streams, c: ChalkInstance): Promise<void> {
  const { ruleset, host } = loadNode(o, streams);
  const family = ruleset.family;
  // The path is recorded only when something shows it (lines, --trace, the writer's comments).
  const needSteps = o.trace || o.ndjson || (!o.summary && !o.json) || (o.write !== undefined && o.write.endsWith('.pcapng'));
  const engine = new Engine({ ruleset, host, seed: o.seed, trace: needSteps });
  const map = new Map<string, string>();
  for (const m of o.ifaceMap) {
    const [from, to] = m.split('=');
    if (!from || !to) throw new NatsimError('USAGE', `--iface-map ${m}: expected CAPTURE_IF=NODE_IF`, {}, EXIT_BAD_INPUT);
    if (!host.interfaces.has(to)) throw new NatsimError('USAGE', `--iface-map ${m}: the node has no interface ${to} (it has ${[...host.interfaces.keys()].join(', ')})`, {}, EXIT_BAD_INPUT);
    map.set(from, to);
  }
  const writer = o.write ? CaptureWriter.toFile(o.write, { format: o.write.endsWith('.pcapng') ? 'pcapng' : 'pcap', linkType: LINKTYPE.ETHERNET, resolution: 'ns', file: displayName(o.write) }) : null;
  // Weakly held: entries the conntrack table drops are released with it (memory stays flat).
  const conns = new WeakMap<ConntrackEntry, ConnInfo>();
  const fates = new Map<string, { packets: number; bytes: number }>();
  const endpoints = new Map<string, Map<string, number>>();
  /** The first NAT mappings, kept to show; the rest only counted (memory stays flat on long captures). */
  const mappings: string[] = [];
  const MAX_MAPPINGS = 1000;
  let mappingCount = 0;
  let t0: number | null = null;
  let packets = 0, notIp = 0, undecodable = 0, translatedReplies = 0;
  const notIpReasons = new Map<string, number>();
  const stop = { requested: false };
  const onSigint = (): void => { stop.requested = true; };
  process.once('SIGINT', onSigint);
  const progress = process.stderr.isTTY && !o.json && !o.ndjson;
  try {
    for await (const rec of readCapture(o.capture, { file: displayName(o.capture) })) {
      if (stop.requested) break;
      packets++;
      const frame = decodeLink(rec.interface.linkType, rec.captured, rec.originalLength);
      if (frame.kind !== 'ip') { notIp++; notIpReasons.set(frame.reason, (notIpReasons.get(frame.reason) ?? 0) + 1); continue; }
      if (frame.family !== family) { notIp++; notIpReasons.set(`${frame.family} (the ruleset is ${family})`, (notIpReasons.get(`${frame.family} (the ruleset is ${family})`) ?? 0) + 1); continue; }
      let pkt: Packet;
      try {
        pkt = decodePacket(frame.family, frame.datagram.slice(), frame.wireLength);
      } catch (e) {
        if (o.strict) throw new NatsimError('PARSE', `${(e as Error).message}`, { file: displayName(o.capture), packet: rec.index, offset: rec.offset }, EXIT_BAD_INPUT);
        undecodable++;
        continue;
      }
      if (frame.ethernet) pkt.link = frame.ethernet;
      const ms = rec.timestampMs;
      if (t0 === null) t0 = ms;
      engine.now = Math.max(engine.now, ms - t0);
      // A reply the capture shows from the client's side: the node receives it from the endpoint.
      let replyNote = '';
      const asReply = clientSideReply(engine, pkt);
      if (asReply) {
        const info = conns.get(asReply.entry);
        const before = describePacket({ src: formatAddr(family, pkt.src), dst: formatAddr(family, pkt.dst), sport: pkt.sport, dport: pkt.dport, proto: pkt.proto }, family);
        const t = asReply.entry.tuple[1];
        manipPacket(pkt, makeTuple(family, t.src, t.dst, t.proto, t.sport, t.dport), 'src');
        manipPacket(pkt, makeTuple(family, t.src, t.dst, t.proto, t.sport, t.dport), 'dst');
        replyNote = ` (captured as ${before}; the node receives it from the endpoint)`;
        translatedReplies++;
        pkt.inIface = info?.out ?? null;
      }
      let r: PacketResult;
      const capIf = rec.interface.name;
      const mapped = capIf ? map.get(capIf) : undefined;
      const isLocalSrc = lookupRoute(host, family, pkt.src)?.type === 'local';
      const out = o.direction === 'out' || (o.direction === 'auto' && isLocalSrc && !asReply);
      if (out) {
        r = engine.send(pkt);
      } else {
        const inIf = asReply && pkt.inIface ? pkt.inIface : mapped ?? lookupRoute(host, family, pkt.src)?.dev ?? [...host.interfaces.keys()].find((n) => n !== 'lo')!;
        r = engine.receive(pkt, inIf);
      }
      if (r.conntrack && !conns.has(r.conntrack)) {
        conns.set(r.conntrack, { out: r.out, local: r.fate.kind === 'delivered' });
        if (r.after.dst !== r.before.dst || r.after.src !== r.before.src || r.after.sport !== r.before.sport || r.after.dport !== r.before.dport) {
          mappingCount++;
          if (mappings.length < MAX_MAPPINGS) mappings.push(`${describePacket(r.before, family)} ⇒ ${describePacket(r.after, family)}`);
        }
        const key = outcomeKey({ first: r, fate: r.fate.kind as never, endpoint: r.fate.kind === 'dropped' ? null : `${r.after.dst}:${r.after.dport}`, results: [r] });
        const svc = `${r.before.proto}/${r.before.dst}:${r.before.dport}`;
        if (r.after.dst !== r.before.dst || r.after.dport !== r.before.dport) {
          const m = endpoints.get(svc) ?? new Map<string, number>();
          m.set(key, (m.get(key) ?? 0) + 1);
          endpoints.set(svc, m);
        }
      }
      const fk = r.fate.kind === 'dropped' && r.emitted.length > 0 ? 'rejected' : r.fate.kind;
      const f = fates.get(fk) ?? { packets: 0, bytes: 0 };
      f.packets++; f.bytes += r.packet.length;
      fates.set(fk, f);
      if (writer && (r.fate.kind !== 'dropped' && r.fate.kind !== 'held' || o.writeDropped)) {
        const decided = decidingRule(r, family);
        writer.write({
          tsSec: rec.tsSec, tsNsec: rec.tsNsec,
          data: encapsulate(LINKTYPE.ETHERNET, family, r.packet.data),
          interface: r.out ?? r.in ?? 'node',
          ...(decided ? { comment: decided } : {}),
        });
      }
      if (o.ndjson) streams.out(JSON.stringify({ index: rec.index, time: hms(rec), ...(pathJson(r, family, engine.now) as object) }) + '\n');
      else if (!o.json && !o.summary) {
        const decided = decidingRule(r, family);
        const rewritten = r.after.src !== r.before.src || r.after.dst !== r.before.dst || r.after.sport !== r.before.sport || r.after.dport !== r.before.dport;
        const fate = r.fate.kind === 'forwarded' ? `forwarded ${r.fate.out}` : r.fate.kind === 'delivered' ? 'delivered' : r.fate.kind === 'sent' ? `sent ${r.fate.out}` : r.fate.kind === 'held' ? 'held (fragment)' : c.red(r.emitted.length ? 'rejected' : 'dropped');
        streams.out(`${hms(rec)} ${describePacket(r.before, family)}${rewritten ? ` ${c.green('⇒')} ${describePacket(r.after, family)}` : ''} ${fate} [${r.ctstate}]${decided ? c.dim(` ${decided}`) : ''}${c.dim(replyNote)}\n`);
        if (o.trace) streams.out(formatPath(r, family, c, engine.now).split('\n').map((l) => '    ' + l).join('\n') + '\n');
      }
      if (progress && packets % 10000 === 0) process.stderr.write(`\r${packets.toLocaleString('en-US')} packets`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (progress) process.stderr.write('\r');
    writer?.close();
  }
  if (o.saveCounters) writeFileSync(o.saveCounters, saveRuleset(ruleset, { counters: true }));
  if (o.json) {
    streams.out(JSON.stringify({ packets, notIp, undecodable, translatedReplies, fates: Object.fromEntries(fates), mappingCount, mappings, conntrack: formatConntrackList(engine.conntrack.list(engine.now), engine.now).split('\n').filter(Boolean) }, null, 2) + '\n');
    return;
  }
  if (o.ndjson) return;
  // The summary.
  streams.out('\n' + c.bold(`${packets.toLocaleString('en-US')} packets${stop.requested ? ' (stopped by Ctrl-C; the summary so far)' : ''}`) + '\n');
  for (const [k, v] of fates) streams.out(`  ${k.padEnd(10)} ${String(v.packets).padStart(9)} packets ${String(v.bytes).padStart(12)} bytes\n`);
  if (notIp) streams.out(`  not replayed: ${notIp} frames that are not IP of this ruleset's family (${[...notIpReasons].map(([k, n]) => `${k} ${n}`).join(', ')})\n`);
  if (undecodable) streams.out(`  not replayed: ${undecodable} packets whose IP header could not be decoded (--strict stops at the first)\n`);
  if (translatedReplies) streams.out(`  ${translatedReplies} replies captured on the client's side were replayed as the node receives them from their endpoints\n`);
  if (mappingCount) {
    streams.out(c.bold(`NAT mappings (${mappingCount} connections)`) + '\n');
    for (const m of mappings.slice(0, 20)) streams.out(`  ${m}\n`);
    if (mappingCount > 20) streams.out(`  … and ${mappingCount - 20} more (--json lists the first ${MAX_MAPPINGS})\n`);
  }
  for (const [svc, observed] of endpoints) {
    const [proto, rest] = svc.split('/');
    const dst = rest!.slice(0, rest!.lastIndexOf(':'));
    const port = Number(rest!.slice(rest!.lastIndexOf(':') + 1));
    const addr = family === 'ipv4' ? [Number(dst.split('.').reduce((a, b) => a * 256 + Number(b), 0))] : null;
    if (!addr) continue;
    streams.out(c.bold(`\nconnections to ${dst}:${port} per endpoint`) + '\n');
    const exp = expectSplit(ruleset, host, { family, proto: Number(proto), dst: addr, dport: port });
    streams.out(formatSplit(compareSplit(observed, exp), c) + '\n');
  }
  streams.out(c.bold('\nconntrack -L') + '\n' + formatConntrackList(engine.conntrack.list(engine.now), engine.now) + '\n');
  if (o.saveCounters) streams.out(c.dim(`counters as iptables-save -c prints them: ${o.saveCounters}`) + '\n');
  if (o.write) streams.out(c.dim(`packets as they left the node: ${o.write}`) + '\n');
}

/** The rule that decided a packet: the dropping rule, or the NAT rule that bound it. */
function decidingRule(r: PacketResult, family: 'ipv4' | 'ipv6'): string | null {
  if (r.fate.kind === 'dropped') return r.fate.entry && r.fate.entry.kind === 'rule' ? ruleText(family, r.fate.entry.chain.name, r.fate.entry.rule) : r.fate.by;
  for (const s of r.steps) {
    if (s.kind === 'rule' && s.step.matched && s.step.entry.kind === 'rule' && s.step.entry.target.kind === 'ext' && ['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP'].includes(s.step.entry.target.ext.name)) {
      return ruleText(family, s.step.chain, s.step.entry.rule);
    }
  }
  return null;
}

/**
 * A packet that is the reply of a NATed connection as its client saw it: from the original
 * destination to the original source, ports swapped. Returns the entry, or null.
 */
function clientSideReply(engine: Engine, p: Packet): { entry: ConntrackEntry } | null {
  if (p.proto !== 6 && p.proto !== 17 && p.proto !== 132) return null;
  const t = makeTuple(p.family, p.dst, p.src, p.proto, p.dport, p.sport);
  const slot = engine.conntrack.find(t, engine.now);
  if (!slot || slot.dir !== 0) return null;
  const e = slot.entry;
  const orig = e.tuple[0], reply = e.tuple[1];
  // Only when NAT makes the node see it differently from the capture.
  const natted = !(wordsEqual(reply.src, orig.dst) && wordsEqual(reply.dst, orig.src) && reply.sport === orig.dport && reply.dport === orig.sport);
  return natted ? { entry: e } : null;
}
