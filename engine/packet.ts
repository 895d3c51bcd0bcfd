/**
 * The packet as the engine carries it through the hooks (the kernel's `sk_buff`): the IP datagram
 * bytes, the fields a rule can match on decoded from them (kept in sync when NAT rewrites), and
 * the metadata netfilter attaches (interfaces, mark, conntrack, trace flag). Built from captured
 * bytes with `decodePacket`, or synthesised with `buildPacket`.
 */
import { NatsimError } from './errors.js';
import { ipv4Words, type Family, type Words } from './net/addr.js';
import { emitIpv4, type Ipv4Header } from './wire/ipv4.js';
import { emitIpv6, parseIpv6 } from './wire/ipv6.js';
import type { EthernetHeader } from './wire/ethernet.js';
import {
  emitTcp, emitUdp, fillL4Checksum, parseIcmp, parseSctp, parseTcp, parseUdp,
  type IcmpHeader, type SctpHeader, type TcpHeader, type UdpHeader,
} from './wire/transport.js';
import type { ConntrackEntry } from './conntrack/entry.js';

/** The transport header of a packet, when it has a readable one. */
export type L4Header =
  | { kind: 'tcp'; h: TcpHeader }
  | { kind: 'udp'; h: UdpHeader }
  | { kind: 'sctp'; h: SctpHeader }
  | { kind: 'icmp'; h: IcmpHeader }
  | { kind: 'none' };

/** A packet in flight. */
export interface Packet {
  family: Family;
  /** The IP datagram, L3 header first (possibly cut short by a capture's snap length). */
  data: Uint8Array;
  /** Length of the datagram on the wire (larger than `data.length` when the capture cut it). */
  wireLength: number;
  /** The link-layer header it arrived with, if any (`-m mac`, LOG's MAC=). */
  link: EthernetHeader | null;
  /**
   * `skb->pkt_type` of a received packet: to whom its frame was addressed, as `eth_type_trans`
   * judges the destination link-layer address against the arrival device's (`PKT_TYPE`): the node
   * (the default), the link's broadcast, a multicast group, or another host.
   */
  pktType: number;
  src: Words;
  dst: Words;
  /** Transport protocol (after IPv6 extension headers). */
  proto: number;
  /** `skb->len` as rules count it: IPv4 total length, IPv6 payload length + 40. */
  length: number;
  /** TOS / traffic class byte. */
  tos: number;
  /** TTL / hop limit. */
  ttl: number;
  /** IPv4 identification (0 for IPv6 without a fragment header). */
  ipId: number;
  /** Fragment offset in bytes (0 for a first or unfragmented packet). */
  fragOffset: number;
  /** More-fragments flag. */
  moreFragments: boolean;
  /** Offset of the transport header in `data`, or -1 (non-first fragment, or no room for it). */
  l4Offset: number;
  l4: L4Header;
  /** Source/destination ports (TCP, UDP, SCTP, DCCP); 0 otherwise. */
  sport: number;
  dport: number;
  /** Interfaces: null where the hook has none (no `in` at OUTPUT, no `out` at PREROUTING/INPUT). */
  inIface: string | null;
  outIface: string | null;
  /** Bridge ports, for bridged traffic seen by `-m physdev`. */
  physIn: string | null;
  physOut: string | null;
  /** `skb->mark`. */
  mark: number;
  /** The conntrack entry attached, or null (INVALID or UNTRACKED, see ctinfo). */
  ct: ConntrackEntry | null;
  /** `enum ip_conntrack_info` of the packet, or -1 for INVALID (no conntrack). */
  ctinfo: number;
  /** `skb->nf_trace` (set by the TRACE target). */
  trace: boolean;
  /** The local socket's owner, for packets the node sends (`-m owner`). */
  socket: { uid: number; gid: number } | null;
}

/** `skb->pkt_type` values (include/uapi/linux/if_packet.h). */
export const PKT_TYPE = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3 } as const;

/** How to describe a packet to synthesise. */
export interface PacketSpec {
  family?: Family;
  src: Words;
  dst: Words;
  proto: number;
  sport?: number;
  dport?: number;
  /** TCP flag byte (default SYN). */
  tcpFlags?: number;
  seq?: number;
  ack?: number;
  window?: number;
  /** TCP option bytes (padded with NOPs… by the caller to a multiple of 4). */
  tcpOptions?: Uint8Array;
  /** ICMP/ICMPv6 type, code and echo id/sequence. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  icmpSeq?: number;
  /** Payload bytes after the transport header (default 1 zero byte for UDP, none otherwise). */
  payload?: Uint8Array;
  ttl?: number;
  tos?: number;
  ipId?: number;
  df?: boolean;
}

/** Shared read-only byte strings for defaults (V8 makes typed arrays slowly: none per packet). */
const NO_BYTES = new Uint8Array(0);
const ONE_ZERO_BYTE = new Uint8Array(1);

/** Bytes of a synthesised packet, with correct checksums. */
export function buildPacketBytes(spec: PacketSpec): Uint8Array {
  const family = spec.family ?? (spec.src.length === 1 ? 'ipv4' : 'ipv6');
  const payload = spec.payload ?? (spec.proto === 17 ? ONE_ZERO_BYTE : NO_BYTES);
  const tcpOpts = spec.tcpOptions ?? NO_BYTES;
  if (tcpOpts.length % 4 !== 0 || tcpOpts.length > 40) throw new NatsimError('USAGE', `TCP options must be a multiple of 4 bytes, at most 40 (got ${tcpOpts.length})`);
  const l4len = (spec.proto === 6 ? 20 + tcpOpts.length : spec.proto === 17 || spec.proto === 1 || spec.proto === 58 ? 8 : spec.proto === 132 ? 12 : 0) + payload.length;
  const l3 = family === 'ipv4' ? 20 : 40;
  const b = new Uint8Array(l3 + l4len);
  if (family === 'ipv4') {
    const h: Ipv4Header = {
      headerLength: 20, tos: spec.tos ?? 0, totalLength: b.length, id: spec.ipId ?? 0, reserved: false,
      df: spec.df ?? true, mf: false, fragOffset: 0, ttl: spec.ttl ?? 64, protocol: spec.proto, checksum: 0,
      src: spec.src[0]!, dst: spec.dst[0]!, options: NO_BYTES,
    };
    emitIpv4(h, b, 0, true);
  } else {
    emitIpv6({ trafficClass: spec.tos ?? 0, flowLabel: 0, payloadLength: l4len, nextHeader: spec.proto, hopLimit: spec.ttl ?? 64, src: spec.src, dst: spec.dst }, b, 0);
  }
  const o = l3;
  if (spec.proto === 6) {
    emitTcp({ sport: spec.sport ?? 0, dport: spec.dport ?? 0, seq: spec.seq ?? 1, ack: spec.ack ?? 0, headerLength: 20 + tcpOpts.length, flags: spec.tcpFlags ?? 0x02, reserved: 0, window: spec.window ?? 64240, checksum: 0, urgent: 0, options: tcpOpts }, b, o);
    b.set(payload, o + 20 + tcpOpts.length);
  } else if (spec.proto === 17) {
    emitUdp({ sport: spec.sport ?? 0, dport: spec.dport ?? 0, length: l4len, checksum: 0 }, b, o);
    b.set(payload, o + 8);
  } else if (spec.proto === 1 || spec.proto === 58) {
    b[o] = spec.icmpType ?? (spec.proto === 1 ? 8 : 128);
    b[o + 1] = spec.icmpCode ?? 0;
    const id = spec.icmpId ?? 0, seq = spec.icmpSeq ?? 0;
    b[o + 4] = id >>> 8; b[o + 5] = id & 0xff; b[o + 6] = seq >>> 8; b[o + 7] = seq & 0xff;
    b.set(payload, o + 8);
  } else if (spec.proto === 132) {
    const sp = spec.sport ?? 0, dp = spec.dport ?? 0;
    b[o] = sp >>> 8; b[o + 1] = sp & 0xff; b[o + 2] = dp >>> 8; b[o + 3] = dp & 0xff;
    b.set(payload, o + 12);
  } else {
    b.set(payload, o);
  }
  fillL4Checksum(family, spec.proto, spec.src, spec.dst, b, o, b.length);
  return b;
}

/** The transport header of a packet without a readable one (shared). */
const NO_L4: L4Header = Object.freeze({ kind: 'none' });
/** `decodePacket`'s addresses until it has read them. */
const NO_WORDS: Words = Object.freeze([]) as unknown as Words;

/** A packet record from datagram bytes; throws NatsimError when the IP header cannot be read. */
export function decodePacket(family: Family, data: Uint8Array, wireLength = data.length): Packet {
  const p: Packet = {
    family, data, wireLength, link: null, pktType: PKT_TYPE.HOST,
    src: NO_WORDS, dst: NO_WORDS, proto: 0, length: 0, tos: 0, ttl: 0, ipId: 0, fragOffset: 0, moreFragments: false,
    l4Offset: -1, l4: NO_L4, sport: 0, dport: 0,
    inIface: null, outIface: null, physIn: null, physOut: null, mark: 0, ct: null, ctinfo: -1, trace: false, socket: null,
  };
  if (family === 'ipv4') {
    // The fields `parseIpv4` reads, read in place (no header record per packet); its checks.
    const b = data;
    const bad = b.length < 20 ? 'truncated' : b[0]! >>> 4 !== 4 ? 'version' : (b[0]! & 0x0f) < 5 ? 'header-length'
      : b.length < (b[0]! & 0x0f) * 4 ? 'truncated' : ((b[2]! << 8) | b[3]!) < (b[0]! & 0x0f) * 4 ? 'total-length' : null;
    if (bad !== null) throw new NatsimError('PARSE', `not a readable IPv4 header (${bad})`);
    const frag = (b[6]! << 8) | b[7]!;
    p.src = ipv4Words(((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0);
    p.dst = ipv4Words(((b[16]! << 24) | (b[17]! << 16) | (b[18]! << 8) | b[19]!) >>> 0);
    p.proto = b[9]!;
    p.length = (b[2]! << 8) | b[3]!; p.tos = b[1]!; p.ttl = b[8]!; p.ipId = (b[4]! << 8) | b[5]!;
    p.fragOffset = (frag & 0x1fff) * 8; p.moreFragments = (frag & 0x2000) !== 0;
    if (p.fragOffset === 0) p.l4Offset = (b[0]! & 0x0f) * 4;
  } else {
    const h = parseIpv6(data);
    if (typeof h === 'string') throw new NatsimError('PARSE', `not a readable IPv6 header (${h})`);
    p.src = h.src; p.dst = h.dst; p.proto = h.protocol;
    p.length = h.payloadLength + 40; p.tos = h.trafficClass; p.ttl = h.hopLimit;
    if (h.fragment) { p.fragOffset = h.fragment.offset * 8; p.moreFragments = h.fragment.more; p.ipId = h.fragment.id; }
    if (p.fragOffset === 0) p.l4Offset = h.transportOffset;
  }
  readTransport(p);
  return p;
}

/** (Re)read the transport header and ports from the bytes (after a rewrite or decode). */
export function readTransport(p: Packet): void {
  p.l4 = NO_L4;
  p.sport = 0; p.dport = 0;
  if (p.l4Offset < 0) return;
  const end = Math.min(p.data.length, p.family === 'ipv4' ? p.length : p.length);
  const o = p.l4Offset;
  switch (p.proto) {
    case 6: { const h = parseTcp(p.data, o, end); if (h) { p.l4 = { kind: 'tcp', h }; p.sport = h.sport; p.dport = h.dport; } break; }
    case 17: case 136: { const h = parseUdp(p.data, o, end); if (h) { p.l4 = { kind: 'udp', h }; p.sport = h.sport; p.dport = h.dport; } break; }
    case 132: case 33: { const h = parseSctp(p.data, o, end); if (h) { p.l4 = { kind: 'sctp', h }; p.sport = h.sport; p.dport = h.dport; } break; }
    case 1: case 58: { const h = parseIcmp(p.data, o, end); if (h) p.l4 = { kind: 'icmp', h }; break; }
  }
}

/** A synthesised packet (bytes and record). */
export function buildPacket(spec: PacketSpec): Packet {
  const family = spec.family ?? (spec.src.length === 1 ? 'ipv4' : 'ipv6');
  return decodePacket(family, buildPacketBytes({ ...spec, family }));
}
