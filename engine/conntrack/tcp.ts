/**
 * TCP connection tracking as `net/netfilter/nf_conntrack_proto_tcp.c` (Linux 6.12) does it: the
 * `tcp_conntracks[dir][index][state]` transition table, which segments may start an entry
 * (`tcp_new`, including the loose mid-stream pickup), the ignore/resync logic for SYNs and
 * SYN/ACKs the firewall is out of sync with, the reopen of a closed connection by a new SYN,
 * RST checks, the window tracking of `tcp_in_window` (sequence/ack bounds, window scaling, SACK,
 * unacknowledged-data and retransmission bookkeeping), ASSURED, and the timeout choice with its
 * RETRANS, UNACK and CLOSE caps.
 *
 * Not modelled: NAT sequence adjustment (`nf_ct_seq_offset`, used by helpers only; taken as 0),
 * SYN proxy, per-rule timeout policies (`-j CT --timeout`), and the conntrack event cache.
 * Checksums are the caller's (`CtPacket.badChecksum`), verified only at PREROUTING.
 */
import type { TcpHeader } from '../wire/transport.js';
import { IPS, isConfirmed, type ConntrackEntry, type CtPacket, type TcpTimeouts, type TrackerContext, type TrackerOutcome } from './entry.js';
import type { Dir } from './tuple.js';

/** TCP conntrack states (`enum tcp_conntrack`). */
export const TCP_STATE = {
  NONE: 0, SYN_SENT: 1, SYN_RECV: 2, ESTABLISHED: 3, FIN_WAIT: 4, CLOSE_WAIT: 5,
  LAST_ACK: 6, TIME_WAIT: 7, CLOSE: 8, SYN_SENT2: 9,
} as const;

/** State names as `conntrack -L` and /proc print them, by state number. */
export const TCP_STATE_NAMES: readonly (keyof typeof TCP_STATE)[] = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
];

/** Table result: the segment is invalid in this state (`sIV`, `TCP_CONNTRACK_MAX`). */
export const TCP_INVALID = 10;
/** Table result: the segment is let through without changing state (`sIG`). */
export const TCP_IGNORE = 11;

/** Segment kinds indexing the table (`enum tcp_bit_set`). */
export const TCP_INDEX = { SYN: 0, SYNACK: 1, FIN: 2, ACK: 3, RST: 4, NONE: 5 } as const;

/** Per-direction flags (`IP_CT_TCP_FLAG_*`, and the two kept in `last_flags`). */
export const TCP_CT_FLAG = {
  WINDOW_SCALE: 0x01, SACK_PERM: 0x02, CLOSE_INIT: 0x04, BE_LIBERAL: 0x08,
  DATA_UNACKNOWLEDGED: 0x10, MAXACK_SET: 0x20, EXP_CHALLENGE_ACK: 0x40, SIMULTANEOUS_OPEN: 0x80,
} as const;

/** The kernel's default TCP timeouts in seconds (`tcp_timeouts`). */
export const DEFAULT_TCP_TIMEOUTS: Readonly<TcpTimeouts> = {
  SYN_SENT: 120, SYN_RECV: 60, ESTABLISHED: 432000, FIN_WAIT: 120, CLOSE_WAIT: 60, LAST_ACK: 30,
  TIME_WAIT: 120, CLOSE: 10, SYN_SENT2: 120, RETRANS: 300, UNACK: 300,
};

/** What conntrack knows of one side's sequence space (`struct ip_ct_tcp_state`). */
export interface TcpPeer {
  /** Highest sequence number sent + length (`td_end`). */
  end: number;
  /** Highest acceptable sequence end (`td_maxend`). */
  maxend: number;
  /** Largest window seen (`td_maxwin`); 0 until this side was seen. */
  maxwin: number;
  /** Highest ack sent (`td_maxack`). */
  maxack: number;
  /** Window scale factor (`td_scale`). */
  scale: number;
  flags: number;
}

/** What the tracker remembers of the last segment (`last_dir`, `last_index`, `last_seq`, …) and the retransmission count. */
interface TcpHistory {
  state: number;
  lastDir: Dir;
  lastIndex: number;
  lastSeq: number;
  lastAck: number;
  lastEnd: number;
  lastWin: number;
  lastWscale: number;
  lastFlags: number;
  retrans: number;
}

/**
 * TCP part of an entry (`struct ip_ct_tcp`) as an entry keeps it: one flat object, the two sides'
 * fields suffixed 0 (original direction) and 1 (reply), sequence numbers stored as signed 32-bit
 * integers (read them with `>>> 0`) so that V8 keeps every field a small integer, with no heap
 * number behind it. The tracker works on `TcpWork` (peers as objects, sequence numbers unsigned),
 * loaded from this before a segment and stored back after it.
 */
export interface TcpState extends TcpHistory {
  kind: 'tcp';
  end0: number; maxend0: number; maxwin0: number; maxack0: number; scale0: number; flags0: number;
  end1: number; maxend1: number; maxwin1: number; maxack1: number; scale1: number; flags1: number;
}

/** The TCP state as the tracker works on it: the two sides as `TcpPeer`s, sequence numbers unsigned. */
interface TcpWork extends TcpHistory {
  seen: [TcpPeer, TcpPeer];
}

// Transition table, written as state letters per current state
// (columns NONE SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE SYN_SENT2).
// Letters: n NONE, s SYN_SENT, r SYN_RECV, e ESTABLISHED, f FIN_WAIT, c CLOSE_WAIT, l LAST_ACK,
// t TIME_WAIT, x CLOSE, 2 SYN_SENT2, v invalid, i ignore. Rows by segment index SYN, SYN/ACK, FIN, ACK, RST, NONE.
const LETTER: Readonly<Record<string, number>> = {
  n: 0, s: 1, r: 2, e: 3, f: 4, c: 5, l: 6, t: 7, x: 8, '2': 9, v: TCP_INVALID, i: TCP_IGNORE,
};
const ROWS: readonly (readonly string[])[] = [
  // ORIGINAL: SYN, SYN/ACK, FIN, ACK, RST, NONE
  ['ssiiiiiss2', 'vvrvvvvvvr', 'vvffllltxv', 'eveeccttxv', 'vxxxxxxxxx', 'vvvvvvvvvv'],
  // REPLY
  ['v2vvvvvsv2', 'vriiiiiiir', 'vvffllltxv', 'vireccttxi', 'vxxxxxxxxx', 'vvvvvvvvvv'],
];
const TABLE: readonly (readonly (readonly number[])[])[] = ROWS.map((dir) => dir.map((row) => [...row].map((c) => LETTER[c]!)));

/** `tcp_conntracks[dir][index][state]`: the next state, `TCP_INVALID` or `TCP_IGNORE`. */
export function tcpNextState(dir: Dir, index: number, state: number): number {
  return TABLE[dir]![index]![state]!;
}

/** Segment kind of a flags byte (`get_conntrack_index`): RST, then SYN or SYN/ACK, FIN, ACK, NONE. */
export function tcpSegmentIndex(flags: number): number {
  if (flags & 0x04) return TCP_INDEX.RST;
  if (flags & 0x02) return flags & 0x10 ? TCP_INDEX.SYNACK : TCP_INDEX.SYN;
  if (flags & 0x01) return TCP_INDEX.FIN;
  if (flags & 0x10) return TCP_INDEX.ACK;
  return TCP_INDEX.NONE;
}

// FIN SYN RST PSH ACK URG bits, as tcp_valid_flags indexes them (PSH, ECE, CWR masked out).
const F = { FIN: 0x01, SYN: 0x02, RST: 0x04, ACK: 0x10, URG: 0x20 } as const;
const VALID_FLAGS: ReadonlySet<number> = new Set([
  F.SYN, F.SYN | F.URG, F.SYN | F.ACK, F.RST, F.RST | F.ACK, F.FIN | F.ACK, F.FIN | F.ACK | F.URG, F.ACK, F.ACK | F.URG,
]);

/** Whether the flag combination is one `tcp_error` accepts (PSH, ECE and CWR are always allowed). */
export function tcpFlagsValid(flags: number): boolean {
  return VALID_FLAGS.has(flags & ~(0x08 | 0x40 | 0x80) & 0xff);
}

/** States in which the entry may be dropped early under pressure (`tcp_can_early_drop`). */
export function tcpCanEarlyDrop(state: number): boolean {
  return state >= TCP_STATE.FIN_WAIT && state <= TCP_STATE.CLOSE;
}

/** Whether the connection is ESTABLISHED and ASSURED (`nf_conntrack_tcp_established`). */
function established(e: ConntrackEntry, st: TcpWork): boolean {
  return st.state === TCP_STATE.ESTABLISHED && (e.status & IPS.ASSURED) !== 0;
}

/** Timeout in seconds for a state number. */
function stateTimeout(t: TcpTimeouts, state: number): number {
  const name = TCP_STATE_NAMES[state];
  // Slot 0 (NONE) holds the SYN_SENT value in the kernel; the table never yields NONE anyway.
  return name === undefined || name === 'NONE' ? t.SYN_SENT : t[name];
}

// --- 32-bit sequence arithmetic -------------------------------------------------------------

const u32 = (x: number): number => x >>> 0;
/** `before(a, b)`: a comes before b in sequence space. */
const before = (a: number, b: number): boolean => ((a - b) | 0) < 0;
/** `after(a, b)`. */
const after = (a: number, b: number): boolean => before(b, a);

function freshPeer(): TcpPeer {
  return { end: 0, maxend: 0, maxwin: 0, maxack: 0, scale: 0, flags: 0 };
}

/** A zeroed TCP state (`memset(&ct->proto.tcp, 0, …)`). */
export function newTcpState(): TcpState {
  return {
    kind: 'tcp', state: TCP_STATE.NONE,
    end0: 0, maxend0: 0, maxwin0: 0, maxack0: 0, scale0: 0, flags0: 0,
    end1: 0, maxend1: 0, maxwin1: 0, maxack1: 0, scale1: 0, flags1: 0,
    lastDir: 0, lastIndex: TCP_INDEX.SYN, lastSeq: 0, lastAck: 0, lastEnd: 0, lastWin: 0, lastWscale: 0, lastFlags: 0, retrans: 0,
  };
}

/**
 * The one working state (the tracker handles one segment at a time and never re-enters itself):
 * `load` fills it from an entry's state, `store` writes it back.
 */
const WORK: TcpWork = {
  state: 0, seen: [freshPeer(), freshPeer()], lastDir: 0, lastIndex: 0, lastSeq: 0, lastAck: 0, lastEnd: 0, lastWin: 0, lastWscale: 0, lastFlags: 0, retrans: 0,
};

function load(s: TcpState): TcpWork {
  const w = WORK, a = w.seen[0], b = w.seen[1];
  w.state = s.state;
  a.end = s.end0 >>> 0; a.maxend = s.maxend0 >>> 0; a.maxwin = s.maxwin0 >>> 0; a.maxack = s.maxack0 >>> 0; a.scale = s.scale0; a.flags = s.flags0;
  b.end = s.end1 >>> 0; b.maxend = s.maxend1 >>> 0; b.maxwin = s.maxwin1 >>> 0; b.maxack = s.maxack1 >>> 0; b.scale = s.scale1; b.flags = s.flags1;
  w.lastDir = s.lastDir; w.lastIndex = s.lastIndex; w.lastSeq = s.lastSeq >>> 0; w.lastAck = s.lastAck >>> 0; w.lastEnd = s.lastEnd >>> 0;
  w.lastWin = s.lastWin; w.lastWscale = s.lastWscale; w.lastFlags = s.lastFlags; w.retrans = s.retrans;
  return w;
}

function store(w: TcpWork, s: TcpState): void {
  const a = w.seen[0], b = w.seen[1];
  s.state = w.state;
  s.end0 = a.end | 0; s.maxend0 = a.maxend | 0; s.maxwin0 = a.maxwin | 0; s.maxack0 = a.maxack | 0; s.scale0 = a.scale; s.flags0 = a.flags;
  s.end1 = b.end | 0; s.maxend1 = b.maxend | 0; s.maxwin1 = b.maxwin | 0; s.maxack1 = b.maxack | 0; s.scale1 = b.scale; s.flags1 = b.flags;
  s.lastDir = w.lastDir; s.lastIndex = w.lastIndex; s.lastSeq = w.lastSeq | 0; s.lastAck = w.lastAck | 0; s.lastEnd = w.lastEnd | 0;
  s.lastWin = w.lastWin; s.lastWscale = w.lastWscale; s.lastFlags = w.lastFlags; s.retrans = w.retrans;
}

/** `seq + payload length + SYN + FIN` (`segment_seq_plus_len`). */
function segmentEnd(th: TcpHeader, l4Length: number): number {
  return u32(th.seq + (l4Length - th.headerLength) + (th.flags & F.SYN ? 1 : 0) + (th.flags & F.FIN ? 1 : 0));
}

/** Reads window scale and SACK-permitted from the options into `peer` (`tcp_options`). */
function readOptions(options: Uint8Array, peer: TcpPeer): void {
  if (options.length === 0) return;
  peer.scale = 0;
  peer.flags &= TCP_CT_FLAG.BE_LIBERAL;
  let i = 0;
  while (i < options.length) {
    const kind = options[i]!;
    if (kind === 0) return;
    if (kind === 1) { i++; continue; }
    if (options.length - i < 2) return;
    const size = options[i + 1]!;
    if (size < 2 || size > options.length - i) return;
    if (kind === 4 && size === 2) peer.flags |= TCP_CT_FLAG.SACK_PERM;
    else if (kind === 3 && size === 3) {
      peer.scale = Math.min(options[i + 2]!, 14);
      peer.flags |= TCP_CT_FLAG.WINDOW_SCALE;
    }
    i += size;
  }
}

/** Highest right edge of the SACK blocks, or `sack` unchanged (`tcp_sack`). */
function highestSack(options: Uint8Array, sack: number): number {
  const len = options.length;
  if (len === 0) return sack;
  // Fast path of the kernel: a lone, aligned timestamp option.
  if (len === 12 && options[0] === 1 && options[1] === 1 && options[2] === 8 && options[3] === 10) return sack;
  let i = 0;
  while (i < len) {
    const kind = options[i]!;
    if (kind === 0) return sack;
    if (kind === 1) { i++; continue; }
    if (len - i < 2) return sack;
    const size = options[i + 1]!;
    if (size < 2 || size > len - i) return sack;
    if (kind === 5 && size >= 10 && (size - 2) % 8 === 0) {
      for (let b = i + 2; b < i + size; b += 8) {
        const right = u32((options[b + 4]! << 24) | (options[b + 5]! << 16) | (options[b + 6]! << 8) | options[b + 7]!);
        if (after(right, sack)) sack = right;
      }
      return sack;
    }
    i += size;
  }
  return sack;
}

/** First SYN or SYN/ACK of a side: take its sequence, window and options (`tcp_init_sender`). */
function initSender(sender: TcpPeer, receiver: TcpPeer, th: TcpHeader, end: number, win: number, dir: Dir): void {
  sender.end = sender.maxend = end;
  sender.maxwin = win === 0 ? 1 : win;
  readOptions(th.options, sender);
  // Window scaling counts only when both sides offered it.
  if (dir === 1 && !(sender.flags & TCP_CT_FLAG.WINDOW_SCALE && receiver.flags & TCP_CT_FLAG.WINDOW_SCALE)) {
    sender.scale = 0;
    receiver.scale = 0;
  }
}

type WindowResult = 'accept' | 'ignore' | 'invalid';

/** A window failure: accepted anyway when liberal (per side after a pickup, or the sysctl). */
function windowFailure(sender: TcpPeer, ctx: TrackerContext, result: 'ignore' | 'invalid'): WindowResult {
  return sender.flags & TCP_CT_FLAG.BE_LIBERAL || ctx.settings.tcpBeLiberal ? 'accept' : result;
}

/** `tcp_in_window`: checks the segment against both sides' windows and updates them. */
function inWindow(st: TcpWork, dir: Dir, index: number, th: TcpHeader, l4Length: number, ctx: TrackerContext): WindowResult {
  const sender = st.seen[dir];
  const receiver = st.seen[dir === 0 ? 1 : 0];
  const hasAck = (th.flags & F.ACK) !== 0;
  const syn = (th.flags & F.SYN) !== 0;
  let seq = th.seq >>> 0;
  let ack = th.ack >>> 0;
  let sack = ack;
  const winRaw = th.window;
  let win = winRaw;
  let end = segmentEnd(th, l4Length);

  if (receiver.flags & TCP_CT_FLAG.SACK_PERM) sack = highestSack(th.options, sack);

  if (sender.maxwin === 0) {
    if (syn) {
      initSender(sender, receiver, th, end, win, dir);
      if (!hasAck) return 'accept'; // simultaneous open
    } else {
      // Mid-connection pickup of this side: trust the packet.
      sender.end = end;
      const swin = win << sender.scale;
      sender.maxwin = swin === 0 ? 1 : swin;
      sender.maxend = u32(end + sender.maxwin);
      if (receiver.maxwin === 0) receiver.end = receiver.maxend = sack;
      else if (sack === u32(receiver.end + 1)) receiver.end = u32(receiver.end + 1); // keepalive reply
    }
  } else if (syn && after(end, sender.end) && (st.state === TCP_STATE.SYN_SENT || st.state === TCP_STATE.SYN_RECV)) {
    // A reinitialised SYN (or SYN/ACK) with a higher sequence number.
    initSender(sender, receiver, th, end, win, dir);
    if (dir === 1 && !hasAck) return 'accept';
  }

  if (!hasAck) ack = sack = receiver.end;
  else if ((th.flags & (F.ACK | F.RST)) === (F.ACK | F.RST) && ack === 0) ack = sack = receiver.end; // broken stacks

  if (th.flags & F.RST && seq === 0 && st.state === TCP_STATE.SYN_SENT) seq = end = sender.end; // RST answering a SYN

  const maxAckWindow = sender.maxwin > 66000 ? sender.maxwin : 66000;
  if (!before(seq, u32(sender.maxend + 1))) {
    const overshot = u32(end - sender.maxend + 1);
    const ackOk = after(sack, u32(receiver.end - maxAckWindow - 1));
    const inRecv = receiver.maxwin !== 0 && after(end, u32(sender.end - receiver.maxwin - 1));
    if (inRecv && ackOk && overshot <= receiver.maxwin && before(sack, u32(receiver.end + 1))) {
      // More bytes than the window allows: remember them so the peer's ack stays valid.
      sender.end = end;
      sender.flags |= TCP_CT_FLAG.DATA_UNACKNOWLEDGED;
      return windowFailure(sender, ctx, 'ignore');
    }
    return windowFailure(sender, ctx, 'invalid'); // SEQ over upper bound
  }
  if (!before(sack, u32(receiver.end + 1))) return windowFailure(sender, ctx, 'invalid'); // ACK over upper bound
  const inRecvWin = receiver.maxwin === 0 || after(end, u32(sender.end - receiver.maxwin - 1));
  if (!inRecvWin) return windowFailure(sender, ctx, 'ignore'); // already-acked data retransmitted
  if (!after(sack, u32(receiver.end - maxAckWindow - 1))) return windowFailure(sender, ctx, 'ignore'); // ack under lower bound

  if (!syn) win = win << sender.scale;

  const swin = u32(win + u32(sack - ack));
  if (sender.maxwin < swin) sender.maxwin = swin;
  if (after(end, sender.end)) {
    sender.end = end;
    sender.flags |= TCP_CT_FLAG.DATA_UNACKNOWLEDGED;
  }
  if (hasAck) {
    if (!(sender.flags & TCP_CT_FLAG.MAXACK_SET)) {
      sender.maxack = ack;
      sender.flags |= TCP_CT_FLAG.MAXACK_SET;
    } else if (after(ack, sender.maxack)) sender.maxack = ack;
  }

  if (receiver.maxwin !== 0 && after(end, sender.maxend)) receiver.maxwin = u32(receiver.maxwin + u32(end - sender.maxend));
  if (after(u32(sack + win), u32(receiver.maxend - 1))) {
    receiver.maxend = u32(sack + win);
    if (win === 0) receiver.maxend = u32(receiver.maxend + 1);
  }
  if (ack === receiver.end) receiver.flags &= ~TCP_CT_FLAG.DATA_UNACKNOWLEDGED;

  if (index === TCP_INDEX.ACK) {
    if (st.lastDir === dir && st.lastSeq === seq && st.lastAck === ack && st.lastEnd === end && st.lastWin === winRaw) {
      st.retrans++;
    } else {
      st.lastDir = dir; st.lastSeq = seq; st.lastAck = ack; st.lastEnd = end; st.lastWin = winRaw;
      st.retrans = 0;
    }
  }
  return 'accept';
}

/**
 * An out-of-window FIN or RST answering the other side's FIN/RST on an assured entry shortens a
 * long timeout to UNACK (`nf_tcp_handle_invalid`).
 */
function handleInvalid(e: ConntrackEntry, st: TcpWork, dir: Dir, index: number, ctx: TrackerContext): void {
  if (!(e.status & IPS.ASSURED) || e.status & IPS.FIXED_TIMEOUT) return;
  if (index !== TCP_INDEX.RST && index !== TCP_INDEX.FIN) return;
  if (st.lastDir !== dir && (st.lastIndex === TCP_INDEX.FIN || st.lastIndex === TCP_INDEX.RST)) {
    const remaining = e.timeout - ctx.now;
    if (remaining < 120_000) return;
    const unack = ctx.settings.tcpTimeouts.UNACK * 1000;
    if (remaining > unack) e.timeout = ctx.now + unack;
  } else {
    st.lastIndex = index;
    st.lastDir = dir;
  }
}

/**
 * Sets up the TCP state of a new entry from its first segment (`tcp_new`) and returns it as the
 * working state; null when that segment cannot start a connection (SYN/ACK, RST, FIN, no flags;
 * or any non-SYN with `nf_conntrack_tcp_loose = 0`).
 */
function tcpNew(e: ConntrackEntry, th: TcpHeader, l4Length: number, ctx: TrackerContext): TcpWork | null {
  const first = tcpNextState(0, tcpSegmentIndex(th.flags), TCP_STATE.NONE);
  if (first >= TCP_INVALID) return null;
  const fresh = newTcpState();
  const st = load(fresh);
  const o = st.seen[0];
  o.end = segmentEnd(th, l4Length);
  o.maxwin = th.window === 0 ? 1 : th.window;
  if (first === TCP_STATE.SYN_SENT) {
    o.maxend = o.end;
    readOptions(th.options, o);
  } else {
    if (!ctx.settings.tcpLoose) return null;
    // Picked up mid-stream: history is lost, so assume SACK and check windows liberally.
    o.maxend = u32(o.end + o.maxwin);
    st.seen[0].flags = st.seen[1].flags = TCP_CT_FLAG.SACK_PERM | TCP_CT_FLAG.BE_LIBERAL;
  }
  st.lastIndex = TCP_INDEX.NONE;
  // The segment is tracked on from this working state; `tcpPacket` stores it into `fresh`.
  e.proto = fresh;
  return st;
}

/** Validity checks before tracking (`tcp_error`); a reason when the segment is refused. */
function tcpError(pkt: CtPacket, th: TcpHeader, ctx: TrackerContext): string | null {
  if (th.headerLength < 20 || pkt.l4Length < th.headerLength) return 'truncated packet';
  if (ctx.settings.checksum && ctx.hook === 'PREROUTING' && pkt.badChecksum) return 'bad checksum';
  if (!tcpFlagsValid(th.flags)) return 'invalid tcp flag combination';
  return null;
}

/**
 * Tracks one TCP segment on `e` in direction `dir` (`nf_conntrack_tcp_packet`). An unconfirmed
 * entry gets its TCP state here; the outcome says whether the packet belongs to the connection,
 * the timeout to refresh to, or that the entry must be killed or re-created.
 */
export function tcpPacket(e: ConntrackEntry, pkt: CtPacket, th: TcpHeader, dir: Dir, ctx: TrackerContext): TrackerOutcome {
  const err = tcpError(pkt, th, ctx);
  if (err) return { verdict: 'invalid', reason: err };
  let st: TcpWork;
  if (!isConfirmed(e)) {
    const fresh = tcpNew(e, th, pkt.l4Length, ctx);
    if (fresh === null) return { verdict: 'invalid', reason: 'invalid new' };
    st = fresh;
  } else {
    if (e.proto.kind !== 'tcp') return { verdict: 'invalid', reason: 'no tcp state' };
    st = load(e.proto);
  }
  const stored = e.proto as TcpState;
  try {
    return track(e, st, pkt, th, dir, ctx);
  } finally {
    store(st, stored);
  }
}

/** `nf_conntrack_tcp_packet` from the state machine on, on the working state. */
function track(e: ConntrackEntry, st: TcpWork, pkt: CtPacket, th: TcpHeader, dir: Dir, ctx: TrackerContext): TrackerOutcome {
  const T = ctx.settings.tcpTimeouts;
  const other: Dir = dir === 0 ? 1 : 0;

  let oldState = st.state;
  const index = tcpSegmentIndex(th.flags);
  let newState = tcpNextState(dir, index, oldState);
  let skipWindow = false;
  let ignore = false;

  if (newState === TCP_STATE.SYN_SENT && oldState >= TCP_STATE.TIME_WAIT) {
    // A SYN on a closed or aborted connection reopens it: delete and look up again.
    const closing = (st.seen[dir].flags | st.seen[other].flags) & TCP_CT_FLAG.CLOSE_INIT;
    if (closing || (st.lastDir === dir && st.lastIndex === TCP_INDEX.RST)) return { verdict: 'repeat' };
    ignore = true;
  } else if (newState === TCP_IGNORE) {
    ignore = true;
  }

  if (ignore) {
    if (index === TCP_INDEX.SYNACK && st.lastIndex === TCP_INDEX.SYN && st.lastDir !== dir && th.ack >>> 0 === st.lastEnd) {
      // This SYN/ACK answers a SYN we ignored: both ends are in sync, resynchronise from it.
      oldState = TCP_STATE.SYN_SENT;
      newState = TCP_STATE.SYN_RECV;
      const s = st.seen[st.lastDir];
      s.end = s.maxend = st.lastEnd;
      s.maxwin = st.lastWin === 0 ? 1 : st.lastWin;
      s.scale = st.lastWscale;
      st.lastFlags &= ~TCP_CT_FLAG.EXP_CHALLENGE_ACK;
      s.flags = st.lastFlags;
      const r = st.seen[dir];
      r.end = r.maxend = r.maxwin = r.maxack = r.scale = 0;
      r.flags &= TCP_CT_FLAG.BE_LIBERAL;
    } else {
      st.lastIndex = index;
      st.lastDir = dir;
      st.lastSeq = th.seq >>> 0;
      st.lastEnd = segmentEnd(th, pkt.l4Length);
      st.lastWin = th.window;
      if (index === TCP_INDEX.SYN && dir === 0) {
        // Remember the options of an ignored SYN, for the resync above.
        const seen = freshPeer();
        readOptions(th.options, seen);
        st.lastFlags = 0;
        st.lastWscale = 0;
        if (seen.flags & TCP_CT_FLAG.WINDOW_SCALE) {
          st.lastFlags |= TCP_CT_FLAG.WINDOW_SCALE;
          st.lastWscale = seen.scale;
        }
        if (seen.flags & TCP_CT_FLAG.SACK_PERM) st.lastFlags |= TCP_CT_FLAG.SACK_PERM;
        if (oldState === TCP_STATE.LAST_ACK) st.lastFlags |= TCP_CT_FLAG.EXP_CHALLENGE_ACK;
      }
      if (oldState === TCP_STATE.SYN_SENT && index === TCP_INDEX.ACK && dir === 1) st.lastAck = th.ack >>> 0;
      return { verdict: 'accept', refresh: null };
    }
  } else if (newState === TCP_INVALID) {
    return { verdict: 'invalid', reason: `packet (index ${index}) in dir ${dir} invalid, state ${TCP_STATE_NAMES[oldState]}` };
  } else if (newState === TCP_STATE.TIME_WAIT) {
    if (oldState === TCP_STATE.LAST_ACK && index === TCP_INDEX.ACK && st.lastDir !== dir
      && st.lastIndex === TCP_INDEX.SYN && st.lastFlags & TCP_CT_FLAG.EXP_CHALLENGE_ACK) {
      // An RFC 5961 challenge ACK, not the ACK of the last FIN.
      st.lastFlags &= ~TCP_CT_FLAG.EXP_CHALLENGE_ACK;
      return { verdict: 'accept', refresh: null };
    }
  } else if (newState === TCP_STATE.SYN_SENT2) {
    st.lastFlags |= TCP_CT_FLAG.SIMULTANEOUS_OPEN;
  } else if (newState === TCP_STATE.SYN_RECV) {
    if (dir === 1 && index === TCP_INDEX.ACK && st.lastFlags & TCP_CT_FLAG.SIMULTANEOUS_OPEN) newState = TCP_STATE.ESTABLISHED;
  } else if (newState === TCP_STATE.CLOSE && index === TCP_INDEX.RST) {
    const rst = checkRst(e, st, dir, th, oldState, ctx);
    if (rst === 'invalid') return { verdict: 'invalid', reason: 'invalid rst' };
    if (rst === 'keep') newState = oldState;
    if (rst === 'skip-window') skipWindow = true;
    if (rst === 'keep-skip') { newState = oldState; skipWindow = true; }
  }

  if (!skipWindow) {
    const res = inWindow(st, dir, index, th, pkt.l4Length, ctx);
    if (res === 'ignore') return { verdict: 'accept', refresh: null };
    if (res === 'invalid') {
      handleInvalid(e, st, dir, index, ctx);
      return { verdict: 'invalid', reason: 'out of window' };
    }
  }

  // In-window from here on.
  st.lastIndex = index;
  st.lastDir = dir;
  st.state = newState;
  if (oldState !== newState && newState === TCP_STATE.FIN_WAIT) st.seen[dir].flags |= TCP_CT_FLAG.CLOSE_INIT;

  let timeout: number;
  const forState = stateTimeout(T, newState);
  if (st.retrans >= ctx.settings.tcpMaxRetrans && forState > T.RETRANS) timeout = T.RETRANS;
  else if (index === TCP_INDEX.RST) timeout = T.CLOSE;
  else if ((st.seen[0].flags | st.seen[1].flags) & TCP_CT_FLAG.DATA_UNACKNOWLEDGED && forState > T.UNACK) timeout = T.UNACK;
  else if (st.lastWin === 0 && forState > T.RETRANS) timeout = T.RETRANS;
  else timeout = forState;

  if (!(e.status & IPS.SEEN_REPLY)) {
    // A RST as the only answer: no connection, delete the entry at once.
    if (th.flags & F.RST) return { verdict: 'accept', refresh: null, kill: true };
    // A retransmitted SYN does not extend the entry's life.
    if (index === TCP_INDEX.SYN && oldState === TCP_STATE.SYN_SENT) return { verdict: 'accept', refresh: null };
    // A mid-stream pickup stays short-lived until the other side answers.
    if (newState === TCP_STATE.ESTABLISHED && timeout > T.UNACK) timeout = T.UNACK;
  } else if (!(e.status & IPS.ASSURED) && (oldState === TCP_STATE.SYN_RECV || oldState === TCP_STATE.ESTABLISHED)
    && newState === TCP_STATE.ESTABLISHED) {
    e.status |= IPS.ASSURED;
  }
  return { verdict: 'accept', refresh: timeout * 1000 };
}

/**
 * The RST checks of the CLOSE transition: 'invalid' for a RST below the peer's highest ack,
 * 'keep' to stay in the current state (sequence not exact: allow a challenge ACK), 'skip-window'
 * (or 'keep-skip') when the RST answers a segment we let through, 'normal' otherwise.
 */
function checkRst(e: ConntrackEntry, st: TcpWork, dir: Dir, th: TcpHeader, oldState: number, ctx: TrackerContext): 'invalid' | 'keep' | 'skip-window' | 'keep-skip' | 'normal' {
  if (tcpCanEarlyDrop(st.state)) return 'skip-window';
  const peer = st.seen[dir === 0 ? 1 : 0];
  let keep = false;
  if (peer.flags & TCP_CT_FLAG.MAXACK_SET && st.lastIndex !== TCP_INDEX.SYN) {
    const seq = th.seq >>> 0;
    const est = established(e, st);
    if (seq === 0 && !est) return 'normal';
    if (before(seq, peer.maxack) && !ctx.settings.tcpIgnoreInvalidRst) return 'invalid';
    if (!est || seq === peer.maxack) return 'normal';
    if (st.lastIndex === TCP_INDEX.ACK && st.lastDir === dir && seq === st.lastEnd) return 'normal';
    keep = true;
  }
  const ack = th.ack >>> 0;
  if ((((e.status & IPS.SEEN_REPLY) && st.lastIndex === TCP_INDEX.SYN)
    || (!(e.status & IPS.ASSURED) && st.lastIndex === TCP_INDEX.ACK)) && ack === st.lastEnd) {
    return keep ? 'keep-skip' : 'skip-window';
  }
  if (oldState === TCP_STATE.SYN_SENT && st.lastIndex === TCP_INDEX.ACK && st.lastDir === 1 && th.seq >>> 0 === st.lastAck) {
    return keep ? 'keep-skip' : 'skip-window';
  }
  return keep ? 'keep' : 'normal';
}
