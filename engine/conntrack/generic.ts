/**
 * Trackers without per-packet state: the generic tracker for protocols conntrack has no module
 * for (`nf_conntrack_proto_generic.c`: 600 s, refreshed by every packet), and GRE version 0
 * (`nf_conntrack_proto_gre.c`: 30 s unreplied, 180 s and ASSURED once replied; its tuple keys
 * stay 0 for version 0, so the tuple has no L4 part).
 *
 * SCTP and DCCP also use the generic timeout here, although the kernel has state machines for
 * them (`nf_conntrack_proto_sctp.c`, `…_dccp.c`): their tuples carry ports as in the kernel,
 * but their timeouts and `conntrack -L` state names are not modelled. PPTP's GRE version 1
 * (call-id keys) is not modelled either.
 */
import { IPS, type ConntrackEntry, type TrackerContext, type TrackerOutcome } from './entry.js';

/** Default `nf_conntrack_generic_timeout` (s). */
export const DEFAULT_GENERIC_TIMEOUT = 600;
/** GRE timeouts (s): unreplied and replied (`gre_timeouts`). */
export const GRE_TIMEOUTS = { UNREPLIED: 30, REPLIED: 180 } as const;

/** Tracks one packet of a protocol without its own tracker (`generic_packet`). */
export function genericPacket(_e: ConntrackEntry, ctx: TrackerContext): TrackerOutcome {
  return { verdict: 'accept', refresh: ctx.settings.genericTimeout * 1000 };
}

/** Tracks one GRE (version 0) packet (`nf_conntrack_gre_packet`). */
export function grePacket(e: ConntrackEntry): TrackerOutcome {
  if (!(e.status & IPS.SEEN_REPLY)) return { verdict: 'accept', refresh: GRE_TIMEOUTS.UNREPLIED * 1000 };
  if (!(e.status & IPS.NAT_CLASH)) e.status |= IPS.ASSURED;
  return { verdict: 'accept', refresh: GRE_TIMEOUTS.REPLIED * 1000 };
}
