/**
 * The Internet checksum (RFC 1071) in one place: sums over bytes, the IPv4/IPv6 pseudo-header,
 * and incremental updates when NAT rewrites a field (RFC 1624: HC' = ~(~HC + ~m + m')).
 */
import type { Family, Words } from '../net/addr.js';

/** One's-complement partial sum of big-endian 16-bit words of `b[start, end)` (odd tail padded). */
export function sumBytes(b: Uint8Array, start: number, end: number, acc = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < end) acc += b[i]! << 8;
  return acc;
}

/** Fold a partial sum to 16 bits (without complementing). */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc <= 0xffffffff ? acc >>> 16 : Math.floor(acc / 0x10000));
  return acc;
}

/** The checksum field value for a partial sum: the complement of its fold. */
export function finish(acc: number): number {
  return ~fold(acc) & 0xffff;
}

/** Partial sum of 32-bit words (addresses), as 16-bit halves. */
export function sumWords(w: Words, acc = 0): number {
  for (let i = 0; i < w.length; i++) { const x = w[i]!; acc += (x >>> 16) + (x & 0xffff); }
  return acc;
}

/** Partial sum of the pseudo-header for TCP/UDP/ICMPv6 (RFC 793, RFC 8200 §8.1). */
export function pseudoHeaderSum(family: Family, src: Words, dst: Words, proto: number, length: number): number {
  let acc = sumWords(src, sumWords(dst));
  if (family === 'ipv4') acc += proto + length;
  else acc += (length >>> 16) + (length & 0xffff) + proto;
  return acc;
}

/** RFC 1624 update of a checksum when a 16-bit word changes from `old` to `now`. */
export function adjust16(csum: number, old: number, now: number): number {
  const acc = (~csum & 0xffff) + (~old & 0xffff) + (now & 0xffff);
  return ~fold(acc) & 0xffff;
}

/** RFC 1624 update for a 32-bit field (an IPv4 address, or one word of an IPv6 address). */
export function adjust32(csum: number, old: number, now: number): number {
  return adjust16(adjust16(csum, old >>> 16, now >>> 16), old & 0xffff, now & 0xffff);
}
