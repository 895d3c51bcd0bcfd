/**
 * What an x_tables match reads from a packet, as the kernel hands it over: the transport-header
 * offset `thoff` and fragment offset `fragoff` of `xt_action_param` as `ipt_do_table` /
 * `ip6t_do_table` set them, and `skb_header_pointer` (bytes that lie within `skb->len`, or null —
 * the case in which a match hot-drops).
 *
 * - IPv4 (`ipt_do_table`): `fragoff = ntohs(frag_off) & IP_OFFSET`, the offset field in 8-byte
 *   units (so the "evil TCP offset=1 fragment" is offset field 1, byte offset 8); `thoff =
 *   ip_hdrlen(skb)` for every packet, fragments included.
 * - IPv6 (`ip6t_do_table` zeroes `thoff` per rule, `ip6_packet_match` → `ipv6_find_hdr`, only for
 *   rules with `-p`, which every match here requires): `fragoff` is the fragment header's offset
 *   with the flag bits cleared, i.e. in bytes (a multiple of 8, so never 1); `thoff` is the
 *   transport offset, except for a non-first fragment, where `ipv6_find_hdr` returns before
 *   writing it and it stays 0.
 *
 * Also the DS field (TOS / traffic class) as `ipv4_get_dsfield` / `ipv6_get_dsfield` read it.
 */
import { NatsimError, EXIT_BAD_INPUT } from '../errors.js';
import type { Packet } from '../packet.js';

/** `par->fragoff` as the matches see it (IPv4: 8-byte units; IPv6: bytes). */
export function fragoff(pkt: Packet): number {
  if (pkt.family === 'ipv4') return ((pkt.data[6]! & 0x1f) << 8) | pkt.data[7]!;
  return pkt.fragOffset;
}

/** `par->thoff`: where the matches look for the transport header; -1 when there is none. */
export function thoff(pkt: Packet): number {
  if (pkt.family === 'ipv4') return (pkt.data[0]! & 0x0f) * 4;
  return pkt.fragOffset !== 0 ? 0 : pkt.l4Offset;
}

/**
 * `skb_header_pointer(skb, off, len)`: the `len` bytes at `off` of the datagram, or null when they
 * do not lie within `skb->len` (`pkt.length`). Bytes within `skb->len` that a capture's snap
 * length cut off are unknown to natsim: it stops (naming `who`) rather than guess.
 */
export function headerPointer(pkt: Packet, off: number, len: number, who: string): Uint8Array | null {
  if (off < 0 || off + len > pkt.length) return null;
  if (off + len > pkt.data.length) {
    throw new NatsimError('PARSE', `match "${who}" needs bytes ${off}..${off + len - 1} of the packet, which its capture cut off at ${pkt.data.length} bytes (snap length); natsim stops rather than guess`, {}, EXIT_BAD_INPUT);
  }
  return pkt.data.subarray(off, off + len);
}

/**
 * `headerPointer` without the view: `off` itself when the `len` bytes there lie within
 * `skb->len` (read them from `pkt.data`), -1 when they do not. For the per-packet matches, which
 * would otherwise make a typed-array view per rule evaluated.
 */
export function headerAt(pkt: Packet, off: number, len: number, who: string): number {
  if (off < 0 || off + len > pkt.length) return -1;
  if (off + len > pkt.data.length) headerPointer(pkt, off, len, who);
  return off;
}

/** Big-endian 16-bit value at `off` of `b`. */
export function be16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

/** `ipv4_get_dsfield` / `ipv6_get_dsfield`: the TOS byte or the IPv6 traffic class, from the header. */
export function dsfield(pkt: Packet): number {
  if (pkt.family === 'ipv4') return pkt.data[1]!;
  return ((pkt.data[0]! & 0x0f) << 4) | (pkt.data[1]! >>> 4);
}
