/**
 * `-m mark [!] --mark value[/mask]`: `(skb->mark & mask) == value` (libxt_mark, xt_mark.c), and
 * the shape it shares with `-m connmark`: the same option, saved in hex with the mask only when
 * it is not 0xffffffff.
 */
import type { Packet } from '../../packet.js';
import type { MatchExtension } from '../types.js';
import { formatMarkMask, needMarkMask } from '../values.js';

/** Parsed options (`xt_mark_mtinfo1`, `xt_connmark_mtinfo1`). */
export interface MarkMatchState { value: number; mask: number; invert: boolean; given: boolean }

/**
 * A `--mark value[/mask]` match over the mark `markOf` reads; when it reads none (connmark on a
 * packet without conntrack) the match is false, even with `!`, as the kernel's is.
 */
export function markMaskMatch(name: string, markOf: (pkt: Packet) => number | null): MatchExtension<MarkMatchState> {
  return {
    kind: 'match',
    name,
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
    /** `(mark & mask) == value` XOR `!`; false when there is no mark to read. */
    match(s, pkt) {
      const m = markOf(pkt);
      return m !== null && (((m & s.mask) >>> 0) === s.value) !== s.invert;
    },
  };
}

/** The mark match: the packet's `skb->mark`. */
export const mark = markMaskMatch('mark', (pkt) => pkt.mark);
