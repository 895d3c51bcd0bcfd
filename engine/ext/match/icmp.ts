/**
 * `-m icmp --icmp-type TYPE[/CODE]` (IPv4, implicit after `-p icmp`): ICMP type and code range;
 * names are stored as numbers, type 255 is `any` (libipt_icmp, ip_tables.c `icmp_match`).
 */
import type { MatchExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { ICMP_NAMES, parseIcmpType, type IcmpType } from '../icmp-types.js';

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
  save(s) {
    const inv = s.invert ? ' !' : '';
    if (s.type === 0xff) return `${inv} --icmp-type any`;
    const code = s.codeMin !== 0 || s.codeMax !== 0xff ? `/${s.codeMin}` : '';
    return `${inv} --icmp-type ${s.type}${code}`;
  },
};
