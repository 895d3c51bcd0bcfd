/**
 * `-j CHECKSUM --checksum-fill`: computes a missing (offloaded) layer-4 checksum and continues
 * (xt_CHECKSUM). Mangle table only; the option is mandatory.
 *
 * Packet behaviour (`checksum_tg`): the kernel fills the checksum only of a packet whose checksum
 * is still to be computed (`CHECKSUM_PARTIAL`): one a local TCP/UDP socket sent, seen at OUTPUT or
 * POSTROUTING (no input device) or back in through loopback. natsim does not track ip_summed, so
 * those packets get their TCP/UDP checksum recomputed from the bytes (what the kernel's
 * `skb_checksum_help` produces); every other packet, and a UDP/IPv4 datagram sent without a checksum
 * (0), is left as it is, even with a wrong checksum, as the kernel leaves it. Then the next rule.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { readTransport } from '../../packet.js';
import { fillL4Checksum } from '../../wire/transport.js';

/** Parsed options: whether XT_CHECKSUM_OP_FILL is set. */
export interface ChecksumState { fill: boolean }

/** The CHECKSUM target. */
export const CHECKSUM: TargetExtension<ChecksumState> = {
  kind: 'target',
  name: 'CHECKSUM',
  options: [{ name: 'checksum-fill', args: 0 }],
  tables: ['mangle'],
  create: () => ({ fill: false }),
  parse(s) {
    s.fill = true;
  },
  finalCheck(s, ctx) {
    if (!s.fill) ctx.fail('option "--checksum-fill" must be specified');
  },
  save: (s) => (s.fill ? ' --checksum-fill' : ''),
  /** Fill the TCP/UDP checksum of a locally sent packet; continue. */
  target(_s, pkt) {
    const local = pkt.inIface === null || pkt.inIface === 'lo';
    const o = pkt.l4Offset;
    if (!local || o < 0 || pkt.fragOffset !== 0 || pkt.data.length < pkt.length) return CONTINUE;
    const end = pkt.length;
    if (pkt.proto === 6 && end - o >= 20) {
      fillL4Checksum(pkt.family, 6, pkt.src, pkt.dst, pkt.data, o, end);
    } else if (pkt.proto === 17 && end - o >= 8) {
      const zero = pkt.data[o + 6] === 0 && pkt.data[o + 7] === 0;
      if (!(zero && pkt.family === 'ipv4')) fillL4Checksum(pkt.family, 17, pkt.src, pkt.dst, pkt.data, o, end);
    } else {
      return CONTINUE;
    }
    readTransport(pkt);
    return CONTINUE;
  },
};
