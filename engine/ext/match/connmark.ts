/**
 * `-m connmark [!] --mark value[/mask]`: `(ct->mark & mask) == value`, false without a conntrack
 * (libxt_connmark revision 1, xt_connmark.c). Saved in hex, the mask only when not 0xffffffff.
 * Packet behaviour (`connmark_mt`): a packet without a conntrack (INVALID, UNTRACKED) never
 * matches, even with `!`.
 */
import type { MatchExtension } from '../types.js';
import { formatMarkMask, needMarkMask } from '../values.js';

/** Parsed options: the kernel's `xt_connmark_mtinfo1`. */
export interface ConnmarkState { value: number; mask: number; invert: boolean; given: boolean }

/** The connmark match. */
export const connmark: MatchExtension<ConnmarkState> = {
  kind: 'match',
  name: 'connmark',
  options: [{ name: 'mark', args: 1, invert: true }],
  create: () => ({ value: 0, mask: 0xffffffff, invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    const { value, mask } = needMarkMask(ctx, 'mark', arg!);
    s.value = value;
    s.mask = mask;
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('connmark: option "--mark" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --mark ${formatMarkMask(s.value, s.mask)}`,
  /** `(ct->mark & mask) == value` XOR `!`; false without a conntrack. */
  match: (s, pkt) => pkt.ct !== null && (((pkt.ct.mark & s.mask) >>> 0) === s.value) !== s.invert,
};
