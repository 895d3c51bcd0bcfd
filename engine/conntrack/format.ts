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

/** One `conntrack -L` line for an entry at virtual time `now` (written by `writeLine`). */
export function formatConntrackLine(e: ConntrackEntry, now: number, opts: FormatOptions = {}): string {
  const w = oneLine;
  writeLine(w, e, now, opts);
  return w.take();
}

/**
 * The lines `formatConntrackLine` prints for `entries`, each followed by a newline, handed to
 * `emit` in pieces of about 64 KiB, each ending at a line end: `natsim replay` lists a full
 * table, a quarter of a million entries, written as bytes into one buffer.
 */
export function writeConntrackLines(entries: Iterable<ConntrackEntry>, now: number, emit: (piece: string) => void, opts: FormatOptions = {}): void {
  const w = new AsciiLine();
  for (const e of entries) {
    writeLine(w, e, now, opts);
    w.byte(10);
    if (w.length >= PIECE) emit(w.take());
  }
  if (w.length > 0) emit(w.take());
}

/** Characters of output gathered before `writeConntrackLines` hands a piece on. */
const PIECE = 1 << 16;

/** Where `writeLine` reads an IPv4 entry's tuples from the table's node records. */
const origWords = new Int32Array(4), replyWords = new Int32Array(4);

/**
 * One entry's line (the fields of this file's comment, `zone=` when not 0), the one layout both
 * outputs use. An IPv4 entry in the table with ports is read from its node records (no tuple
 * built); any other from its tuples.
 */
function writeLine(w: AsciiLine, e: ConntrackEntry, now: number, opts: FormatOptions): void {
  const records = recordWords(e, 0, origWords) && recordWords(e, 1, replyWords) && hasPorts(origWords[3]!);
  const tuples = records ? null : e.tuple;
  const proto = tuples === null ? origWords[3]! : tuples[0].proto;
  if (opts.extended) w.text(tuples === null || tuples[0].family === 'ipv4' ? 'ipv4     2 ' : 'ipv6     10 ');
  let col = protoColumns.get(proto);
  if (col === undefined) protoColumns.set(proto, col = `${protoName(proto).padEnd(8)} ${proto}`);
  w.text(col);
  w.byte(32); w.uint(remainingSeconds(e, now));
  if (e.proto.kind === 'tcp') { w.byte(32); w.text(TCP_STATE_NAMES[e.proto.state] ?? 'NONE'); }
  w.byte(32);
  if (tuples === null) w.portTuple(origWords); else w.text(formatTuple(tuples[0]));
  if (opts.accounting) { w.text(' packets='); w.uint(e.origPackets); w.text(' bytes='); w.uint(e.origBytes); }
  if (!(e.status & IPS.SEEN_REPLY)) w.text(' [UNREPLIED]');
  w.byte(32);
  if (tuples === null) w.portTuple(replyWords); else w.text(formatTuple(tuples[1]));
  if (opts.accounting) { w.text(' packets='); w.uint(e.replyPackets); w.text(' bytes='); w.uint(e.replyBytes); }
  if (e.status & IPS.OFFLOAD) w.text(' [OFFLOAD]');
  else if (e.status & IPS.HW_OFFLOAD) w.text(' [HW_OFFLOAD]');
  else if (e.status & IPS.ASSURED) w.text(' [ASSURED]');
  w.text(' mark='); w.uint(e.mark >>> 0);
  if (e.zone !== 0) { w.text(' zone='); w.uint(e.zone); }
  w.text(' use=1');
}

const ascii = new TextDecoder();

/** Writes octet `b` in decimal at `at`, then the byte `sep` unless it is negative; returns the end. */
function octet(buf: Uint8Array, at: number, b: number, sep: number): number {
  if (b >= 100) { buf[at++] = 48 + ((b / 100) | 0); buf[at++] = 48 + (((b / 10) | 0) % 10); } else if (b >= 10) buf[at++] = 48 + ((b / 10) | 0);
  buf[at++] = 48 + (b % 10);
  if (sep >= 0) buf[at++] = sep;
  return at;
}

/** ASCII text written byte by byte into a reused buffer, taken out as a string. */
class AsciiLine {
  private buf = new Uint8Array(1024);
  private at = 0;

  /** Bytes written since the last `take`. */
  get length(): number {
    return this.at;
  }

  byte(b: number): void {
    if (this.at === this.buf.length) this.grow(1);
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
    if (n > 0x7fffffff) { this.text(String(n)); return; }
    if (this.at + 10 > this.buf.length) this.grow(10);
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

  /** The text written so far, as a string; the buffer starts over. */
  take(): string {
    const s = ascii.decode(this.buf.subarray(0, this.at));
    this.at = 0;
    return s;
  }

  /** Room for `more` bytes past the current end. */
  private grow(more: number): void {
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.at + more + 1024));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
  }
}

/** The buffer `formatConntrackLine` writes each line into (lines are written one at a time). */
const oneLine = new AsciiLine();

/** `conntrack -L` stdout for a list of entries (one line each, newline-terminated). */
export function formatConntrackList(entries: readonly ConntrackEntry[], now: number, opts: FormatOptions = {}): string {
  return entries.map((e) => formatConntrackLine(e, now, opts) + '\n').join('');
}

/** The summary conntrack prints on stderr after a listing. */
export function conntrackSummary(count: number): string {
  return `conntrack v1.4.7 (conntrack-tools): ${count} flow entries have been shown.`;
}
