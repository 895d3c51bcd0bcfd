/**
 * Checksums of a datagram about to be written to a capture: the IPv4 header checksum and the
 * transport checksum (TCP, UDP, ICMP, ICMPv6, SCTP) recomputed in place with the engine's
 * `fillL4Checksum`, so tshark finds every one good. A UDP/IPv4 checksum of 0 ("none") stays 0.
 * Fragments and datagrams the capture cut short keep their transport checksum: it covers bytes
 * that are not there.
 */
import type { Family, Words } from '../../engine/net/addr.js';
import { fillIpv4Checksum } from '../../engine/wire/ipv4.js';
import { parseIpv6 } from '../../engine/wire/ipv6.js';
import { checksumOffset, fillL4Checksum } from '../../engine/wire/transport.js';

/** What `fillChecksums` did: both filled, only the IPv4 header (fragment, cut short, no transport checksum), or nothing (unreadable). */
export type ChecksumFill = 'filled' | 'header-only' | 'unreadable';

/** Recompute the checksums of the IP datagram `d` (L3 header first) in place. */
export function fillChecksums(family: Family, d: Uint8Array): ChecksumFill {
  if (family === 'ipv4') {
    if (d.length < 20 || d[0]! >>> 4 !== 4) return 'unreadable';
    const hl = (d[0]! & 0x0f) * 4;
    if (hl < 20 || d.length < hl) return 'unreadable';
    fillIpv4Checksum(d);
    const total = (d[2]! << 8) | d[3]!;
    const frag = ((d[6]! << 8) | d[7]!) & 0x3fff;
    const proto = d[9]!;
    if (frag !== 0 || total > d.length || total < hl || !hasChecksum(proto, total - hl)) return 'header-only';
    if (proto === 17 && d[hl + 6] === 0 && d[hl + 7] === 0) return 'filled';
    const src: Words = [((d[12]! << 24) | (d[13]! << 16) | (d[14]! << 8) | d[15]!) >>> 0];
    const dst: Words = [((d[16]! << 24) | (d[17]! << 16) | (d[18]! << 8) | d[19]!) >>> 0];
    fillL4Checksum('ipv4', proto, src, dst, d, hl, total);
    return 'filled';
  }
  const h = parseIpv6(d);
  if (typeof h === 'string') return 'unreadable';
  const end = 40 + h.payloadLength;
  if (h.fragment !== null && (h.fragment.offset !== 0 || h.fragment.more)) return 'header-only';
  if (h.payloadLength === 0 || end > d.length || !hasChecksum(h.protocol, end - h.transportOffset)) return 'header-only';
  fillL4Checksum('ipv6', h.protocol, h.src, h.dst, d, h.transportOffset, end);
  return 'filled';
}

/** Whether `proto` has a checksum we fill and the segment is long enough to hold it. */
function hasChecksum(proto: number, segmentLength: number): boolean {
  if (proto === 132) return segmentLength >= 12;
  const at = checksumOffset(proto);
  return at >= 0 && segmentLength >= at + 2;
}
