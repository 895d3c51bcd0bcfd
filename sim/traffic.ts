/**
 * Connections driven through an engine as real peers would exchange them: the client's packets
 * arrive on an interface (or are sent by the node), and whoever the node delivers them to answers
 * from where they arrived — a UDP reply, or a TCP three-way handshake, data and a FIN close with
 * consistent sequence numbers (conntrack tracks TCP windows). Used by `natsim flows`, the demo and
 * the kernel comparison.
 */
import type { Engine, PacketResult } from '../engine/engine.js';
import { buildPacket } from '../engine/packet.js';
import type { Family, Words } from '../engine/net/addr.js';

/** One connection to drive. */
export interface ConnectionSpec {
  family: Family;
  proto: 6 | 17 | 132;
  src: Words;
  sport: number;
  dst: Words;
  dport: number;
  /** Interface the client's packets arrive on, or `local` when the node itself connects. */
  from: string | 'local';
  /** Client packets before the close (UDP datagrams; TCP data segments after the handshake). */
  packets?: number;
  /** Whether the far end answers (UDP replies; TCP handshake and close). */
  reply?: boolean;
  /** Payload of each client packet. */
  payload?: Uint8Array;
}

/** How a connection ended up. */
export interface ConnectionOutcome {
  /** The first packet's path. */
  first: PacketResult;
  /** Where the first packet went: `forwarded`, `delivered`, `sent`, `dropped`. */
  fate: PacketResult['fate']['kind'];
  /** `ip:port` the first packet was delivered or forwarded to (after DNAT), or null when dropped. */
  endpoint: string | null;
  /** Every packet's result, in order. */
  results: PacketResult[];
}

const SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08;
/** Default payloads (one 0x71 byte; none), shared: only read, copied into each packet's bytes. */
const UDP_PAYLOAD = new Uint8Array([0x71]);
const NO_PAYLOAD = new Uint8Array(0);

/** Drive one connection; the peer answers from the interface the node sent the packet out of. */
export function runConnection(engine: Engine, c: ConnectionSpec): ConnectionOutcome {
  const results: PacketResult[] = [];
  const fromClient = (p: ReturnType<typeof buildPacket>): PacketResult => {
    const r = c.from === 'local' ? engine.send(p) : engine.receive(p, c.from);
    results.push(r);
    return r;
  };
  const fromPeer = (first: PacketResult, p: ReturnType<typeof buildPacket>): PacketResult => {
    // A connection delivered to the node is answered by the node itself; a forwarded one by the
    // peer behind the interface the node sent it out of.
    const r = first.fate.kind === 'delivered' ? engine.send(p) : engine.receive(p, first.out!);
    results.push(r);
    return r;
  };
  const payload = c.payload ?? (c.proto === 17 ? UDP_PAYLOAD : NO_PAYLOAD);
  const n = c.packets ?? 1;
  let first: PacketResult;
  if (c.proto === 6) {
    const isn = 1000, peerIsn = 5000;
    first = fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: 6, sport: c.sport, dport: c.dport, tcpFlags: SYN, seq: isn }));
    if (first.fate.kind === 'dropped' || !c.reply) return outcome(first, results);
    // The first packet as it left the node (its address words: never changed in place).
    const a = first.packet;
    const peer = { src: a.dst, dst: a.src, sport: a.dport, dport: a.sport };
    const synack = fromPeer(first, buildPacket({ family: c.family, ...peer, proto: 6, tcpFlags: SYN | ACK, seq: peerIsn, ack: isn + 1 }));
    if (synack.fate.kind === 'dropped') return outcome(first, results);
    let seq = isn + 1;
    fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: 6, sport: c.sport, dport: c.dport, tcpFlags: ACK, seq, ack: peerIsn + 1 }));
    for (let i = 0; i < n - 1; i++) {
      fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: 6, sport: c.sport, dport: c.dport, tcpFlags: ACK | PSH, seq, ack: peerIsn + 1, payload: payload.length ? payload : UDP_PAYLOAD }));
      seq += payload.length || 1;
      fromPeer(first, buildPacket({ family: c.family, ...peer, proto: 6, tcpFlags: ACK, seq: peerIsn + 1, ack: seq }));
    }
    fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: 6, sport: c.sport, dport: c.dport, tcpFlags: FIN | ACK, seq, ack: peerIsn + 1 }));
    fromPeer(first, buildPacket({ family: c.family, ...peer, proto: 6, tcpFlags: FIN | ACK, seq: peerIsn + 1, ack: seq + 1 }));
    fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: 6, sport: c.sport, dport: c.dport, tcpFlags: ACK, seq: seq + 1, ack: peerIsn + 2 }));
    return outcome(first, results);
  }
  first = fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: c.proto, sport: c.sport, dport: c.dport, payload }));
  if (first.fate.kind === 'dropped') return outcome(first, results);
  for (let i = 1; i < n; i++) fromClient(buildPacket({ family: c.family, src: c.src, dst: c.dst, proto: c.proto, sport: c.sport, dport: c.dport, payload }));
  if (c.reply) {
    const a = first.packet;
    fromPeer(first, buildPacket({ family: c.family, src: a.dst, dst: a.src, proto: c.proto, sport: a.dport, dport: a.sport, payload }));
  }
  return outcome(first, results);
}

function outcome(first: PacketResult, results: PacketResult[]): ConnectionOutcome {
  const f = first.fate.kind;
  const a = first.after;
  const endpoint = f === 'dropped' ? null : first.packet.family === 'ipv6' ? `[${a.dst}]:${a.dport}` : `${a.dst}:${a.dport}`;
  return { first, fate: f, endpoint, results };
}
