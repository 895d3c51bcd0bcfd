/**
 * `CtPacket` records built from text (`'10.0.0.1:1234'`, flag letters), without bytes: for
 * scenarios and tests that drive the connection tracker directly.
 */
import { parseIPv4Strict, parseIPv6, type Words } from '../net/addr.js';
import type { CtPacket } from './entry.js';
import type { Tuple } from './tuple.js';
import { TCP_FLAG } from '../wire/transport.js';

/** An IPv4 or IPv6 address from text. */
export function ip(text: string): Words {
  if (text.includes(':')) return parseIPv6(text)!;
  return [parseIPv4Strict(text)!];
}

/** `addr:port` or `[v6addr]:port` split. */
function hostPort(s: string): [Words, number] {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i);
  return [ip(host.startsWith('[') ? host.slice(1, -1) : host), Number(s.slice(i + 1))];
}

/** Family and IP header length of an `addr:port` endpoint. */
function familyOf(s: string): ['ipv4' | 'ipv6', number] {
  return s.startsWith('[') ? ['ipv6', 40] : ['ipv4', 20];
}

/** TCP flag names to a bitmask: `'SA'` is SYN+ACK, letters F S R P A U. */
export function flags(s: string): number {
  const map: Record<string, number> = { F: TCP_FLAG.FIN, S: TCP_FLAG.SYN, R: TCP_FLAG.RST, P: TCP_FLAG.PSH, A: TCP_FLAG.ACK, U: TCP_FLAG.URG };
  let v = 0;
  for (const c of s) v |= map[c]!;
  return v;
}

/** Options of `tcp`. */
export interface TcpOpts {
  payload?: number;
  window?: number;
  options?: number[];
  badChecksum?: boolean;
}

/** A TCP segment `from` → `to` (`a.b.c.d:port` or `[v6]:port`). */
export function tcp(from: string, to: string, f: string, seq: number, ack: number, o: TcpOpts = {}): CtPacket {
  const [src, sport] = hostPort(from);
  const [dst, dport] = hostPort(to);
  const options = Uint8Array.from(o.options ?? []);
  const headerLength = 20 + options.length;
  const payload = o.payload ?? 0;
  const [family, ipLen] = familyOf(from);
  return {
    family, src, dst, proto: 6, length: ipLen + headerLength + payload, l4Length: headerLength + payload,
    badChecksum: o.badChecksum ?? false,
    l4: {
      kind: 'tcp',
      header: { sport, dport, seq: seq >>> 0, ack: ack >>> 0, headerLength, flags: flags(f), reserved: 0, window: o.window ?? 64240, checksum: 0, urgent: 0, options },
    },
  };
}

/** A UDP (or, with `proto` 136, UDP-Lite) datagram with `payload` bytes. */
export function udp(from: string, to: string, payload = 32, proto = 17): CtPacket {
  const [src, dst] = [hostPort(from), hostPort(to)];
  const [family, ipLen] = familyOf(from);
  return {
    family, src: src[0], dst: dst[0], proto, length: ipLen + 8 + payload, l4Length: 8 + payload,
    l4: { kind: 'udp', sport: src[1], dport: dst[1], length: 8 + payload, checksum: 0x1234 },
  };
}

/** An ICMP (or, with IPv6 addresses, ICMPv6) message. */
export function icmp(from: string, to: string, type: number, code: number, id: number, quoted?: Tuple | null): CtPacket {
  const v6 = from.includes(':');
  return {
    family: v6 ? 'ipv6' : 'ipv4', src: ip(from), dst: ip(to), proto: v6 ? 58 : 1, length: v6 ? 104 : 84, l4Length: 64,
    l4: { kind: 'icmp', type, code, id, quoted },
  };
}

/** A packet of a protocol without ports. */
export function other(from: string, to: string, proto: number): CtPacket {
  return { family: 'ipv4', src: ip(from), dst: ip(to), proto, length: 60, l4Length: 40, l4: { kind: 'other' } };
}
