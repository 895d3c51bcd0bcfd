/**
 * UDP and UDP-Lite tracking (`net/netfilter/nf_conntrack_proto_udp.c`, Linux 6.12). A UDP entry
 * is refreshed to the unreplied timeout (30 s) until a reply has been seen **and** the flow is
 * older than 2 s (`stream_ts`, set while the entry is unconfirmed); after that every packet
 * refreshes to the stream timeout (120 s) and the first such packet sets ASSURED. The first
 * reply itself still gets 30 s, because SEEN_REPLY is set only after the tracker ran. UDP-Lite
 * has no 2 s rule: any packet after a reply gets 120 s and ASSURED. Entries marked NAT_CLASH
 * never become ASSURED.
 */
import { IPS, isConfirmed, type ConntrackEntry, type CtPacket, type TrackerContext, type TrackerOutcome } from './entry.js';

/** Default `nf_conntrack_udp_timeout` (s). */
export const DEFAULT_UDP_TIMEOUT = 30;
/** Default `nf_conntrack_udp_timeout_stream` (s). */
export const DEFAULT_UDP_TIMEOUT_STREAM = 120;
/** How long after its first packet a replied flow counts as a stream (ms; `2 * HZ`). */
export const UDP_STREAM_DELAY_MS = 2000;

/** The UDP header fields the checks read. */
export interface UdpFields {
  length: number;
  checksum: number;
}

/** `udp_error`: a reason when the datagram is malformed or (at PREROUTING) has a bad checksum. */
function udpError(pkt: CtPacket, h: UdpFields, ctx: TrackerContext): string | null {
  if (h.length > pkt.l4Length || h.length < 8) return 'truncated/malformed packet';
  if (h.checksum === 0) return null;
  if (ctx.hook === 'PREROUTING' && ctx.settings.checksum && pkt.badChecksum) return 'bad checksum';
  return null;
}

/** `udplite_error`: checksum coverage and the mandatory checksum. */
function udpliteError(pkt: CtPacket, h: UdpFields, ctx: TrackerContext): string | null {
  const cscov = h.length === 0 ? pkt.l4Length : h.length;
  if (cscov < 8 || cscov > pkt.l4Length) return 'invalid checksum coverage';
  if (h.checksum === 0) return 'checksum missing';
  if (ctx.hook === 'PREROUTING' && ctx.settings.checksum && pkt.badChecksum) return 'bad checksum';
  return null;
}

/** Tracks one UDP datagram (`nf_conntrack_udp_packet`). */
export function udpPacket(e: ConntrackEntry, pkt: CtPacket, h: UdpFields, ctx: TrackerContext): TrackerOutcome {
  const err = udpError(pkt, h, ctx);
  if (err) return { verdict: 'invalid', reason: err };
  const s = ctx.settings;
  if (!isConfirmed(e) || e.proto.kind !== 'udp') e.proto = { kind: 'udp', streamTs: ctx.now + UDP_STREAM_DELAY_MS };
  const status = e.status;
  if (!(status & IPS.SEEN_REPLY)) return { verdict: 'accept', refresh: s.udpTimeout * 1000 };
  let timeout = s.udpTimeout;
  let stream = false;
  if (ctx.now > e.proto.streamTs) {
    timeout = s.udpTimeoutStream;
    stream = (status & IPS.ASSURED) === 0;
  }
  if (stream && !(status & IPS.NAT_CLASH)) e.status |= IPS.ASSURED;
  return { verdict: 'accept', refresh: timeout * 1000 };
}

/** Tracks one UDP-Lite datagram (`nf_conntrack_udplite_packet`). */
export function udplitePacket(e: ConntrackEntry, pkt: CtPacket, h: UdpFields, ctx: TrackerContext): TrackerOutcome {
  const err = udpliteError(pkt, h, ctx);
  if (err) return { verdict: 'invalid', reason: err };
  const s = ctx.settings;
  if (!(e.status & IPS.SEEN_REPLY)) return { verdict: 'accept', refresh: s.udpTimeout * 1000 };
  if (!(e.status & IPS.NAT_CLASH)) e.status |= IPS.ASSURED;
  return { verdict: 'accept', refresh: s.udpTimeoutStream * 1000 };
}
