/**
 * Builds the `CtPacket` conntrack reads from the bytes of an IPv4 or IPv6 datagram, with the
 * wire parsers: addresses, the transport protocol after IPv6 extension headers, the transport
 * header, whether its checksum is wrong, and for ICMP errors the tuple of the quoted packet
 * (`nf_ct_get_tuplepr` on the embedded header). A non-first fragment or a truncated transport
 * header gives `l4: null`, which conntrack treats as INVALID.
 */
import type { Family, Words } from '../net/addr.js';
import { parseIpv4 } from '../wire/ipv4.js';
import { parseIpv6 } from '../wire/ipv6.js';
import { l4ChecksumOk, parseIcmp, parseTcp, parseUdp } from '../wire/transport.js';
import type { Packet } from '../packet.js';
import type { CtL4, CtPacket } from './entry.js';
import { icmpIsError } from './icmp.js';
import { IPPROTO, readTuple, type Tuple } from './tuple.js';

/** The L3 view of a datagram: where its transport header starts and ends. */
interface L3View {
  family: Family;
  src: Words;
  dst: Words;
  proto: number;
  /** Offset of the transport header. */
  l4Off: number;
  /** End of the datagram (bounded by the bytes present). */
  end: number;
  length: number;
  /** False for a non-first fragment (no transport header here). */
  hasL4: boolean;
  /** All bytes of the datagram are present and it is not a fragment. */
  complete: boolean;
}

/** Reads the IP header at `off` (version from the first nibble); null when it cannot. */
function readL3(b: Uint8Array, off: number): L3View | null {
  const version = b.length > off ? b[off]! >>> 4 : 0;
  if (version === 4) {
    const h = parseIpv4(b, off);
    if (typeof h === 'string') return null;
    return {
      family: 'ipv4', src: [h.src], dst: [h.dst], proto: h.protocol, l4Off: off + h.headerLength,
      end: Math.min(b.length, off + h.totalLength), length: h.totalLength, hasL4: h.fragOffset === 0,
      complete: b.length - off >= h.totalLength && !h.mf && h.fragOffset === 0,
    };
  }
  if (version === 6) {
    const h = parseIpv6(b, off);
    if (typeof h === 'string') return null;
    const length = 40 + h.payloadLength;
    return {
      family: 'ipv6', src: h.src, dst: h.dst, proto: h.protocol, l4Off: off + h.transportOffset,
      end: Math.min(b.length, off + length), length, hasL4: !h.fragment || h.fragment.offset === 0,
      complete: b.length - off >= length && !h.fragment,
    };
  }
  return null;
}

/** The tuple of the packet quoted in an ICMP error starting at `off`, or null. */
function quotedTuple(b: Uint8Array, off: number, end: number): Tuple | null {
  const inner = readL3(b.subarray(0, end), off);
  if (!inner || !inner.hasL4) return null;
  return readTuple(inner.family, inner.src, inner.dst, inner.proto, b, inner.l4Off, end);
}

/** The transport view of a segment, or null when its header is truncated. */
function readL4(v: L3View, b: Uint8Array): CtL4 | null {
  const { l4Off: off, end } = v;
  switch (v.proto) {
    case IPPROTO.TCP: {
      const header = parseTcp(b, off, end);
      return header ? { kind: 'tcp', header } : null;
    }
    case IPPROTO.UDP:
    case IPPROTO.UDPLITE: {
      const u = parseUdp(b, off, end);
      return u ? { kind: 'udp', sport: u.sport, dport: u.dport, length: u.length, checksum: u.checksum } : null;
    }
    case IPPROTO.SCTP:
    case IPPROTO.DCCP:
      return end - off >= 4 ? { kind: 'ports', sport: (b[off]! << 8) | b[off + 1]!, dport: (b[off + 2]! << 8) | b[off + 3]! } : null;
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6: {
      if ((v.proto === IPPROTO.ICMP) !== (v.family === 'ipv4')) return { kind: 'other' };
      const h = parseIcmp(b, off, end);
      if (!h) return null;
      const isError = v.family === 'ipv4' ? icmpIsError(h.type) : h.type < 128;
      const quoted = isError ? quotedTuple(b, off + 8, end) : undefined;
      return { kind: 'icmp', type: h.type, code: h.code, id: h.rest >>> 16, quoted };
    }
    default:
      return { kind: 'other' };
  }
}

/** Whether the transport checksum of a complete segment is wrong (protocols with one). */
function checksumBad(v: L3View, b: Uint8Array): boolean {
  if (!v.complete || v.end < v.l4Off) return false;
  const p = v.proto;
  if (p !== IPPROTO.TCP && p !== IPPROTO.UDP && p !== IPPROTO.ICMP && p !== IPPROTO.ICMPV6) return false;
  return !l4ChecksumOk(v.family, p, v.src, v.dst, b, v.l4Off, v.end);
}

/** The conntrack view of the IP datagram at `b[off]`; null when its IP header cannot be read. */
export function ctPacketFromBytes(b: Uint8Array, off = 0): CtPacket | null {
  const v = readL3(b, off);
  if (!v) return null;
  const l4 = v.hasL4 ? readL4(v, b) : null;
  return {
    family: v.family, src: v.src, dst: v.dst, proto: v.proto, length: v.length,
    l4Length: Math.max(0, v.end - v.l4Off), l4,
    badChecksum: l4 !== null && checksumBad(v, b),
  };
}

/** The views `ctPacketFromPacket` fills (one packet at a time: no objects per packet). */
const VIEW_TCP: Extract<CtL4, { kind: 'tcp' }> = { kind: 'tcp', header: null! };
const VIEW_UDP: Extract<CtL4, { kind: 'udp' }> = { kind: 'udp', sport: 0, dport: 0, length: 0, checksum: 0 };
const VIEW: CtPacket = { family: 'ipv4', src: [], dst: [], proto: 0, length: 0, l4Length: 0, l4: null, badChecksum: false };

/**
 * The same view as `ctPacketFromBytes(p.data)`, taken from a packet record whose fields are in
 * sync with its bytes (as `decodePacket` and every rewrite leave them), without parsing again:
 * for unfragmented IPv4 TCP and UDP only. Null for anything else (ask the bytes). The view is
 * shared: valid until the next call (the conntrack hook reads it during its call only).
 */
export function ctPacketFromPacket(p: Packet): CtPacket | null {
  if (p.family !== 'ipv4' || p.fragOffset !== 0 || p.moreFragments || p.l4Offset < 0) return null;
  const l4 = p.l4;
  let ct: CtL4;
  if (l4.kind === 'tcp' && p.proto === IPPROTO.TCP) {
    VIEW_TCP.header = l4.h;
    ct = VIEW_TCP;
  } else if (l4.kind === 'udp' && p.proto === IPPROTO.UDP) {
    const u = VIEW_UDP, h = l4.h;
    u.sport = h.sport; u.dport = h.dport; u.length = h.length; u.checksum = h.checksum;
    ct = u;
  } else {
    return null;
  }
  const b = p.data;
  const end = Math.min(b.length, p.length);
  const complete = b.length >= p.length;
  const v = VIEW;
  v.src = p.src; v.dst = p.dst; v.proto = p.proto; v.length = p.length;
  v.l4Length = Math.max(0, end - p.l4Offset); v.l4 = ct;
  v.badChecksum = complete && end >= p.l4Offset && !l4ChecksumOk('ipv4', p.proto, p.src, p.dst, b, p.l4Offset, end);
  return v;
}
