/**
 * `-j NOTRACK`: the packet gets no conntrack entry (untracked) and the next rule follows. iptables
 * 1.8.9 loads it as CT revision 2 with the NOTRACK alias flag (the same as `-j CT --notrack` in the
 * kernel) and saves it as `-j NOTRACK` again. Raw table only, no options.
 *
 * Packet behaviour (xt_CT.c): a packet without conntrack state becomes untracked (ctinfo
 * IP_CT_UNTRACKED, no entry); one that has state (looped back) is left alone; the next rule follows.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { untrack } from './ct.js';

/** The NOTRACK target. */
export const NOTRACK: TargetExtension<null> = {
  kind: 'target',
  name: 'NOTRACK',
  options: [],
  tables: ['raw'],
  create: () => null,
  parse: () => undefined,
  save: () => '',
  /** Untrack the packet unless it has conntrack state; continue. */
  target(_s, pkt) {
    untrack(pkt);
    return CONTINUE;
  },
};
