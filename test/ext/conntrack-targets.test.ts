/** CONNMARK, CT, NOTRACK and TRACE packet behaviour. */
import { describe, expect, it } from 'vitest';
import { CTINFO, type ConntrackEntry } from '../../engine/conntrack/entry.js';
import { NatsimError } from '../../engine/errors.js';
import type { Packet } from '../../engine/packet.js';
import { packet, testContext } from '../helpers/engine.js';
import { runRule } from './target-helpers.js';

function withCt(mark = 0, ctmark = 0): { p: Packet; ct: ConntrackEntry } {
  const p = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, in: 'eth0' });
  const ct = { id: 1, mark: ctmark, status: 0 } as unknown as ConntrackEntry;
  p.ct = ct; p.ctinfo = CTINFO.NEW; p.mark = mark;
  return { p, ct };
}
const mangle = () => testContext({ table: 'mangle', hook: 'PREROUTING' });
const raw = (family: 'ipv4' | 'ipv6' = 'ipv4') => testContext({ family, table: 'raw', hook: 'PREROUTING' });

describe('CONNMARK', () => {
  it('--set-xmark / --set-mark / --and / --or / --xor on the connection mark', () => {
    const cases: [string, number, number][] = [
      ['--set-mark 5', 0xff, 5], ['--set-xmark 0x1/0x3', 0xff, 0xfd], ['--and-mark 0x0f', 0xff, 0x0f],
      ['--or-mark 0x100', 0x1, 0x101], ['--xor-mark 0x3', 0x1, 0x2], ['--set-mark 0x4/0x4', 0x0, 0x4],
    ];
    for (const [opt, from, to] of cases) {
      const { p, ct } = withCt(0x77, from);
      expect(runRule(`-j CONNMARK ${opt}`, p, mangle()).verdict).toBe('ACCEPT');
      expect(ct.mark).toBe(to);
      expect(p.mark).toBe(0x77);
    }
  });

  it('--save-mark and --restore-mark with masks', () => {
    const a = withCt(0x1234, 0xff000000);
    runRule('-j CONNMARK --save-mark --mask 0xffff', a.p, mangle());
    expect(a.ct.mark).toBe(0xff001234);
    const b = withCt(0xabcd0000, 0x12345678);
    runRule('-j CONNMARK --restore-mark --nfmask 0xffff --ctmask 0xff', b.p, mangle());
    expect(b.p.mark).toBe(0xabcd0078);
    const c = withCt(0, 0xffffffff);
    runRule('-j CONNMARK --restore-mark', c.p, mangle());
    expect(c.p.mark).toBe(0xffffffff);
  });

  it('revision-2 shifts: the whole new mark for set, the copied part for save/restore', () => {
    const a = withCt(0, 0x1);
    runRule('-j CONNMARK --set-xmark 0x10/0xf0 --left-shift-mark 4', a.p, mangle());
    expect(a.ct.mark).toBe(0x110);
    const b = withCt(0xff00, 0xf);
    runRule('-j CONNMARK --save-mark --nfmask 0xff00 --ctmask 0xff --right-shift-mark 8', b.p, mangle());
    expect(b.ct.mark).toBe(0xff);
    const c = withCt(0x1, 0xab);
    runRule('-j CONNMARK --restore-mark --ctmask 0xff --nfmask 0xff00 --left-shift-mark 8', c.p, mangle());
    expect(c.p.mark).toBe(0xab01);
  });

  it('does nothing without a conntrack (INVALID or UNTRACKED)', () => {
    const p = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2 });
    p.mark = 3; p.ctinfo = CTINFO.UNTRACKED;
    expect(runRule('-j CONNMARK --restore-mark', p, mangle()).verdict).toBe('ACCEPT');
    expect(p.mark).toBe(3);
  });
});

describe('NOTRACK and CT --notrack', () => {
  it('untracks a packet without conntrack state and continues', () => {
    for (const [fam, rule] of [['ipv4', '-j NOTRACK'], ['ipv4', '-j CT --notrack'], ['ipv6', '-j CT --notrack']] as const) {
      const p = fam === 'ipv4' ? packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2 }) : packet({ src: '2001:db8::2', dst: '2001:db8::1', proto: 17, sport: 1, dport: 2 });
      const r = runRule(rule, p, raw(fam));
      expect(r.verdict).toBe('ACCEPT');
      expect(p.ctinfo).toBe(CTINFO.UNTRACKED);
      expect(p.ct).toBeNull();
    }
  });

  it('leaves a packet that already has a conntrack alone (loopback)', () => {
    const { p, ct } = withCt();
    p.ctinfo = CTINFO.ESTABLISHED;
    runRule('-j NOTRACK', p, raw());
    expect(p.ct).toBe(ct);
    expect(p.ctinfo).toBe(CTINFO.ESTABLISHED);
    runRule('-p udp -j CT --helper tftp', p, raw());
    expect(p.ct).toBe(ct);
  });

  it('--notrack with other options still just untracks; a template stops loudly naming its options', () => {
    const p = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2 });
    runRule('-p udp -j CT --notrack --zone 5', p, raw());
    expect(p.ctinfo).toBe(CTINFO.UNTRACKED);
    const q = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, sport: 1, dport: 21 });
    let err: unknown;
    try { runRule('-p tcp -j CT --helper ftp --zone 3', q, raw()); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(NatsimError);
    expect((err as NatsimError).code).toBe('NOT_IMPLEMENTED');
    expect((err as NatsimError).message).toContain('--helper');
    expect((err as NatsimError).message).toContain('--zone');
    expect(() => runRule('-j CT --ctevents new', packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2 }), raw())).toThrow(/--ctevents/);
  });
});

describe('TRACE', () => {
  it('sets pkt.trace and continues', () => {
    const p = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2 });
    expect(p.trace).toBe(false);
    const r = runRule('-j TRACE', p, raw());
    expect(r.verdict).toBe('ACCEPT');
    expect(p.trace).toBe(true);
  });
});
