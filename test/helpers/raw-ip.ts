/**
 * Test helpers that build IP datagrams byte by byte (for what `buildPacket` cannot make: TCP
 * options, short transport headers, fragments, SCTP chunks, arbitrary TOS/TTL), decode them as
 * the engine would, and run one rule on them reporting match / no match / hotdrop.
 */
import type { HookName, TableName } from '../../engine/ext/types.js';
import type { Family } from '../../engine/net/addr.js';
import { decodePacket, type Packet } from '../../engine/packet.js';
import { emitIpv4 } from '../../engine/wire/ipv4.js';
import { emitIpv6 } from '../../engine/wire/ipv6.js';
import { addr, ruleMatcher, testContext } from './engine.js';

/** How to wrap a transport payload in IP. */
export interface IpOptions {
  src?: string;
  dst?: string;
  tos?: number;
  ttl?: number;
  /** Fragment offset in bytes (a multiple of 8); for IPv6 this adds a fragment header. */
  fragOffset?: number;
  more?: boolean;
  /** Force a fragment header on IPv6 even at offset 0. */
  fragHeader?: boolean;
  /** Override the IPv4 total length / IPv6 payload length field. */
  lengthField?: number;
  /** Keep only this many bytes of the datagram (a capture's snap length). */
  snap?: number;
}

/** An IPv4 datagram around `l4` (protocol `proto`), decoded. */
export function ipv4(proto: number, l4: Uint8Array, o: IpOptions = {}): Packet {
  const b = new Uint8Array(20 + l4.length);
  emitIpv4({
    headerLength: 20, tos: o.tos ?? 0, totalLength: o.lengthField ?? b.length, id: 1, reserved: false, df: false,
    mf: o.more ?? false, fragOffset: (o.fragOffset ?? 0) / 8, ttl: o.ttl ?? 64, protocol: proto, checksum: 0,
    src: addr(o.src ?? '198.51.100.7')[0]!, dst: addr(o.dst ?? '192.0.2.1')[0]!, options: new Uint8Array(0),
  }, b, 0, true);
  b.set(l4, 20);
  return decodePacket('ipv4', o.snap !== undefined ? b.slice(0, o.snap) : b, b.length);
}

/** An IPv6 datagram around `l4` (next header `proto`, after a fragment header if asked), decoded. */
export function ipv6(proto: number, l4: Uint8Array, o: IpOptions = {}): Packet {
  const frag = o.fragHeader || (o.fragOffset ?? 0) !== 0 || o.more === true;
  const ext = frag ? 8 : 0;
  const b = new Uint8Array(40 + ext + l4.length);
  emitIpv6({
    trafficClass: o.tos ?? 0, flowLabel: 0, payloadLength: o.lengthField ?? ext + l4.length, nextHeader: frag ? 44 : proto,
    hopLimit: o.ttl ?? 64, src: addr(o.src ?? '2001:db8::7'), dst: addr(o.dst ?? '2001:db8::1'),
  }, b, 0);
  if (frag) {
    const fo = (o.fragOffset ?? 0) | (o.more ? 1 : 0);
    b[40] = proto; b[41] = 0; b[42] = fo >>> 8; b[43] = fo & 0xff; b[44] = 0; b[45] = 0; b[46] = 0; b[47] = 9;
  }
  b.set(l4, 40 + ext);
  return decodePacket('ipv6', o.snap !== undefined ? b.slice(0, o.snap) : b, b.length);
}

/** Either family. */
export function ip(family: Family, proto: number, l4: Uint8Array, o: IpOptions = {}): Packet {
  return family === 'ipv4' ? ipv4(proto, l4, o) : ipv6(proto, l4, o);
}

/** A TCP header (20 bytes + options, padded to 4) and payload. */
export function tcpBytes(o: { sport?: number; dport?: number; flags?: number; options?: number[]; doff?: number; payload?: number[] } = {}): Uint8Array {
  const opts = o.options ?? [];
  const optLen = Math.ceil(opts.length / 4) * 4;
  const b = new Uint8Array(20 + optLen + (o.payload?.length ?? 0));
  const sp = o.sport ?? 40000, dp = o.dport ?? 80;
  b[0] = sp >>> 8; b[1] = sp & 0xff; b[2] = dp >>> 8; b[3] = dp & 0xff;
  b[12] = (o.doff ?? (20 + optLen) / 4) << 4;
  b[13] = o.flags ?? 0x02;
  b[14] = 0xfa; b[15] = 0xf0;
  b.set(opts, 20);
  if (o.payload) b.set(o.payload, 20 + optLen);
  return b;
}

/** An 8-byte UDP header. */
export function udpBytes(sport = 40000, dport = 53): Uint8Array {
  return Uint8Array.from([sport >>> 8, sport & 0xff, dport >>> 8, dport & 0xff, 0, 8, 0, 0]);
}

/** An SCTP common header and chunks, each `[type, flags, bodyLength]` (body zero-filled, padded to 4). */
export function sctpBytes(sport: number, dport: number, chunks: [number, number, number][]): Uint8Array {
  const parts: number[] = [sport >>> 8, sport & 0xff, dport >>> 8, dport & 0xff, 0, 0, 0, 1, 0, 0, 0, 0];
  for (const [type, flags, body] of chunks) {
    const len = 4 + body;
    parts.push(type, flags, len >>> 8, len & 0xff);
    for (let i = 0; i < body; i++) parts.push(0);
    while (parts.length % 4) parts.push(0);
  }
  return Uint8Array.from(parts);
}

/** An 8-byte ICMP / ICMPv6 header. */
export function icmpBytes(type: number, code = 0): Uint8Array {
  return Uint8Array.from([type, code, 0, 0, 0, 1, 0, 1]);
}

/** What one rule did with a packet. */
export type Outcome = 'match' | 'no' | 'hotdrop';

/** Run `rule` (a rule body, e.g. `-p tcp --dport 80`) on the packet in a fresh context. */
export function outcome(rule: string, p: Packet, o: { hook?: HookName; table?: TableName } = {}): Outcome {
  const c = testContext({ family: p.family, hook: o.hook ?? 'INPUT', table: o.table ?? 'filter' });
  const m = ruleMatcher(rule, c)(p);
  return c.dropped ? 'hotdrop' : m ? 'match' : 'no';
}
