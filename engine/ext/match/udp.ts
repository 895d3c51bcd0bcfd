/**
 * `-m udp` (implicit after `-p udp`): source/destination port ranges, parsed by libxtables' x6
 * port-range parser (any service name, decimal numbers, no order check) (libxt_udp, xt_tcpudp.c
 * `udp_mt`).
 *
 * Packet behaviour (`udp_mt`): a non-first fragment never matches; an 8-byte header that does not
 * lie within the packet is hot-dropped; then both port ranges, each XOR its own `!`.
 */
import type { MatchExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { formatRange, parsePortRC, portMatch, type Range } from '../port-ranges.js';
import { be16, fragoff, headerAt, thoff } from '../header-pointer.js';

/** Parsed options: the kernel's `xt_udp`. */
export interface UdpState {
  spts: Range;
  dpts: Range;
  inv: { spts: boolean; dpts: boolean };
  given: { spts: boolean; dpts: boolean };
}

/** The udp match. */
export const udp: MatchExtension<UdpState> = {
  kind: 'match',
  name: 'udp',
  proto: IPPROTO.UDP,
  options: [
    { name: 'source-port', args: 1, invert: true },
    { name: 'sport', args: 1, invert: true },
    { name: 'destination-port', args: 1, invert: true },
    { name: 'dport', args: 1, invert: true },
  ],
  create: () => ({ spts: [0, 65535], dpts: [0, 65535], inv: { spts: false, dpts: false }, given: { spts: false, dpts: false } }),
  parse(s, opt, [arg], invert, ctx) {
    const side = opt === 'source-port' || opt === 'sport' ? 'spts' : 'dpts';
    if (s.given[side]) ctx.fail(`option "--${opt}" can only be used once.`);
    s[side] = parsePortRC(ctx, opt, arg!);
    s.inv[side] = invert;
    s.given[side] = true;
  },
  /** `udp_mt`: no fragments, the header (hot-drop when cut short), both port ranges. */
  match(s, pkt, _rt, ctx) {
    if (fragoff(pkt) !== 0) return false;
    const at = headerAt(pkt, thoff(pkt), 8, 'udp');
    if (at < 0) {
      ctx.hotdrop();
      return false;
    }
    return portMatch(s.spts, be16(pkt.data, at), s.inv.spts) && portMatch(s.dpts, be16(pkt.data, at + 2), s.inv.dpts);
  },
  save(s) {
    let out = '';
    if (s.spts[0] !== 0 || s.spts[1] !== 65535) out += `${s.inv.spts ? ' !' : ''} --sport ${formatRange(s.spts)}`;
    if (s.dpts[0] !== 0 || s.dpts[1] !== 65535) out += `${s.inv.dpts ? ' !' : ''} --dport ${formatRange(s.dpts)}`;
    return out;
  },
};
