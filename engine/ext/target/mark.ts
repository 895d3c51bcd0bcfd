/**
 * `-j MARK`: `skb->mark = (skb->mark & ~mask) ^ value`, then the next rule. Every spelling is
 * stored as `--set-xmark value/mask` (libxt_MARK revision 2), which is what iptables-save prints.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { hex, needMarkMask, needUint } from '../values.js';

interface MarkTargetState { value: number; mask: number; given: string | null }

/** The MARK target. */
export const MARK: TargetExtension<MarkTargetState> = {
  kind: 'target',
  name: 'MARK',
  options: [
    { name: 'set-xmark', args: 1 },
    { name: 'set-mark', args: 1 },
    { name: 'and-mark', args: 1 },
    { name: 'or-mark', args: 1 },
    { name: 'xor-mark', args: 1 },
  ],
  create: () => ({ value: 0, mask: 0, given: null }),
  parse(s, opt, [arg], _invert, ctx) {
    if (s.given !== null) ctx.fail(`--${opt} cannot be combined with --${s.given}`);
    s.given = opt;
    switch (opt) {
      case 'set-xmark': { const m = needMarkMask(ctx, opt, arg!); s.value = m.value; s.mask = m.mask; return; }
      case 'set-mark': { const m = needMarkMask(ctx, opt, arg!); s.value = m.value; s.mask = (m.value | m.mask) >>> 0; return; }
      case 'and-mark': { const v = needUint(ctx, opt, arg!); s.value = 0; s.mask = ~v >>> 0; return; }
      case 'or-mark': { const v = needUint(ctx, opt, arg!); s.value = v; s.mask = v; return; }
      case 'xor-mark': { const v = needUint(ctx, opt, arg!); s.value = v; s.mask = 0; return; }
    }
  },
  finalCheck(s, ctx) {
    if (s.given === null) ctx.fail('Parameter --set/and/or/xor-mark is required');
  },
  save: (s) => ` --set-xmark ${hex(s.value)}/${hex(s.mask)}`,
  target(s, pkt) {
    pkt.mark = ((pkt.mark & ~s.mask) ^ s.value) >>> 0;
    return CONTINUE;
  },
};
