/**
 * The conntrack entry (`struct nf_conn`) and the vocabulary around it: status bits (`IPS_*`),
 * packet states (`enum ip_conntrack_info`), the packet fields conntrack reads (`CtPacket`), the
 * per-protocol state each tracker keeps, and the contract of a protocol tracker.
 */
import type { Family, Words } from '../net/addr.js';
import type { TcpHeader } from '../wire/transport.js';
import type { Dir, Tuple } from './tuple.js';
import type { TcpState } from './tcp.js';

/** Status bits (`enum ip_conntrack_status`, include/uapi/linux/netfilter/nf_conntrack_common.h). */
export const IPS = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SEQ_ADJUST: 1 << 6,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
  FIXED_TIMEOUT: 1 << 10,
  TEMPLATE: 1 << 11,
  /** Shares bit 12 with `NAT_CLASH`: the kernel reuses the old UNTRACKED bit. */
  UNTRACKED: 1 << 12,
  NAT_CLASH: 1 << 12,
  HELPER: 1 << 13,
  OFFLOAD: 1 << 14,
  HW_OFFLOAD: 1 << 15,
} as const;

/** Packet state relative to its conntrack (`enum ip_conntrack_info`). */
export const CTINFO = {
  ESTABLISHED: 0,
  RELATED: 1,
  NEW: 2,
  ESTABLISHED_REPLY: 3,
  RELATED_REPLY: 4,
  UNTRACKED: 7,
} as const;

/** A ctinfo value that comes with a conntrack. */
export type TrackedCtInfo = 0 | 1 | 2 | 3 | 4;

/** Direction of a ctinfo (`CTINFO2DIR`). */
export function ctinfoDir(ctinfo: TrackedCtInfo): Dir {
  return ctinfo >= 3 ? 1 : 0;
}

/** Name of a ctinfo value, as the kernel's enum spells it without `IP_CT_`. */
export function ctinfoName(ctinfo: number): string {
  return ['ESTABLISHED', 'RELATED', 'NEW', 'ESTABLISHED_REPLY', 'RELATED_REPLY', '', '', 'UNTRACKED'][ctinfo] ?? String(ctinfo);
}

/** Which hook runs the conntrack lookup (checksums are verified only at PREROUTING). */
export type CtHook = 'PREROUTING' | 'OUTPUT';

/** The transport part of a packet, as the trackers need it. */
export type CtL4 =
  /** TCP: the parsed header (flags, seq, ack, window, options). */
  | { kind: 'tcp'; header: TcpHeader }
  /** UDP and UDP-Lite: ports and the header's length and checksum fields. */
  | { kind: 'udp'; sport: number; dport: number; length: number; checksum: number }
  /** SCTP, DCCP: ports only. */
  | { kind: 'ports'; sport: number; dport: number }
  /**
   * ICMP/ICMPv6: type, code and id (the 16 bits after the checksum). For an error, `quoted` is
   * the tuple read from the embedded packet (`readTuple`), null when it could not be read.
   */
  | { kind: 'icmp'; type: number; code: number; id: number; quoted?: Tuple | null }
  /** Any other protocol. */
  | { kind: 'other' };

/**
 * What conntrack reads of a packet, parsed by the caller. `l4` is null when the transport header
 * is truncated (the kernel then has no tuple, and the packet is INVALID).
 */
export interface CtPacket {
  family: Family;
  src: Words;
  dst: Words;
  /** L4 protocol (after IPv6 extension headers). */
  proto: number;
  /** `skb->len`: the IP datagram length, counted in bytes counters. */
  length: number;
  /** Bytes from the start of the transport header to the end of the datagram. */
  l4Length: number;
  l4: CtL4 | null;
  /** The transport checksum is wrong; only consulted at PREROUTING, as the kernel does. */
  badChecksum?: boolean;
}

/** UDP state: when the flow counts as a stream (`ct->proto.udp.stream_ts`). */
export interface UdpState {
  kind: 'udp';
  /**
   * Virtual time after which a replied flow gets the long timeout and ASSURED. NaN in the state a
   * table's entry shows while it is in the table (the table keeps the time in its records and
   * hands it to the UDP tracker, its only reader).
   */
  streamTs: number;
}

/** Per-protocol state of an entry. */
export type ProtoState = TcpState | UdpState | { kind: 'none' };

/** Packets and bytes of one direction (`struct nf_conn_counter`). */
export interface Counter {
  packets: number;
  bytes: number;
}

/** A conntrack entry (`struct nf_conn`), confirmed or not. */
export interface ConntrackEntry {
  /** Allocation number, unique per table (creation order). */
  readonly id: number;
  /** `tuplehash[ORIGINAL]` and `tuplehash[REPLY]`. */
  tuple: [Tuple, Tuple];
  /** `IPS_*` bits. */
  status: number;
  /** `ct->mark` (CONNMARK). */
  mark: number;
  /** Conntrack zone; natsim uses zone 0 only. */
  readonly zone: number;
  /**
   * `ct->timeout`: while unconfirmed, the timeout relative to confirmation (ms); once confirmed,
   * the absolute expiry on the virtual clock (ms).
   */
  timeout: number;
  proto: ProtoState;
  /** Packets and bytes of the original direction (`acct[ORIGINAL]`; always kept, printed only when accounting is asked for). */
  origPackets: number;
  origBytes: number;
  /** Packets and bytes of the reply direction. */
  replyPackets: number;
  replyBytes: number;
  /** Free for the application using the table, null until it sets it (`natsim replay` keeps where the connection's replies come from). */
  note: unknown;
  /** Where the table keeps the entry while it is confirmed and in it, else -1 (the table's own bookkeeping). */
  index: number;
}

/** The counters of one direction, as a record. */
export function counterOf(e: ConntrackEntry, dir: 0 | 1): Counter {
  return dir === 0 ? { packets: e.origPackets, bytes: e.origBytes } : { packets: e.replyPackets, bytes: e.replyBytes };
}

/** Counts one packet of `bytes` bytes in direction `dir`. */
export function countPacket(e: ConntrackEntry, dir: 0 | 1, packets: number, bytes: number): void {
  if (dir === 0) { e.origPackets += packets; e.origBytes += bytes; } else { e.replyPackets += packets; e.replyBytes += bytes; }
}

/** True once the entry is in the table (`nf_ct_is_confirmed`). */
export function isConfirmed(e: ConntrackEntry): boolean {
  return (e.status & IPS.CONFIRMED) !== 0;
}

/** Milliseconds until expiry (0 when expired); an unconfirmed entry reports its full timeout. */
export function remainingMs(e: ConntrackEntry, now: number): number {
  return isConfirmed(e) ? Math.max(0, e.timeout - now) : e.timeout;
}

/** Whole seconds until expiry, as `conntrack -L` and `--ctexpire` see it (`nf_ct_expires / HZ`). */
export function remainingSeconds(e: ConntrackEntry, now: number): number {
  return Math.floor(remainingMs(e, now) / 1000);
}

/** Tunables a tracker reads (the `net.netfilter.nf_conntrack_*` sysctls), times in seconds. */
export interface TrackerSettings {
  tcpLoose: boolean;
  tcpBeLiberal: boolean;
  tcpIgnoreInvalidRst: boolean;
  tcpMaxRetrans: number;
  /** `nf_conntrack_checksum`. */
  checksum: boolean;
  tcpTimeouts: TcpTimeouts;
  udpTimeout: number;
  udpTimeoutStream: number;
  icmpTimeout: number;
  icmpv6Timeout: number;
  genericTimeout: number;
}

/** TCP timeouts in seconds, by state name and the RETRANS/UNACK caps. */
export interface TcpTimeouts {
  SYN_SENT: number; SYN_RECV: number; ESTABLISHED: number; FIN_WAIT: number; CLOSE_WAIT: number;
  LAST_ACK: number; TIME_WAIT: number; CLOSE: number; SYN_SENT2: number; RETRANS: number; UNACK: number;
}

/** What a tracker asks the table to do with a packet it has looked at. */
export type TrackerOutcome =
  /**
   * Accepted as part of the connection. `refresh`: new timeout in ms (`nf_ct_refresh_acct`,
   * which also counts the packet), or null to leave timeout and counters alone.
   * `kill`: delete the entry now, counting the packet (`nf_ct_kill_acct`).
   */
  | { verdict: 'accept'; refresh: number | null; kill?: boolean }
  /** Not valid for this connection: the packet gets no conntrack (INVALID). */
  | { verdict: 'invalid'; reason: string }
  /** TCP reopening a closed connection: delete the entry and look the packet up again. */
  | { verdict: 'repeat' };

/** The context a tracker runs in. */
export interface TrackerContext {
  readonly now: number;
  readonly hook: CtHook;
  readonly settings: TrackerSettings;
}
