/**
 * `-m tos [!] --tos value[/mask]|NAME`: `(tos & mask) == value` on the IPv4 TOS / IPv6 traffic
 * class byte. A number alone has mask 0xff; the RFC 1349 names (Minimize-Delay …) have mask 0x3f
 * (libxt_tos revision 1, xt_dscp.c `tos_mt`). Saved as `0xVV/0xMM`.
 *
 * Packet behaviour (`tos_mt`): `(dsfield & mask) == value` XOR `!`, on the IPv4 TOS byte or the
 * IPv6 traffic class read from the header (ECN bits included unless the mask drops them).
 */
import type { MatchExtension } from '../types.js';
import { xtStrtoulPrefix } from '../../net/cnum.js';
import { dsfield } from '../header-pointer.js';

/** The symbolic TOS values iptables knows (case-insensitive). */
export const TOS_NAMES: ReadonlyArray<[string, number]> = [
  ['Minimize-Delay', 0x10], ['Maximize-Throughput', 0x08], ['Maximize-Reliability', 0x04],
  ['Minimize-Cost', 0x02], ['Normal-Service', 0x00],
];

/** Parsed options: the kernel's `xt_tos_match_info`. */
export interface TosState { value: number; mask: number; invert: boolean; given: boolean }

const hex2 = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

/** The tos match. */
export const tos: MatchExtension<TosState> = {
  kind: 'match',
  name: 'tos',
  options: [{ name: 'tos', args: 1, invert: true }],
  create: () => ({ value: 0, mask: 0, invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    const text = arg!;
    const num = xtStrtoulPrefix(text, 0, 255);
    if (num !== null) {
      // xtopt_parse_tosmask → tos_parse_numeric: value[/mask], each 0..255.
      s.value = num.value;
      s.mask = 0xff;
      let rest = num.rest;
      if (rest[0] === '/') {
        const m = xtStrtoulPrefix(rest.slice(1), 0, 255);
        if (m === null) return ctx.fail(`Illegal value: "${text}"`);
        s.mask = m.value;
        rest = m.rest;
      }
      if (rest !== '') ctx.fail(`Illegal value: "${text}"`);
    } else {
      const named = TOS_NAMES.find(([name]) => name.toLowerCase() === text.toLowerCase());
      if (!named) return ctx.fail(`Symbolic name "${text}" is unknown`);
      s.value = named[1];
      s.mask = 0x3f;
    }
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--tos" must be specified');
  },
  /** `tos_mt`: the masked DS field equals the value. */
  match: (s, pkt) => ((dsfield(pkt) & s.mask) === s.value) !== s.invert,
  save: (s) => `${s.invert ? ' !' : ''} --tos ${hex2(s.value)}/${hex2(s.mask)}`,
};
