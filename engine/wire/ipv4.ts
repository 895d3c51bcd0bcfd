/**
 * IPv4 headers (RFC 791): a record that loses nothing a rule can match on — TOS, total length,
 * id, DF/MF, fragment offset, TTL, protocol, options — plus parse, emit and checksum.
 */
import { finish, sumBytes } from './checksum.js';

/** An IPv4 header as parsed. */
export interface Ipv4Header {
  /** Header length in bytes (IHL·4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** The reserved (evil) bit, kept as found. */
  reserved: boolean;
  df: boolean;
  mf: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: number;
  dst: number;
  /** The option bytes (empty without options). */
  options: Uint8Array;
}

/** Why a header could not be read. */
export type Ipv4Error = 'truncated' | 'version' | 'header-length' | 'total-length';

/** The options of a header without any (shared: a zero-length array holds nothing to change). */
export const NO_OPTIONS: Uint8Array = new Uint8Array(0);

/** Parse an IPv4 header at `off`; an error when the bytes cannot hold one. */
export function parseIpv4(b: Uint8Array, off = 0): Ipv4Header | Ipv4Error {
  if (b.length - off < 20) return 'truncated';
  const vihl = b[off]!;
  if (vihl >>> 4 !== 4) return 'version';
  const headerLength = (vihl & 0x0f) * 4;
  if (headerLength < 20) return 'header-length';
  if (b.length - off < headerLength) return 'truncated';
  const totalLength = (b[off + 2]! << 8) | b[off + 3]!;
  if (totalLength < headerLength) return 'total-length';
  const frag = (b[off + 6]! << 8) | b[off + 7]!;
  return {
    headerLength,
    tos: b[off + 1]!,
    totalLength,
    id: (b[off + 4]! << 8) | b[off + 5]!,
    reserved: (frag & 0x8000) !== 0,
    df: (frag & 0x4000) !== 0,
    mf: (frag & 0x2000) !== 0,
    fragOffset: frag & 0x1fff,
    ttl: b[off + 8]!,
    protocol: b[off + 9]!,
    checksum: (b[off + 10]! << 8) | b[off + 11]!,
    src: ((b[off + 12]! << 24) | (b[off + 13]! << 16) | (b[off + 14]! << 8) | b[off + 15]!) >>> 0,
    dst: ((b[off + 16]! << 24) | (b[off + 17]! << 16) | (b[off + 18]! << 8) | b[off + 19]!) >>> 0,
    options: headerLength === 20 ? NO_OPTIONS : b.slice(off + 20, off + headerLength),
  };
}

/** Write `h` at `off` (header length from its options); fills the checksum when asked. */
export function emitIpv4(h: Ipv4Header, b: Uint8Array, off = 0, fillChecksum = true): number {
  const hl = 20 + h.options.length;
  b[off] = 0x40 | (hl >>> 2);
  b[off + 1] = h.tos;
  b[off + 2] = h.totalLength >>> 8; b[off + 3] = h.totalLength & 0xff;
  b[off + 4] = h.id >>> 8; b[off + 5] = h.id & 0xff;
  const frag = (h.reserved ? 0x8000 : 0) | (h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | (h.fragOffset & 0x1fff);
  b[off + 6] = frag >>> 8; b[off + 7] = frag & 0xff;
  b[off + 8] = h.ttl;
  b[off + 9] = h.protocol;
  writeU32(b, off + 12, h.src);
  writeU32(b, off + 16, h.dst);
  b.set(h.options, off + 20);
  if (fillChecksum) fillIpv4Checksum(b, off);
  else { b[off + 10] = h.checksum >>> 8; b[off + 11] = h.checksum & 0xff; }
  return hl;
}

/** Computes and writes the header checksum of the IPv4 header at `off` (`ip_send_check`). */
export function fillIpv4Checksum(b: Uint8Array, off = 0): void {
  const hl = (b[off]! & 0x0f) * 4;
  b[off + 10] = 0; b[off + 11] = 0;
  const c = finish(sumBytes(b, off, off + hl));
  b[off + 10] = c >>> 8; b[off + 11] = c & 0xff;
}

/** Whether the header checksum at `off` is correct. */
export function ipv4ChecksumOk(b: Uint8Array, off = 0): boolean {
  const hl = (b[off]! & 0x0f) * 4;
  return finish(sumBytes(b, off, off + hl)) === 0;
}

/** Write a big-endian 32-bit value. */
export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24; b[off + 1] = (v >>> 16) & 0xff; b[off + 2] = (v >>> 8) & 0xff; b[off + 3] = v & 0xff;
}

/** Read a big-endian 32-bit value. */
export function readU32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Read a big-endian 16-bit value. */
export function readU16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/** Write a big-endian 16-bit value. */
export function writeU16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff; b[off + 1] = v & 0xff;
}
