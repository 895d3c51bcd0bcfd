/**
 * The natsim side of the packet comparison: the same host model and the same traffic as the
 * kernel run (UDP queries answered by each pod's echo, TCP connections where the pod replies and
 * closes first, pings), through natsim's engine; read back as the kernel side is (counters as
 * `iptables-save -c` prints them, `conntrack -L` lines, what each receiver saw).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, type PacketResult } from '../../../engine/engine.js';
import { formatConntrackList } from '../../../engine/conntrack/format.js';
import { hostFromSpec } from '../../../engine/host/host.js';
import { parseIPv4Strict } from '../../../engine/net/addr.js';
import { buildPacket, type Packet } from '../../../engine/packet.js';
import { loadRuleset } from '../../../engine/ruleset/load.js';
import { saveRuleset } from '../../../engine/ruleset/save.js';
import { parseConntrack, parseSaveCounters, type CtEntry, type TableCounters } from './collect.js';
import type { HostModel } from './topology.js';
import type { ReceiverRecord } from './traffic.js';

/** One batch of connections from a neighbour, as the kernel side's udp-send/tcp-send make them. */
export interface NatsimFlows {
  client: string;
  to: string;
  proto: 'udp' | 'tcp';
  port: number;
  count: number;
  sportBase: number;
}

/** Traffic of a run, as the kernel side sends it, in order. */
export interface NatsimTraffic {
  flows: NatsimFlows[];
  /** The neighbour that pings, if any. */
  pinger?: string;
  /** Pings: destination, count and the echo id the kernel's ping used. */
  ping: { to: string; count: number; id: number } | null;
}

/** What a natsim run produced, in the kernel side's shapes. */
export interface NatsimPacketRun {
  counters: TableCounters[];
  conntrack: CtEntry[];
  receivers: Map<string, ReceiverRecord[]>;
  /** Every packet's result, for debugging. */
  results: PacketResult[];
}

const ip = (s: string): number[] => [parseIPv4Strict(s)!];
const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The receivers' padding: replies are as long whoever sends them (see receiver.mjs). */
function pad(name: string): string {
  return ' '.repeat(Math.max(0, 12 - name.length));
}

/** SYN options as Linux sends them: mss 1460, sackOK, timestamps, nop, wscale 10 (20 bytes). */
function synOptions(tsval: number, tsecr: number): Uint8Array {
  return Uint8Array.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, ...u32(tsval), ...u32(tsecr), 1, 3, 3, 10]);
}

/** nop, nop, timestamps (12 bytes), as on every later segment. */
function tsOptions(tsval: number, tsecr: number): Uint8Array {
  return Uint8Array.from([1, 1, 8, 10, ...u32(tsval), ...u32(tsecr)]);
}

function u32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** Run the model's node in natsim with the given traffic. */
export function runNatsimModel(modelPath: string, dir: string, t: NatsimTraffic, seed = 'kernel-parity'): NatsimPacketRun {
  const model = JSON.parse(readFileSync(modelPath, 'utf8')) as HostModel;
  const node = model.node;
  const host = hostFromSpec({
    interfaces: [
      ...node.interfaces.map((i) => ({ name: i.name, addrs: i.addresses })),
      ...(node.bridges ?? []).map((b) => ({ name: b.name, addrs: b.addresses })),
    ],
    routes: (node.routes ?? []).map((r) => `${r.to} via ${r.via}`),
    forwarding: node.forwarding,
  });
  const sources = model.rules.map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
  const rs = loadRuleset(sources, { noflush: model.noflush ?? false });
  const engine = new Engine({ ruleset: rs, host, seed });
  const byAddr = new Map(model.neighbours.map((n) => [n.address.split('/')[0]!, n]));
  const receivers = new Map<string, ReceiverRecord[]>();
  for (const n of model.neighbours) if (n.listen) receivers.set(n.name, []);
  const results: PacketResult[] = [];
  let clientIface = '';
  let clientAddr = '';
  const fromClient = (p: Packet): PacketResult => { const r = engine.receive(p, clientIface); results.push(r); return r; };
  const fromPeer = (first: PacketResult, p: Packet): PacketResult => { const r = engine.receive(p, first.out!); results.push(r); return r; };
  const record = (r: PacketResult, proto: 'udp' | 'tcp'): string | null => {
    const n = byAddr.get(r.after.dst);
    if (!n || !receivers.has(n.name)) return null;
    receivers.get(n.name)!.push({ proto, local: r.after.dst, localPort: r.after.dport, remote: r.after.src, remotePort: r.after.sport });
    return n.name;
  };

  for (const f of t.flows) {
    const n = model.neighbours.find((x) => x.name === f.client)!;
    clientIface = n.attach;
    clientAddr = n.address.split('/')[0]!;
    if (f.proto === 'udp') udpFlows(f); else tcpFlows(f);
  }

  function udpFlows(f: NatsimFlows): void {
  for (let i = 0; i < f.count; i++) {
    const q = enc(`q${i}`);
    const first = fromClient(buildPacket({ src: ip(clientAddr), dst: ip(f.to), proto: 17, sport: f.sportBase + i, dport: f.port, payload: q }));
    if (first.fate.kind === 'dropped') continue;
    const name = record(first, 'udp');
    if (!name) continue;
    const a = first.after;
    const answer = enc(JSON.stringify({ name, pad: pad(name), echo: `q${i}` }));
    fromPeer(first, buildPacket({ src: ip(a.dst), dst: ip(a.src), proto: 17, sport: a.dport, dport: a.sport, payload: answer }));
  }
  }

  // Linux's exchange, as captured between two namespaces with these scripts: options on SYN and
  // SYN/ACK (mss, sackOK, timestamps, nop, wscale 10), timestamps on every other segment; the
  // pod ACKs the request at once (quick-ack), answers, the client ACKs, then the pod closes first.
  function tcpFlows(f: NatsimFlows): void {
  for (let i = 0; i < f.count; i++) {
    const c = { src: ip(clientAddr), dst: ip(f.to), proto: 6 as const, sport: f.sportBase + i, dport: f.port };
    const cisn = 1000, sisn = 900000;
    const syn = fromClient(buildPacket({ ...c, tcpFlags: SYN, seq: cisn, window: 64240, tcpOptions: synOptions(1, 0) }));
    if (syn.fate.kind === 'dropped') continue;
    const name = record(syn, 'tcp');
    if (!name) continue;
    const a = syn.after;
    const s = { src: ip(a.dst), dst: ip(a.src), proto: 6 as const, sport: a.dport, dport: a.sport };
    const q = enc(`q${i}`);
    const reply = enc(JSON.stringify({ name, pad: pad(name) }));
    const cs = cisn + 1, ss = sisn + 1;
    fromPeer(syn, buildPacket({ ...s, tcpFlags: SYN | ACK, seq: sisn, ack: cs, window: 65160, tcpOptions: synOptions(2, 1) }));
    fromClient(buildPacket({ ...c, tcpFlags: ACK, seq: cs, ack: ss, window: 63, tcpOptions: tsOptions(3, 2) }));
    fromClient(buildPacket({ ...c, tcpFlags: PSH | ACK, seq: cs, ack: ss, window: 63, tcpOptions: tsOptions(3, 2), payload: q }));
    fromPeer(syn, buildPacket({ ...s, tcpFlags: ACK, seq: ss, ack: cs + q.length, window: 64, tcpOptions: tsOptions(4, 3) }));
    fromPeer(syn, buildPacket({ ...s, tcpFlags: PSH | ACK, seq: ss, ack: cs + q.length, window: 64, tcpOptions: tsOptions(4, 3), payload: reply }));
    fromClient(buildPacket({ ...c, tcpFlags: ACK, seq: cs + q.length, ack: ss + reply.length, window: 63, tcpOptions: tsOptions(5, 4) }));
    fromPeer(syn, buildPacket({ ...s, tcpFlags: FIN | ACK, seq: ss + reply.length, ack: cs + q.length, window: 64, tcpOptions: tsOptions(5, 5) }));
    fromClient(buildPacket({ ...c, tcpFlags: FIN | ACK, seq: cs + q.length, ack: ss + reply.length + 1, window: 63, tcpOptions: tsOptions(6, 5) }));
    fromPeer(syn, buildPacket({ ...s, tcpFlags: ACK, seq: ss + reply.length + 1, ack: cs + q.length + 1, window: 64, tcpOptions: tsOptions(6, 6) }));
  }
  }

  if (t.ping && t.pinger) {
    const n = model.neighbours.find((x) => x.name === t.pinger)!;
    clientIface = n.attach;
    clientAddr = n.address.split('/')[0]!;
    for (let k = 0; k < t.ping.count; k++) {
      const payload = new Uint8Array(56);
      const r = fromClient(buildPacket({ src: ip(clientAddr), dst: ip(t.ping.to), proto: 1, icmpType: 8, icmpId: t.ping.id, icmpSeq: k + 1, payload }));
      if (r.fate.kind === 'dropped') continue;
      fromPeer(r, buildPacket({ src: ip(r.after.dst), dst: ip(r.after.src), proto: 1, icmpType: 0, icmpId: t.ping.id, icmpSeq: k + 1, payload }));
    }
  }

  return {
    counters: parseSaveCounters(saveRuleset(rs, { counters: true, comments: false })),
    conntrack: parseConntrack(formatConntrackList(engine.conntrack.list(engine.now), engine.now)),
    receivers,
    results,
  };
}
