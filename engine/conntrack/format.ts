/**
 * `conntrack -L` output lines (libnetfilter_conntrack `__snprintf_conntrack_default`, as printed
 * by conntrack-tools 1.4.7): protocol name padded to 8 and number, remaining seconds, the TCP
 * state, the original tuple, `[UNREPLIED]`, the reply tuple, `[ASSURED]` (or `[OFFLOAD]`,
 * `[HW_OFFLOAD]`), `mark=` in decimal and `use=1`; counters after each tuple when accounting is
 * asked for. Fields are separated by one space; no trailing space.
 */
import { formatAddr } from '../net/addr.js';
import { IPS, remainingSeconds, type ConntrackEntry } from './entry.js';
import { recordWords } from './table.js';
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

/**
 * The lines `formatConntrackLine` prints for `entries`, each followed by a newline, handed to
 * `emit` in pieces of about 64 KiB: the same text, written as bytes into one reused buffer
 * (IPv4 addresses and numbers digit by digit) instead of a string of some twenty pieces per
 * line — `natsim replay` lists a full table, a quarter of a million entries. IPv6 tuples and
 * protocols without ports take `formatConntrackLine`'s text for the line.
 */
export function writeConntrackLines(entries: Iterable<ConntrackEntry>, now: number, emit: (piece: string) => void, opts: FormatOptions = {}): void {
  const w = new AsciiPieces(emit);
  const o = new Int32Array(4), r = new Int32Array(4);
  for (const e of entries) {
    // An IPv4 entry in the table is read from its node records (no tuple built), any other from its tuples.
    if (!recordWords(e, 0, o) || !recordWords(e, 1, r)) {
      const [orig, reply] = e.tuple;
      const v4 = orig.family === 'ipv4' && reply.family === 'ipv4';
      o[0] = v4 ? orig.src[0]! : 0; o[1] = v4 ? orig.dst[0]! : 0; o[2] = (orig.sport << 16) | orig.dport; o[3] = v4 ? orig.proto : -1;
      r[0] = v4 ? reply.src[0]! : 0; r[1] = v4 ? reply.dst[0]! : 0; r[2] = (reply.sport << 16) | reply.dport; r[3] = v4 ? reply.proto : -1;
    }
    const proto = o[3]!;
    if (proto < 0 || proto > 0xff || !hasPorts(proto) || opts.extended) {
      w.text(formatConntrackLine(e, now, opts));
      w.byte(10);
      w.endLine();
      continue;
    }
    let col = protoColumns.get(proto);
    if (col === undefined) protoColumns.set(proto, col = `${protoName(proto).padEnd(8)} ${proto}`);
    w.text(col);
    w.byte(32); w.uint(remainingSeconds(e, now));
    if (e.proto.kind === 'tcp') { w.byte(32); w.text(TCP_STATE_NAMES[e.proto.state] ?? 'NONE'); }
    w.byte(32); w.portTuple(o);
    if (opts.accounting) { w.text(' packets='); w.uint(e.origPackets); w.text(' bytes='); w.uint(e.origBytes); }
    if (!(e.status & IPS.SEEN_REPLY)) w.text(' [UNREPLIED]');
    w.byte(32); w.portTuple(r);
    if (opts.accounting) { w.text(' packets='); w.uint(e.replyPackets); w.text(' bytes='); w.uint(e.replyBytes); }
    if (e.status & IPS.OFFLOAD) w.text(' [OFFLOAD]');
    else if (e.status & IPS.HW_OFFLOAD) w.text(' [HW_OFFLOAD]');
    else if (e.status & IPS.ASSURED) w.text(' [ASSURED]');
    w.text(' mark='); w.uint(e.mark >>> 0);
    if (e.zone !== 0) { w.text(' zone='); w.uint(e.zone); }
    w.text(' use=1\n');
    w.endLine();
  }
  w.flush();
}

const ascii = new TextDecoder();

/** Writes octet `b` in decimal at `at`, then the byte `sep` unless it is negative; returns the end. */
function octet(buf: Uint8Array, at: number, b: number, sep: number): number {
  if (b >= 100) { buf[at++] = 48 + ((b / 100) | 0); buf[at++] = 48 + (((b / 10) | 0) % 10); } else if (b >= 10) buf[at++] = 48 + ((b / 10) | 0);
  buf[at++] = 48 + (b % 10);
  if (sep >= 0) buf[at++] = sep;
  return at;
}

/** ASCII text written byte by byte into a reused buffer, emitted as strings of about 64 KiB. */
class AsciiPieces {
  private static readonly PIECE = 1 << 16;
  private buf = new Uint8Array(AsciiPieces.PIECE + 1024);
  private at = 0;

  constructor(private readonly emit: (piece: string) => void) {}

  byte(b: number): void {
    if (this.at === this.buf.length) this.grow();
    this.buf[this.at++] = b;
  }

  /** ASCII text (every line natsim lists is ASCII). */
  text(s: string): void {
    if (this.at + s.length > this.buf.length) this.grow(s.length);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.at = at;
  }

  /** A non-negative integer in decimal. */
  uint(n: number): void {
    if (n < 10) { this.byte(48 + n); return; }
    if (this.at + 10 > this.buf.length) this.grow(10);
    if (n > 0x7fffffff) { this.text(String(n)); return; }
    // Small integers: integer division.
    const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    const buf = this.buf, end = this.at + digits;
    let at = end, x = n;
    do { const q = (x / 10) | 0; buf[--at] = 48 + x - 10 * q; x = q; } while (x > 0);
    this.at = end;
  }

  /** `src=A dst=B sport=P dport=Q` of an IPv4 tuple with ports, given as `recordWords` gives it. */
  portTuple(w: Int32Array): void {
    this.text('src='); this.ipv4(w[0]! >>> 0);
    this.text(' dst='); this.ipv4(w[1]! >>> 0);
    this.text(' sport='); this.uint(w[2]! >>> 16);
    this.text(' dport='); this.uint(w[2]! & 0xffff);
  }

  private ipv4(v: number): void {
    if (this.at + 15 > this.buf.length) this.grow(15);
    this.at = octet(this.buf, octet(this.buf, octet(this.buf, octet(this.buf, this.at, v >>> 24, 46), (v >>> 16) & 0xff, 46), (v >>> 8) & 0xff, 46), v & 0xff, -1);
  }

  /** A line is complete: emit the piece once it is long enough. */
  endLine(): void {
    if (this.at >= AsciiPieces.PIECE) this.flush();
  }

  flush(): void {
    if (this.at === 0) return;
    const piece = ascii.decode(this.buf.subarray(0, this.at));
    this.at = 0;
    this.emit(piece);
  }

  /** Room for `more` bytes past the current end (a line longer than the spare 1 KiB). */
  private grow(more = 1): void {
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.at + more + 1024));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
  }
}

/** `conntrack -L` stdout for a list of entries (one line each, newline-terminated). */
export function formatConntrackList(entries: readonly ConntrackEntry[], now: number, opts: FormatOptions = {}): string {
  return entries.map((e) => formatConntrackLine(e, now, opts) + '\n').join('');
}

/** The summary conntrack prints on stderr after a listing. */
export function conntrackSummary(count: number): string {
  return `conntrack v1.4.7 (conntrack-tools): ${count} flow entries have been shown.`;
}
