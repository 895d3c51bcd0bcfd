/**
 * `conntrack -L` output lines (libnetfilter_conntrack `__snprintf_conntrack_default`, as printed
 * by conntrack-tools 1.4.7): protocol name padded to 8 and number, remaining seconds, the TCP
 * state, the original tuple, `[UNREPLIED]`, the reply tuple, `[ASSURED]` (or `[OFFLOAD]`,
 * `[HW_OFFLOAD]`), `mark=` in decimal and `use=1`; counters after each tuple when accounting is
 * asked for. Fields are separated by one space; no trailing space.
 */
import { formatAddr } from '../net/addr.js';
import { IPS, remainingSeconds, type ConntrackEntry } from './entry.js';
import { TCP_STATE_NAMES } from './tcp.js';
import { IPPROTO, hasPorts, icmpCode, icmpType, isIcmpOf, type Tuple } from './tuple.js';

/** Protocol names as libnetfilter_conntrack prints them (`proto2str`); others print `unknown`. */
const PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [IPPROTO.TCP, 'tcp'], [IPPROTO.UDP, 'udp'], [IPPROTO.UDPLITE, 'udplite'], [IPPROTO.ICMP, 'icmp'],
  [IPPROTO.ICMPV6, 'icmpv6'], [IPPROTO.SCTP, 'sctp'], [IPPROTO.GRE, 'gre'], [IPPROTO.DCCP, 'dccp'],
]);

/** Options of `formatConntrackLine`. */
export interface FormatOptions {
  /** Print `packets=… bytes=…` after each tuple (`nf_conntrack_acct = 1`). */
  accounting?: boolean;
  /** Prefix the L3 protocol (`-o extended`): `ipv4     2 ` or `ipv6     10 `. */
  extended?: boolean;
}

/** Name printed for an L4 protocol number. */
export function protoName(proto: number): string {
  return PROTO_NAMES.get(proto) ?? 'unknown';
}

/** `src=… dst=…` plus the L4 part of one tuple. */
export function formatTuple(t: Tuple): string {
  let s = 'src=' + formatAddr(t.family, t.src) + ' dst=' + formatAddr(t.family, t.dst);
  if (isIcmpOf(t.family, t.proto)) s += ' type=' + icmpType(t) + ' code=' + icmpCode(t) + ' id=' + t.sport;
  else if (hasPorts(t.proto)) s += ' sport=' + t.sport + ' dport=' + t.dport;
  else if (t.proto === IPPROTO.GRE) s += ' srckey=0x' + t.sport.toString(16) + ' dstkey=0x' + t.dport.toString(16);
  return s;
}

/** The protocol column (`udp      17`), made once per protocol. */
const protoColumns = new Map<number, string>();

/**
 * One `conntrack -L` line for an entry at virtual time `now`. Built by concatenation, field by
 * field: `natsim replay` prints a quarter of a million of them for a full table.
 */
export function formatConntrackLine(e: ConntrackEntry, now: number, opts: FormatOptions = {}): string {
  const [orig, reply] = e.tuple;
  let col = protoColumns.get(orig.proto);
  if (col === undefined) protoColumns.set(orig.proto, col = `${protoName(orig.proto).padEnd(8)} ${orig.proto}`);
  let s = opts.extended ? (orig.family === 'ipv4' ? 'ipv4     2 ' : 'ipv6     10 ') + col : col;
  s += ' ' + remainingSeconds(e, now);
  if (e.proto.kind === 'tcp') s += ' ' + (TCP_STATE_NAMES[e.proto.state] ?? 'NONE');
  s += ' ' + formatTuple(orig);
  if (opts.accounting) s += ' packets=' + e.origPackets + ' bytes=' + e.origBytes;
  if (!(e.status & IPS.SEEN_REPLY)) s += ' [UNREPLIED]';
  s += ' ' + formatTuple(reply);
  if (opts.accounting) s += ' packets=' + e.replyPackets + ' bytes=' + e.replyBytes;
  if (e.status & IPS.OFFLOAD) s += ' [OFFLOAD]';
  else if (e.status & IPS.HW_OFFLOAD) s += ' [HW_OFFLOAD]';
  else if (e.status & IPS.ASSURED) s += ' [ASSURED]';
  s += ' mark=' + (e.mark >>> 0);
  if (e.zone !== 0) s += ' zone=' + e.zone;
  return s + ' use=1';
}

/** `conntrack -L` stdout for a list of entries (one line each, newline-terminated). */
export function formatConntrackList(entries: readonly ConntrackEntry[], now: number, opts: FormatOptions = {}): string {
  return entries.map((e) => formatConntrackLine(e, now, opts) + '\n').join('');
}

/** The summary conntrack prints on stderr after a listing. */
export function conntrackSummary(count: number): string {
  return `conntrack v1.4.7 (conntrack-tools): ${count} flow entries have been shown.`;
}
