/**
 * `-m length [!] --length min[:max]`: the packet length (IPv4 total length, IPv6 payload + 40)
 * within an inclusive range; min > max is accepted as given (libxt_length, xt_length.c).
 */
import type { MatchExtension } from '../types.js';
import { formatRange, parseUint16RC, type Range } from '../port-ranges.js';

/** Parsed options: the kernel's `xt_length_info`. */
export interface LengthState { length: Range; invert: boolean; given: boolean }

/** The length match. */
export const length: MatchExtension<LengthState> = {
  kind: 'match',
  name: 'length',
  options: [{ name: 'length', args: 1, invert: true }],
  create: () => ({ length: [0, 0], invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    s.length = parseUint16RC(ctx, 'length', arg!);
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--length" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --length ${formatRange(s.length)}`,
};
