/**
 * `-m icmp6 --icmpv6-type TYPE[/CODE]` (IPv6, implicit after `-p ipv6-icmp`): ICMPv6 type and
 * code range; names are stored as numbers (libip6t_icmp6, ip6_tables.c `icmp6_match`).
 *
 * Packet behaviour (`icmp6_match`): a non-first fragment never matches; an 8-byte ICMPv6 header
 * that does not lie within the packet is hot-dropped; otherwise it matches when type equals and
 * codeMin ≤ code ≤ codeMax, XOR `!` (IPv6 has no `any`: type 255 is just type 255).
 */
import type { MatchExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { ICMPV6_NAMES, icmpTypeCodeMatch, parseIcmpType, type IcmpType } from '../icmp-types.js';
import { fragoff, headerPointer, thoff } from '../header-pointer.js';

/** Parsed options: the kernel's `ip6t_icmp`. */
export interface Icmp6State extends IcmpType { invert: boolean; given: boolean }

/** The icmp6 match. */
export const icmp6: MatchExtension<Icmp6State> = {
  kind: 'match',
  name: 'icmp6',
  families: ['ipv6'],
  proto: IPPROTO.ICMPV6,
  options: [{ name: 'icmpv6-type', args: 1, invert: true }],
  create: () => ({ type: 0, codeMin: 0, codeMax: 0xff, invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    Object.assign(s, parseIcmpType(arg!, ICMPV6_NAMES, 'ICMPv6', ctx.fail));
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--icmpv6-type" must be specified');
  },
  /** `icmp6_match`: no fragments, the header (hot-drop when cut short), type and code. */
  match(s, pkt, _rt, ctx) {
    if (fragoff(pkt) !== 0) return false;
    const ic = headerPointer(pkt, thoff(pkt), 8, 'icmp6');
    if (!ic) {
      ctx.hotdrop();
      return false;
    }
    return icmpTypeCodeMatch(s, ic[0]!, ic[1]!) !== s.invert;
  },
  save(s) {
    const code = s.codeMin !== 0 || s.codeMax !== 0xff ? `/${s.codeMin}` : '';
    return `${s.invert ? ' !' : ''} --icmpv6-type ${s.type}${code}`;
  },
};
