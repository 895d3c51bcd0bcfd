/**
 * ICMPv6 tracking (`net/netfilter/nf_conntrack_proto_icmpv6.c`). Echo request (128) and node
 * information query (139) create entries (30 s, refreshed by each packet); their replies (129,
 * 140) only match. Neighbour discovery and MLD messages are UNTRACKED. Errors (types below 128)
 * are RELATED to the connection of the quoted packet, as for ICMP.
 *
 * Simplified: a redirect (137) is not related through its redirected-header option as the kernel
 * does (`nf_conntrack_icmpv6_redirect`); it goes through the normal lookup and ends INVALID.
 */
import { type ConntrackEntry, type CtPacket, type TrackerContext, type TrackerOutcome, isConfirmed } from './entry.js';
import { relatedToQuoted, type IcmpErrorResult, type TupleFinder } from './icmp.js';
import { icmpType, type Tuple } from './tuple.js';

/** Default `nf_conntrack_icmpv6_timeout` (s). */
export const DEFAULT_ICMPV6_TIMEOUT = 30;

/** ICMPv6 types that may create an entry. */
const ICMPV6_VALID_NEW: ReadonlySet<number> = new Set([128, 139]);

/**
 * ICMPv6 types conntrack leaves UNTRACKED (`noct_valid_new`): MLD query/report/done (130-132),
 * router and neighbour solicitation/advertisement (133-136), MLDv2 report (143), and multicast
 * router advertisement/solicitation (151, 152; present in current kernels).
 */
const ICMPV6_NOTRACK: ReadonlySet<number> = new Set([130, 131, 132, 133, 134, 135, 136, 143, 151, 152]);

/** Whether an ICMPv6 type may start a connection. */
export function icmpv6CanCreate(type: number): boolean {
  return ICMPV6_VALID_NEW.has(type);
}

/** The error step for ICMPv6 (`nf_conntrack_icmpv6_error`). */
export function icmpv6Error(pkt: CtPacket, type: number, quoted: Tuple | null | undefined, find: TupleFinder, ctx: TrackerContext): IcmpErrorResult {
  if (ctx.hook === 'PREROUTING' && ctx.settings.checksum && pkt.badChecksum) return { kind: 'invalid', reason: 'ICMPv6 checksum failed' };
  if (ICMPV6_NOTRACK.has(type)) return { kind: 'untracked' };
  if (type >= 128) return { kind: 'not-error' };
  return relatedToQuoted(quoted, pkt.dst, find);
}

/** Tracks one ICMPv6 query or reply on its entry (`nf_conntrack_icmpv6_packet`). */
export function icmpv6Packet(e: ConntrackEntry, ctx: TrackerContext): TrackerOutcome {
  if (e.tuple[0].family !== 'ipv6') return { verdict: 'invalid', reason: 'not ipv6' };
  if (!isConfirmed(e)) {
    const type = icmpType(e.tuple[0]);
    if (!icmpv6CanCreate(type)) return { verdict: 'invalid', reason: `icmpv6: can't create new conn with type ${type}` };
  }
  return { verdict: 'accept', refresh: ctx.settings.icmpv6Timeout * 1000 };
}
