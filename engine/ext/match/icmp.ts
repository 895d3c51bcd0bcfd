/**
 * `-m icmp --icmp-type TYPE[/CODE]` (IPv4, implicit after `-p icmp`): ICMP type and code range;
 * names are stored as numbers, type 255 is `any` (libipt_icmp, ip_tables.c `icmp_match`).
 *
 * Packet behaviour (`icmp_match`, now in xt_tcpudp.c): a non-first fragment never matches; an
 * 8-byte ICMP header that does not lie within the packet is hot-dropped; otherwise it matches
 * when the rule's type is 255 (`any`) or type equals and codeMin ≤ code ≤ codeMax, XOR `!`.
 */
import type { MatchExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { ICMP_NAMES, icmpTypeCodeMatch, parseIcmpType, type IcmpType } from '../icmp-types.js';
import { fragoff, headerAt, thoff } from '../header-pointer.js';

/** Parsed options: the kernel's `ipt_icmp`. */
export interface IcmpState extends IcmpType { invert: boolean; given: boolean }

/** The icmp match. */
export const icmp: MatchExtension<IcmpState> = {
  kind: 'match',
  name: 'icmp',
  families: ['ipv4'],
  proto: IPPROTO.ICMP,
  options: [{ name: 'icmp-type', args: 1, invert: true }],
  create: () => ({ type: 0xff, codeMin: 0, codeMax: 0xff, invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    Object.assign(s, parseIcmpType(arg!, ICMP_NAMES, 'ICMP', ctx.fail));
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--icmp-type" must be specified');
  },
  /** `icmp_match`: no fragments, the header (hot-drop when cut short), type and code. */
  match(s, pkt, _rt, ctx) {
    if (fragoff(pkt) !== 0) return false;
    const at = headerAt(pkt, thoff(pkt), 8, 'icmp');
    if (at < 0) {
      ctx.hotdrop();
      return false;
    }
    return (s.type === 0xff || icmpTypeCodeMatch(s, pkt.data[at]!, pkt.data[at + 1]!)) !== s.invert;
  },
  save(s) {
    const inv = s.invert ? ' !' : '';
    if (s.type === 0xff) return `${inv} --icmp-type any`;
    const code = s.codeMin !== 0 || s.codeMax !== 0xff ? `/${s.codeMin}` : '';
    return `${inv} --icmp-type ${s.type}${code}`;
  },
};
