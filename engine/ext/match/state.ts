/**
 * `-m state [!] --state LIST`: iptables 1.8.9 loads it as conntrack revision 3 with the state
 * alias flag, so it matches exactly as `--ctstate` and is saved back as `-m state` with the list
 * in INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED order (libxt_conntrack `state_*`).
 *
 * Packet behaviour: `conntrack_mt` with only the state flag: the packet's state bit (ESTABLISHED,
 * RELATED, NEW in both directions; INVALID or UNTRACKED without a conntrack) tested against the
 * mask, XOR `!` (which xt_state.c itself lacks, but the conntrack revision iptables loads has).
 */
import type { MatchExtension } from '../types.js';
import { formatStateList, packetStateBits, parseStateList } from './ctstate.js';

/** Parsed options: the state bits and the inversion. */
export interface StateState { mask: number; invert: boolean; given: boolean }

/** The state match. */
export const state: MatchExtension<StateState> = {
  needsConntrack: true,
  kind: 'match',
  name: 'state',
  options: [{ name: 'state', args: 1, invert: true }],
  create: () => ({ mask: 0, invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    s.mask = parseStateList(ctx, 'state', arg!);
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('state: option "--state" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --state ${formatStateList(s.mask)}`,
  /** Whether the packet's state bit is in the list, XOR `!` (SNAT/DNAT cannot be listed here). */
  match: (s, pkt) => ((packetStateBits(pkt) & s.mask) !== 0) !== s.invert,
};
