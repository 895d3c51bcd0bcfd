/**
 * Connection-tracking state lists shared by `-m conntrack --ctstate` and `-m state --state`: the
 * kernel's state bits (xt_conntrack.h), libxt_conntrack's comma-list parser (each item a
 * case-insensitive prefix of a state name) and its fixed print order; and the packet's state bit
 * as `conntrack_mt` computes it (with the SNAT/DNAT pseudo-states from the entry's status).
 */
import { CTINFO, IPS } from '../../conntrack/entry.js';
import type { Packet } from '../../packet.js';
import type { ParseContext } from '../types.js';

/** State bits as xt_conntrack.h defines them. */
export const CT_STATE = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  SNAT: 1 << 6,
  DNAT: 1 << 7,
  UNTRACKED: 1 << 8,
} as const;

/** Name → bit, in the order libxt_conntrack tries the names when parsing. */
const PARSE_ORDER: ReadonlyArray<[string, number]> = [
  ['INVALID', CT_STATE.INVALID], ['NEW', CT_STATE.NEW], ['ESTABLISHED', CT_STATE.ESTABLISHED],
  ['RELATED', CT_STATE.RELATED], ['UNTRACKED', CT_STATE.UNTRACKED], ['SNAT', CT_STATE.SNAT],
  ['DNAT', CT_STATE.DNAT],
];

/** Name → bit, in the order iptables-save prints them. */
const PRINT_ORDER: ReadonlyArray<[string, number]> = [
  ['INVALID', CT_STATE.INVALID], ['NEW', CT_STATE.NEW], ['RELATED', CT_STATE.RELATED],
  ['ESTABLISHED', CT_STATE.ESTABLISHED], ['UNTRACKED', CT_STATE.UNTRACKED], ['SNAT', CT_STATE.SNAT],
  ['DNAT', CT_STATE.DNAT],
];

/** strncasecmp(item, name, len(item)) == 0 for a non-empty item: a case-insensitive prefix. */
export function isNamePrefix(item: string, name: string): boolean {
  return item.length > 0 && item.length <= name.length && name.slice(0, item.length).toUpperCase() === item.toUpperCase();
}

/**
 * Parse a state list. `natStates` allows SNAT and DNAT (conntrack only). Each failing item is
 * reported with the rest of the list, as iptables does.
 */
export function parseStateList(ctx: ParseContext, option: 'ctstate' | 'state', text: string): number {
  const names = option === 'ctstate' ? PARSE_ORDER : PARSE_ORDER.filter(([n]) => n !== 'SNAT' && n !== 'DNAT');
  const bad = (rest: string): never =>
    ctx.fail(`Bad ${option} "${rest}" (expected a comma list of ${names.map(([n]) => n).join(', ')})`);
  let mask = 0;
  let rest = text;
  for (;;) {
    const comma = rest.indexOf(',');
    const item = comma < 0 ? rest : rest.slice(0, comma);
    if (comma < 0 && item === '' && option === 'state') {
      ctx.fail('"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED');
    }
    const hit = names.find(([n]) => isNamePrefix(item, n));
    if (!hit) return bad(rest);
    mask |= hit[1];
    if (comma < 0) return mask;
    rest = rest.slice(comma + 1);
  }
}

/** The list as iptables-save prints it: INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT order. */
export function formatStateList(mask: number): string {
  return PRINT_ORDER.filter(([, b]) => mask & b).map(([n]) => n).join(',');
}

/**
 * The packet's state bits as `conntrack_mt` computes them: with a conntrack, `1 << (ctinfo % 3 +
 * 1)` (ESTABLISHED, RELATED or NEW, both directions) plus SNAT/DNAT when the entry has
 * IPS_SRC_NAT/IPS_DST_NAT; without one, UNTRACKED for ctinfo IP_CT_UNTRACKED, else INVALID.
 */
export function packetStateBits(pkt: Packet): number {
  const ct = pkt.ct;
  if (ct === null) return pkt.ctinfo === CTINFO.UNTRACKED ? CT_STATE.UNTRACKED : CT_STATE.INVALID;
  let bits = 1 << ((pkt.ctinfo % 3) + 1);
  if (ct.status & IPS.SRC_NAT) bits |= CT_STATE.SNAT;
  if (ct.status & IPS.DST_NAT) bits |= CT_STATE.DNAT;
  return bits;
}
