/**
 * `-m tcpmss [!] --mss min[:max]`: the MSS option of TCP SYN and SYN/ACK segments within a range
 * (libxt_tcpmss, xt_tcpmss.c); the rule must say `-p tcp`.
 */
import type { MatchExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { formatRange, parseUint16RC, type Range } from '../port-ranges.js';

/** Parsed options: the kernel's `xt_tcpmss_match_info`. */
export interface TcpmssState { mss: Range; invert: boolean; given: boolean }

/** The tcpmss match. */
export const tcpmss: MatchExtension<TcpmssState> = {
  kind: 'match',
  name: 'tcpmss',
  proto: IPPROTO.TCP,
  options: [{ name: 'mss', args: 1, invert: true }],
  create: () => ({ mss: [0, 0], invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    s.mss = parseUint16RC(ctx, 'mss', arg!);
    if (s.mss[0] > s.mss[1]) ctx.fail('invalid range given');
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--mss" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --mss ${formatRange(s.mss)}`,
};
