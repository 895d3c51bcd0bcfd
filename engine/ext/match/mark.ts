/** `-m mark [!] --mark value[/mask]`: `(skb->mark & mask) == value` (libxt_mark, xt_mark.c). */
import type { MatchExtension } from '../types.js';
import { formatMarkMask, needMarkMask } from '../values.js';

interface MarkState { value: number; mask: number; invert: boolean; given: boolean }

/** The mark match. */
export const mark: MatchExtension<MarkState> = {
  kind: 'match',
  name: 'mark',
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
    if (!s.given) ctx.fail('option "--mark" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --mark ${formatMarkMask(s.value, s.mask)}`,
  match: (s, pkt) => (((pkt.mark & s.mask) >>> 0) === s.value) !== s.invert,
};
