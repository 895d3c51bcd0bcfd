/**
 * `-j NOTRACK`: the packet gets no conntrack entry (untracked) and the next rule follows. iptables
 * 1.8.9 loads it as CT revision 2 with the NOTRACK alias flag (the same as `-j CT --notrack` in the
 * kernel) and saves it as `-j NOTRACK` again. Raw table only, no options.
 */
import type { TargetExtension } from '../types.js';

/** The NOTRACK target. */
export const NOTRACK: TargetExtension<null> = {
  kind: 'target',
  name: 'NOTRACK',
  options: [],
  tables: ['raw'],
  create: () => null,
  parse: () => undefined,
  save: () => '',
};
