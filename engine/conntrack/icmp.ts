/**
 * ICMP tracking (`net/netfilter/nf_conntrack_proto_icmp.c`, Linux 6.12). Queries (echo,
 * timestamp, information, address mask) create entries keyed by id, refreshed to 30 s by every
 * packet and kept after the reply; a lone reply type is INVALID. Errors (destination
 * unreachable, source quench, redirect, time exceeded, parameter problem) never create entries:
 * the quoted packet's tuple is inverted and looked up, and the error is RELATED (or
 * RELATED_REPLY) to the connection found, INVALID otherwise (`nf_conntrack_inet_error`).
 */
import { wordsEqual, type Words } from '../net/addr.js';
import { CTINFO, type ConntrackEntry, type CtPacket, type TrackerContext, type TrackerOutcome } from './entry.js';
import { icmpType, invertTuple, type Dir, type Tuple } from './tuple.js';

/** Default `nf_conntrack_icmp_timeout` (s). */
export const DEFAULT_ICMP_TIMEOUT = 30;

/** Highest ICMP type conntrack accepts (`NR_ICMP_TYPES`). */
const NR_ICMP_TYPES = 18;

/** ICMP types that may create an entry (`valid_new`): echo, timestamp, info request, address mask. */
const ICMP_VALID_NEW: ReadonlySet<number> = new Set([8, 13, 15, 17]);

/** ICMP types that carry a quoted packet (`icmp_is_err`). */
export function icmpIsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** Whether an ICMP type may start a connection. */
export function icmpCanCreate(type: number): boolean {
  return ICMP_VALID_NEW.has(type);
}

/** Looks a tuple up in the table: the entry and the direction it matched, or null. */
export type TupleFinder = (t: Tuple) => { entry: ConntrackEntry; dir: Dir } | null;

/** Outcome of the ICMP error step that runs before the normal lookup. */
export type IcmpErrorResult =
  /** Not an error message: continue with the normal lookup. */
  | { kind: 'not-error' }
  /** The packet gets no conntrack. */
  | { kind: 'invalid'; reason: string }
  /** The packet is UNTRACKED (ICMPv6 neighbour discovery and MLD). */
  | { kind: 'untracked' }
  /** An error about a known connection. */
  | { kind: 'related'; entry: ConntrackEntry; ctinfo: typeof CTINFO.RELATED | typeof CTINFO.RELATED_REPLY };

/**
 * The connection an ICMP error is about (`nf_conntrack_inet_error`): the quoted tuple is
 * inverted and looked up; the entry counts only if its destination in the direction found equals
 * the error's outer destination address.
 */
export function relatedToQuoted(quoted: Tuple | null | undefined, outerDst: Words, find: TupleFinder): IcmpErrorResult {
  if (!quoted) return { kind: 'invalid', reason: 'quoted packet unreadable' };
  const inner = invertTuple(quoted);
  if (!inner) return { kind: 'invalid', reason: 'quoted tuple cannot be inverted' };
  const hit = find(inner);
  if (!hit) return { kind: 'invalid', reason: 'no connection for the quoted packet' };
  if (!wordsEqual(hit.entry.tuple[hit.dir].dst, outerDst)) return { kind: 'invalid', reason: 'outer daddr != inner' };
  return { kind: 'related', entry: hit.entry, ctinfo: hit.dir === 1 ? CTINFO.RELATED_REPLY : CTINFO.RELATED };
}

/** The error step for ICMP (`nf_conntrack_icmpv4_error`). */
export function icmpv4Error(pkt: CtPacket, type: number, quoted: Tuple | null | undefined, find: TupleFinder, ctx: TrackerContext): IcmpErrorResult {
  if (ctx.settings.checksum && ctx.hook === 'PREROUTING' && pkt.badChecksum) return { kind: 'invalid', reason: 'bad hw icmp checksum' };
  if (type > NR_ICMP_TYPES) return { kind: 'invalid', reason: 'invalid icmp type' };
  if (!icmpIsError(type)) return { kind: 'not-error' };
  return relatedToQuoted(quoted, pkt.dst, find);
}

/** Tracks one ICMP query or reply on its entry (`nf_conntrack_icmp_packet`). */
export function icmpPacket(e: ConntrackEntry, ctx: TrackerContext): TrackerOutcome {
  if (e.tuple[0].family !== 'ipv4') return { verdict: 'invalid', reason: 'not ipv4' };
  const type = icmpType(e.tuple[0]);
  if (!icmpCanCreate(type)) return { verdict: 'invalid', reason: `icmp: can't create new conn with type ${type}` };
  return { verdict: 'accept', refresh: ctx.settings.icmpTimeout * 1000 };
}
