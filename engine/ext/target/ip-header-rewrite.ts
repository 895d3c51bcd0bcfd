/**
 * In-place rewrites of the IP header byte fields the mangle targets change, with the kernel's own
 * checksum arithmetic: `ipv4_change_dsfield` / `ipv6_change_dsfield` (include/net/dsfield.h) for
 * the TOS / traffic class byte, and `csum_replace2` (RFC 1624) for the IPv4 TTL. IPv6 has no
 * header checksum. The packet record's decoded fields (`tos`, `ttl`) are kept in sync.
 */
import type { Packet } from '../../packet.js';
import { adjust16 } from '../../wire/checksum.js';

/** The TOS / traffic class byte as the header holds it (`ipv4_get_dsfield`, `ipv6_get_dsfield`). */
export function getDsfield(pkt: Packet): number {
  const b = pkt.data;
  return pkt.family === 'ipv4' ? b[1]! : ((b[0]! & 0x0f) << 4) | (b[1]! >>> 4);
}

/**
 * `ipv4_change_dsfield(iph, mask, value)` / `ipv6_change_dsfield`: the byte becomes
 * `(byte & mask) | value`; the IPv4 header checksum is updated with the kernel's arithmetic.
 */
export function changeDsfield(pkt: Packet, mask: number, value: number): void {
  const b = pkt.data;
  if (pkt.family === 'ipv4') {
    const old = b[1]!;
    const ds = ((old & mask) | value) & 0xff;
    let check = (b[10]! << 8) | b[11]!;
    check += old;
    if ((check + 1) >>> 16) check = (check + 1) & 0xffff;
    check = (check - ds) >>> 0;
    check = (check + (check >>> 16)) >>> 0;
    b[10] = (check >>> 8) & 0xff;
    b[11] = check & 0xff;
    b[1] = ds;
    pkt.tos = ds;
  } else {
    // The 16-bit word holding version, traffic class and the top of the flow label.
    const word = (b[0]! << 8) | b[1]!;
    const now = (word & (((mask << 4) | 0xf00f) & 0xffff)) | ((value << 4) & 0xffff);
    b[0] = now >>> 8;
    b[1] = now & 0xff;
    pkt.tos = getDsfield(pkt);
  }
}

/** Set the IPv4 TTL / IPv6 hop limit; the IPv4 checksum follows with `csum_replace2`. */
export function setHopLimit(pkt: Packet, value: number): void {
  const b = pkt.data;
  if (pkt.family === 'ipv4') {
    const old = b[8]!;
    const csum = adjust16((b[10]! << 8) | b[11]!, old << 8, value << 8);
    b[10] = csum >>> 8;
    b[11] = csum & 0xff;
    b[8] = value;
  } else {
    b[7] = value;
  }
  pkt.ttl = value;
}
