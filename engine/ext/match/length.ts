/**
 * `-m length [!] --length min[:max]`: the packet length (IPv4 total length, IPv6 payload + 40)
 * within an inclusive range; min > max is accepted as given (libxt_length, xt_length.c).
 *
 * Packet behaviour (`length_mt`, `length_mt6`): the IPv4 header's total length, or the IPv6
 * header's payload length + 40 (up to 65575, so above any 16-bit max), read from the header;
 * `min ≤ len ≤ max` XOR `!` (so a min > max range matches nothing, or everything with `!`).
 */
import type { MatchExtension } from '../types.js';
import { formatRange, parseUint16RC, type Range } from '../port-ranges.js';
import { be16 } from '../header-pointer.js';

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
  /** `length_mt` / `length_mt6`: the header's length field within the range. */
  match(s, pkt) {
    const len = pkt.family === 'ipv4' ? be16(pkt.data, 2) : be16(pkt.data, 4) + 40;
    return (len >= s.length[0] && len <= s.length[1]) !== s.invert;
  },
  save: (s) => `${s.invert ? ' !' : ''} --length ${formatRange(s.length)}`,
};
