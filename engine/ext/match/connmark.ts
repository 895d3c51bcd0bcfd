/**
 * `-m connmark [!] --mark value[/mask]`: `(ct->mark & mask) == value` (libxt_connmark revision 1,
 * xt_connmark.c `connmark_mt`). A packet without a conntrack (INVALID, UNTRACKED) never matches,
 * even with `!`. Parsing and saving are the mark match's.
 */
import type { MatchExtension } from '../types.js';
import { markMaskMatch, type MarkMatchState } from './mark.js';

/** The connmark match: the connection's mark. */
export const connmark: MatchExtension<MarkMatchState> = { ...markMaskMatch('connmark', (pkt) => (pkt.ct !== null ? pkt.ct.mark : null)), needsConntrack: true };
