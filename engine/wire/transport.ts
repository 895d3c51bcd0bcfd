/**
 * Transport headers a firewall reads: TCP (ports, sequence numbers, flags as a bitmask, window,
 * options), UDP (ports, length, checksum — zero meaning "none" for IPv4), SCTP (ports, tag,
 * CRC32c), ICMP and ICMPv6 (type, code, echo id/sequence, the quoted packet of an error).
 */
import { finish, pseudoHeaderSum, sumBytes } from './checksum.js';
import { NO_OPTIONS, readU16, readU32, writeU16, writeU32 } from './ipv4.js';
import type { Family, Words } from '../net/addr.js';

/** TCP flag bits of header byte 13 (and ECE/CWR above them). */
export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

/** A TCP header as parsed. */
export interface TcpHeader {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** Header length in bytes. */
  headerLength: number;
  /** Byte 13: CWR ECE URG ACK PSH RST SYN FIN. */
  flags: number;
  /** The reserved bits of byte 12 (and NS). */
  reserved: number;
  window: number;
  checksum: number;
  urgent: number;
  options: Uint8Array;
}

/** Parse a TCP header at `off`; null when the bytes cannot hold it. */
export function parseTcp(b: Uint8Array, off: number, end = b.length): TcpHeader | null {
  if (end - off < 20) return null;
  const headerLength = (b[off + 12]! >>> 4) * 4;
  if (headerLength < 20 || end - off < headerLength) return null;
  return {
    sport: readU16(b, off), dport: readU16(b, off + 2),
    seq: readU32(b, off + 4), ack: readU32(b, off + 8),
    headerLength,
    reserved: b[off + 12]! & 0x0f,
    flags: b[off + 13]!,
    window: readU16(b, off + 14),
    checksum: readU16(b, off + 16),
    urgent: readU16(b, off + 18),
    // A view of the packet's own bytes (no copy): what a later rule reads is what is in the packet.
    options: headerLength === 20 ? NO_OPTIONS : b.subarray(off + 20, off + headerLength),
  };
}

/** Write a TCP header at `off` (checksum as given; see `fillL4Checksum`). */
export function emitTcp(h: TcpHeader, b: Uint8Array, off: number): number {
  const hl = 20 + h.options.length;
  writeU16(b, off, h.sport); writeU16(b, off + 2, h.dport);
  writeU32(b, off + 4, h.seq); writeU32(b, off + 8, h.ack);
  b[off + 12] = ((hl >>> 2) << 4) | (h.reserved & 0x0f);
  b[off + 13] = h.flags;
  writeU16(b, off + 14, h.window);
  writeU16(b, off + 16, h.checksum);
  writeU16(b, off + 18, h.urgent);
  b.set(h.options, off + 20);
  return hl;
}

/** A UDP (or UDP-Lite) header. */
export interface UdpHeader { sport: number; dport: number; length: number; checksum: number }

/** Parse a UDP header at `off`. */
export function parseUdp(b: Uint8Array, off: number, end = b.length): UdpHeader | null {
  if (end - off < 8) return null;
  return { sport: readU16(b, off), dport: readU16(b, off + 2), length: readU16(b, off + 4), checksum: readU16(b, off + 6) };
}

/** Write a UDP header at `off`. */
export function emitUdp(h: UdpHeader, b: Uint8Array, off: number): number {
  writeU16(b, off, h.sport); writeU16(b, off + 2, h.dport); writeU16(b, off + 4, h.length); writeU16(b, off + 6, h.checksum);
  return 8;
}

/** An SCTP common header. */
export interface SctpHeader { sport: number; dport: number; tag: number; checksum: number }

/** Parse an SCTP common header at `off`. */
export function parseSctp(b: Uint8Array, off: number, end = b.length): SctpHeader | null {
  if (end - off < 12) return null;
  return { sport: readU16(b, off), dport: readU16(b, off + 2), tag: readU32(b, off + 4), checksum: readU32(b, off + 8) };
}

/** An ICMP or ICMPv6 header: type, code, checksum and the 4 bytes after them. */
export interface IcmpHeader { type: number; code: number; checksum: number; rest: number }

/** Parse an ICMP/ICMPv6 header at `off`. */
export function parseIcmp(b: Uint8Array, off: number, end = b.length): IcmpHeader | null {
  if (end - off < 8) return null;
  return { type: b[off]!, code: b[off + 1]!, checksum: readU16(b, off + 2), rest: readU32(b, off + 4) };
}

/** ICMP types that carry a quoted packet (errors), by family. */
export function icmpIsError(family: Family, type: number): boolean {
  return family === 'ipv4' ? type === 3 || type === 4 || type === 5 || type === 11 || type === 12 : type < 128;
}

/** ICMP echo-like types (their id plays the role of a port), by family. */
export function icmpHasId(family: Family, type: number): boolean {
  return family === 'ipv4' ? [0, 8, 13, 14, 15, 16, 17, 18].includes(type) : type === 128 || type === 129;
}

/** CRC32c (Castagnoli), as SCTP uses it. */
export function crc32c(b: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC32C_TABLE[(crc ^ b[i]!) & 0xff]!;
  return (crc ^ 0xffffffff) >>> 0;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Offset of the checksum field within a transport header, or -1 when the protocol has none here. */
export function checksumOffset(proto: number): number {
  switch (proto) {
    case 6: return 16;
    case 17: case 136: return 6;
    case 1: case 58: return 2;
    default: return -1;
  }
}

/**
 * The correct checksum of the transport segment `b[off, end)` (the checksum field taken as 0):
 * with the pseudo-header for TCP, UDP and ICMPv6, without it for ICMPv4. For SCTP use `crc32c`.
 */
export function computeL4Checksum(family: Family, proto: number, src: Words, dst: Words, b: Uint8Array, off: number, end: number): number {
  const at = checksumOffset(proto);
  let acc = proto === 1 ? 0 : pseudoHeaderSum(family, src, dst, proto, end - off);
  acc = sumBytes(b, off, off + at, acc);
  acc = sumBytes(b, off + at + 2, end, acc);
  let c = finish(acc);
  // UDP transmits a computed 0 as 0xffff (0 means "no checksum").
  if ((proto === 17 || proto === 136) && c === 0) c = 0xffff;
  return c;
}

/** Fill the transport checksum in place (a UDP/IPv4 packet meant to carry no checksum must not be passed here). */
export function fillL4Checksum(family: Family, proto: number, src: Words, dst: Words, b: Uint8Array, off: number, end: number): void {
  if (proto === 132) {
    writeU32(b, off + 8, 0);
    const c = crc32c(b, off, end);
    // SCTP stores the CRC in little-endian byte order on the wire.
    b[off + 8] = c & 0xff; b[off + 9] = (c >>> 8) & 0xff; b[off + 10] = (c >>> 16) & 0xff; b[off + 11] = c >>> 24;
    return;
  }
  const at = checksumOffset(proto);
  if (at < 0) return;
  writeU16(b, off + at, computeL4Checksum(family, proto, src, dst, b, off, end));
}

/** Whether the transport checksum is correct (a zero UDP/IPv4 checksum counts as correct). */
export function l4ChecksumOk(family: Family, proto: number, src: Words, dst: Words, b: Uint8Array, off: number, end: number): boolean {
  if (proto === 132) {
    const stored = (b[off + 8]! | (b[off + 9]! << 8) | (b[off + 10]! << 16) | (b[off + 11]! << 24)) >>> 0;
    const copy = b.slice(off, end);
    copy[8] = copy[9] = copy[10] = copy[11] = 0;
    return crc32c(copy, 0, copy.length) === stored;
  }
  const at = checksumOffset(proto);
  if (at < 0) return true;
  const stored = readU16(b, off + at);
  if (proto === 17 && family === 'ipv4' && stored === 0) return true;
  return computeL4Checksum(family, proto, src, dst, b, off, end) === stored;
}
