/** Conntrack TCP tracker: transitions, ASSURED, timeouts, loose pickup, reopen, window checks. */
import { describe, expect, it } from 'vitest';
import { ConntrackTable, type CtResult } from '../engine/conntrack/table.js';
import { CTINFO, IPS, counterOf, remainingSeconds, type ConntrackEntry, type CtPacket } from '../engine/conntrack/entry.js';
import { TCP_INDEX, TCP_INVALID, TCP_IGNORE, TCP_STATE, tcpFlagsValid, tcpNextState, tcpSegmentIndex, type TcpState } from '../engine/conntrack/tcp.js';
import { formatConntrackLine } from '../engine/conntrack/format.js';
import { flags, tcp } from '../engine/conntrack/build.js';

type Tracked = Extract<CtResult, { kind: 'tracked' }>;

/** Runs a packet through the conntrack hook and, for original-direction packets, confirm. */
function pass(t: ConntrackTable, p: CtPacket, now: number): CtResult {
  const r = t.in(p, now);
  if (r.kind === 'tracked') {
    const c = t.confirm(r.entry, r.ctinfo, now);
    if (c.kind === 'drop') throw new Error(c.reason);
  }
  return r;
}

function tracked(r: CtResult): Tracked {
  if (r.kind !== 'tracked') throw new Error(`expected tracked, got ${JSON.stringify(r)}`);
  return r;
}

const state = (e: ConntrackEntry): number => (e.proto as TcpState).state;

const C = '10.99.0.1:36950';
const S = '10.99.0.2:8080';

/** Client ISN 1000, server ISN 5000: the three-way handshake at t = 0, 1, 2 ms. */
function handshake(t: ConntrackTable): ConntrackEntry {
  const syn = tracked(pass(t, tcp(C, S, 'S', 1000, 0, { options: [2, 4, 5, 0xb4, 4, 2, 1, 3, 3, 7] }), 0));
  tracked(pass(t, tcp(S, C, 'SA', 5000, 1001, { options: [2, 4, 5, 0xb4, 4, 2, 1, 3, 3, 7] }), 1));
  tracked(pass(t, tcp(C, S, 'A', 1001, 5001), 2));
  return syn.entry;
}

describe('TCP transition table (tcp_conntracks)', () => {
  it('indexes segments as get_conntrack_index', () => {
    expect(tcpSegmentIndex(flags('S'))).toBe(TCP_INDEX.SYN);
    expect(tcpSegmentIndex(flags('SA'))).toBe(TCP_INDEX.SYNACK);
    expect(tcpSegmentIndex(flags('FA'))).toBe(TCP_INDEX.FIN);
    expect(tcpSegmentIndex(flags('PA'))).toBe(TCP_INDEX.ACK);
    expect(tcpSegmentIndex(flags('RA'))).toBe(TCP_INDEX.RST);
    expect(tcpSegmentIndex(flags('SR'))).toBe(TCP_INDEX.RST);
    expect(tcpSegmentIndex(0)).toBe(TCP_INDEX.NONE);
  });
  it('has the kernel transitions', () => {
    const { NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2 } = TCP_STATE;
    expect(tcpNextState(0, TCP_INDEX.SYN, NONE)).toBe(SYN_SENT);
    expect(tcpNextState(1, TCP_INDEX.SYNACK, SYN_SENT)).toBe(SYN_RECV);
    expect(tcpNextState(0, TCP_INDEX.ACK, SYN_RECV)).toBe(ESTABLISHED);
    expect(tcpNextState(0, TCP_INDEX.FIN, ESTABLISHED)).toBe(FIN_WAIT);
    expect(tcpNextState(1, TCP_INDEX.ACK, FIN_WAIT)).toBe(CLOSE_WAIT);
    expect(tcpNextState(1, TCP_INDEX.FIN, CLOSE_WAIT)).toBe(LAST_ACK);
    expect(tcpNextState(0, TCP_INDEX.ACK, LAST_ACK)).toBe(TIME_WAIT);
    expect(tcpNextState(1, TCP_INDEX.SYN, SYN_SENT)).toBe(SYN_SENT2);
    expect(tcpNextState(0, TCP_INDEX.SYN, TIME_WAIT)).toBe(SYN_SENT);
    expect(tcpNextState(1, TCP_INDEX.SYN, TIME_WAIT)).toBe(SYN_SENT);
    expect(tcpNextState(0, TCP_INDEX.ACK, NONE)).toBe(ESTABLISHED);
    expect(tcpNextState(0, TCP_INDEX.SYNACK, NONE)).toBe(TCP_INVALID);
    expect(tcpNextState(0, TCP_INDEX.SYN, ESTABLISHED)).toBe(TCP_IGNORE);
    expect(tcpNextState(1, TCP_INDEX.ACK, SYN_SENT)).toBe(TCP_IGNORE);
    for (let s = 1; s <= 9; s++) expect(tcpNextState(0, TCP_INDEX.RST, s)).toBe(CLOSE);
    for (let s = 0; s <= 9; s++) expect(tcpNextState(1, TCP_INDEX.NONE, s)).toBe(TCP_INVALID);
  });
  it('accepts only the flag combinations of tcp_valid_flags', () => {
    for (const ok of ['S', 'SA', 'R', 'RA', 'FA', 'A', 'PA', 'FPA', 'SU', 'AU', 'FAU']) expect(tcpFlagsValid(flags(ok)), ok).toBe(true);
    for (const bad of ['', 'F', 'SF', 'SR', 'SFA', 'SAU', 'U', 'FR']) expect(tcpFlagsValid(flags(bad)), bad).toBe(false);
  });
});

describe('TCP connection life', () => {
  it('handshake: NEW SYN_SENT → SYN_RECV → ESTABLISHED with ASSURED and the 5-day timeout', () => {
    const t = new ConntrackTable();
    const r1 = tracked(t.in(tcp(C, S, 'S', 1000, 0), 0));
    expect(r1.ctinfo).toBe(CTINFO.NEW);
    expect(state(r1.entry)).toBe(TCP_STATE.SYN_SENT);
    expect(r1.entry.status & IPS.CONFIRMED).toBe(0);
    expect(r1.entry.timeout).toBe(120_000); // relative until confirmed
    expect(t.count).toBe(0);
    expect(t.confirm(r1.entry, r1.ctinfo, 10).kind).toBe('accept');
    expect(t.count).toBe(1);
    expect(r1.entry.timeout).toBe(120_010);

    const r2 = tracked(pass(t, tcp(S, C, 'SA', 5000, 1001), 20));
    expect(r2.entry).toBe(r1.entry);
    expect(r2.ctinfo).toBe(CTINFO.ESTABLISHED_REPLY);
    expect(state(r2.entry)).toBe(TCP_STATE.SYN_RECV);
    expect(remainingSeconds(r2.entry, 20)).toBe(60);
    expect(r2.entry.status & IPS.SEEN_REPLY).toBeTruthy();
    expect(r2.entry.status & IPS.ASSURED).toBe(0);

    const r3 = tracked(pass(t, tcp(C, S, 'A', 1001, 5001), 30));
    expect(r3.ctinfo).toBe(CTINFO.ESTABLISHED);
    expect(state(r3.entry)).toBe(TCP_STATE.ESTABLISHED);
    expect(r3.entry.status & IPS.ASSURED).toBeTruthy();
    expect(remainingSeconds(r3.entry, 30)).toBe(432000);
    expect(formatConntrackLine(r3.entry, 31)).toBe(
      'tcp      6 431999 ESTABLISHED src=10.99.0.1 dst=10.99.0.2 sport=36950 dport=8080 src=10.99.0.2 dst=10.99.0.1 sport=8080 dport=36950 [ASSURED] mark=0 use=1');
  });

  it('unacknowledged data caps the timeout at UNACK (300 s) until it is acked', () => {
    const t = new ConntrackTable();
    const e = handshake(t);
    pass(t, tcp(C, S, 'PA', 1001, 5001, { payload: 100 }), 10);
    expect(remainingSeconds(e, 10)).toBe(300);
    pass(t, tcp(S, C, 'A', 5001, 1101), 20);
    expect(remainingSeconds(e, 20)).toBe(432000);
  });

  it('close: FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT with their timeouts; §5.6 line', () => {
    const t = new ConntrackTable();
    const e = handshake(t);
    pass(t, tcp(C, S, 'FA', 1001, 5001), 100);
    expect([state(e), remainingSeconds(e, 100)]).toEqual([TCP_STATE.FIN_WAIT, 120]);
    pass(t, tcp(S, C, 'A', 5001, 1002), 110);
    expect([state(e), remainingSeconds(e, 110)]).toEqual([TCP_STATE.CLOSE_WAIT, 60]);
    pass(t, tcp(S, C, 'FA', 5001, 1002), 120);
    expect([state(e), remainingSeconds(e, 120)]).toEqual([TCP_STATE.LAST_ACK, 30]);
    pass(t, tcp(C, S, 'A', 1002, 5002), 130);
    expect([state(e), remainingSeconds(e, 130)]).toEqual([TCP_STATE.TIME_WAIT, 120]);
    expect(formatConntrackLine(e, 131)).toBe(
      'tcp      6 119 TIME_WAIT src=10.99.0.1 dst=10.99.0.2 sport=36950 dport=8080 src=10.99.0.2 dst=10.99.0.1 sport=8080 dport=36950 [ASSURED] mark=0 use=1');
    // TIME_WAIT runs out on the virtual clock.
    expect(t.list(130 + 119_999)).toHaveLength(1);
    expect(t.list(130 + 120_000)).toHaveLength(0);
  });

  it('a RST closes with the CLOSE timeout (10 s)', () => {
    const t = new ConntrackTable();
    const e = handshake(t);
    pass(t, tcp(S, C, 'RA', 5001, 1001), 50);
    expect([state(e), remainingSeconds(e, 50)]).toEqual([TCP_STATE.CLOSE, 10]);
  });

  it('a RST as the only answer to a SYN deletes the entry', () => {
    const t = new ConntrackTable();
    const r = tracked(pass(t, tcp(C, S, 'S', 1000, 0), 0));
    const rst = tracked(pass(t, tcp(S, C, 'RA', 0, 1001), 5));
    expect(rst.ctinfo).toBe(CTINFO.ESTABLISHED_REPLY);
    expect(rst.entry).toBe(r.entry);
    expect(r.entry.status & IPS.DYING).toBeTruthy();
    expect(t.count).toBe(0);
  });

  it('a retransmitted SYN stays NEW and does not refresh the timeout', () => {
    const t = new ConntrackTable();
    const r = tracked(pass(t, tcp(C, S, 'S', 1000, 0), 0));
    const again = tracked(pass(t, tcp(C, S, 'S', 1000, 0), 3000));
    expect(again.entry).toBe(r.entry);
    expect(again.ctinfo).toBe(CTINFO.NEW);
    expect(remainingSeconds(r.entry, 3000)).toBe(117);
    expect(r.entry.origPackets).toBe(1); // no refresh, no accounting
  });

  it('a SYN/ACK, FIN, RST or flagless segment without an entry is INVALID and leaves nothing', () => {
    const t = new ConntrackTable();
    for (const f of ['SA', 'FA', 'RA', 'R', '']) {
      const r = t.in(tcp(S, C, f, 5000, 1001), 0);
      expect(r.kind, f).toBe('invalid');
    }
    expect(t.count).toBe(0);
  });

  it('a loose ACK pickup is NEW, ESTABLISHED, capped at 300 s; ASSURED after the answer', () => {
    const t = new ConntrackTable();
    const r = tracked(pass(t, tcp(C, S, 'A', 777777, 888888), 0));
    expect(r.ctinfo).toBe(CTINFO.NEW);
    expect(state(r.entry)).toBe(TCP_STATE.ESTABLISHED);
    expect(remainingSeconds(r.entry, 0)).toBe(300);
    expect(r.entry.status & IPS.ASSURED).toBe(0);
    expect(formatConntrackLine(r.entry, 0)).toContain('300 ESTABLISHED src=10.99.0.1');
    expect(formatConntrackLine(r.entry, 0)).toContain('[UNREPLIED]');
    // The answer is ESTABLISHED_REPLY but, as SEEN_REPLY is set after it, still capped.
    const a = tracked(pass(t, tcp(S, C, 'A', 888888, 777777), 10));
    expect(a.ctinfo).toBe(CTINFO.ESTABLISHED_REPLY);
    expect(remainingSeconds(a.entry, 10)).toBe(300);
    const b = tracked(pass(t, tcp(C, S, 'A', 777777, 888888), 20));
    expect(b.ctinfo).toBe(CTINFO.ESTABLISHED);
    expect(b.entry.status & IPS.ASSURED).toBeTruthy();
    expect(remainingSeconds(b.entry, 20)).toBe(432000);
  });

  it('with nf_conntrack_tcp_loose = 0 a lone ACK is INVALID', () => {
    const t = new ConntrackTable({ tcpLoose: false });
    expect(t.in(tcp(C, S, 'A', 1, 1), 0).kind).toBe('invalid');
  });

  it('a SYN on a TIME_WAIT entry deletes it and starts a new connection', () => {
    const t = new ConntrackTable();
    const old = handshake(t);
    pass(t, tcp(C, S, 'FA', 1001, 5001), 10);
    pass(t, tcp(S, C, 'FA', 5001, 1002), 11);
    pass(t, tcp(C, S, 'A', 1002, 5002), 12);
    expect(state(old)).toBe(TCP_STATE.TIME_WAIT);
    const r = tracked(t.in(tcp(C, S, 'S', 90000, 0), 1000));
    expect(r.entry).not.toBe(old);
    expect(old.status & IPS.DYING).toBeTruthy();
    expect(r.ctinfo).toBe(CTINFO.NEW);
    expect(state(r.entry)).toBe(TCP_STATE.SYN_SENT);
    expect(t.confirm(r.entry, r.ctinfo, 1000).kind).toBe('accept');
    expect(t.list(1000)).toEqual([r.entry]);
  });

  it('a SYN on an ESTABLISHED entry is ignored: accepted, state unchanged, no refresh', () => {
    const t = new ConntrackTable();
    const e = handshake(t);
    const r = tracked(pass(t, tcp(C, S, 'S', 424242, 0), 1000));
    expect(r.ctinfo).toBe(CTINFO.ESTABLISHED);
    expect(state(e)).toBe(TCP_STATE.ESTABLISHED);
    expect(remainingSeconds(e, 1000)).toBe(431999);
  });

  it('an ACK of data never sent is INVALID (window tracking)', () => {
    const t = new ConntrackTable();
    handshake(t);
    expect(t.in(tcp(S, C, 'A', 5001, 999999), 10).kind).toBe('invalid');
    // …while an in-window one is fine.
    expect(t.in(tcp(S, C, 'A', 5001, 1001), 11).kind).toBe('tracked');
  });

  it('a segment far beyond the receiver window is INVALID', () => {
    const t = new ConntrackTable();
    handshake(t);
    expect(t.in(tcp(C, S, 'PA', 1001 + 50_000_000, 5001, { payload: 10 }), 10).kind).toBe('invalid');
  });

  it('sequence numbers across 2^31 and 2^32 (stored as signed 32-bit): data, retransmission, close, and the window checks', () => {
    for (const [c0, s0] of [[0xfffffff0, 0x7ffffff8], [0x7fffffc0, 0xffffffff], [0x80000000, 0]]) {
      const t = new ConntrackTable();
      const c = c0!, v = s0!;
      const u = (x: number): number => x >>> 0;
      const e = tracked(pass(t, tcp(C, S, 'S', c, 0), 0)).entry;
      tracked(pass(t, tcp(S, C, 'SA', v, u(c + 1)), 1));
      tracked(pass(t, tcp(C, S, 'A', u(c + 1), u(v + 1)), 2));
      expect([state(e), !!(e.status & IPS.ASSURED)]).toEqual([TCP_STATE.ESTABLISHED, true]);
      // 100 bytes from the client wrap its sequence space; the server acks them.
      expect(pass(t, tcp(C, S, 'PA', u(c + 1), u(v + 1), { payload: 100 }), 3).kind).toBe('tracked');
      expect(remainingSeconds(e, 3)).toBe(300);
      expect(pass(t, tcp(S, C, 'A', u(v + 1), u(c + 101)), 4).kind).toBe('tracked');
      expect(remainingSeconds(e, 4)).toBe(432000);
      // An ack of data never sent, and a segment far beyond the window, are refused.
      expect(t.in(tcp(S, C, 'A', u(v + 1), u(c + 1_000_000)), 5).kind).toBe('invalid');
      expect(t.in(tcp(C, S, 'PA', u(c + 101 + 50_000_000), u(v + 1), { payload: 10 }), 6).kind).toBe('invalid');
      // Retransmissions of the same ACK are counted until RETRANS caps the timeout (3 by default).
      for (let i = 0; i < 4; i++) pass(t, tcp(S, C, 'A', u(v + 1), u(c + 101)), 7 + i);
      expect(remainingSeconds(e, 10)).toBe(300);
      pass(t, tcp(C, S, 'FA', u(c + 101), u(v + 1)), 20);
      pass(t, tcp(S, C, 'FA', u(v + 1), u(c + 102)), 21);
      pass(t, tcp(C, S, 'A', u(c + 102), u(v + 2)), 22);
      expect(state(e)).toBe(TCP_STATE.TIME_WAIT);
    }
  });

  it('simultaneous open goes through SYN_SENT2 and SYN_RECV to ESTABLISHED', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, tcp(C, S, 'S', 1000, 0), 0)).entry;
    pass(t, tcp(S, C, 'S', 5000, 0), 1);
    expect(state(e)).toBe(TCP_STATE.SYN_SENT2);
    pass(t, tcp(C, S, 'SA', 1000, 5001), 2);
    expect(state(e)).toBe(TCP_STATE.SYN_RECV);
    pass(t, tcp(S, C, 'A', 5001, 1001), 3);
    expect(state(e)).toBe(TCP_STATE.ESTABLISHED);
  });

  it('a bad checksum is INVALID at PREROUTING only', () => {
    const t = new ConntrackTable();
    expect(t.in(tcp(C, S, 'S', 1, 0, { badChecksum: true }), 0, { hook: 'PREROUTING' }).kind).toBe('invalid');
    expect(t.in(tcp(C, S, 'S', 1, 0, { badChecksum: true }), 0, { hook: 'OUTPUT' }).kind).toBe('tracked');
    expect(new ConntrackTable({ checksum: false }).in(tcp(C, S, 'S', 1, 0, { badChecksum: true }), 0).kind).toBe('tracked');
  });

  it('counts packets and bytes per direction', () => {
    const t = new ConntrackTable();
    const e = handshake(t);
    expect([counterOf(e, 0), counterOf(e, 1)]).toEqual([{ packets: 2, bytes: 90 }, { packets: 1, bytes: 50 }]);
    expect(formatConntrackLine(e, 2, { accounting: true })).toBe(
      'tcp      6 432000 ESTABLISHED src=10.99.0.1 dst=10.99.0.2 sport=36950 dport=8080 packets=2 bytes=90 src=10.99.0.2 dst=10.99.0.1 sport=8080 dport=36950 packets=1 bytes=50 [ASSURED] mark=0 use=1');
  });

  it('an unconfirmed entry is not found by a second packet; the clash at confirm drops TCP', () => {
    const t = new ConntrackTable();
    const a = tracked(t.in(tcp(C, S, 'S', 1000, 0), 0));
    const b = tracked(t.in(tcp(C, S, 'S', 1000, 0), 1));
    expect(b.entry).not.toBe(a.entry);
    expect(t.confirm(a.entry, a.ctinfo, 2).kind).toBe('accept');
    expect(t.confirm(b.entry, b.ctinfo, 3)).toEqual({ kind: 'drop', reason: 'conntrack insert clash' });
    expect(t.stats.insertFailed).toBe(1);
  });
});
