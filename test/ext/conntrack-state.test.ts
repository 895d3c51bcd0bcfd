/** Packet behaviour of -m conntrack, -m state and -m connmark (xt_conntrack.c, xt_connmark.c). */
import { describe, expect, it } from 'vitest';
import { CTINFO, IPS, type ConntrackEntry } from '../../engine/conntrack/entry.js';
import { makeTuple } from '../../engine/conntrack/tuple.js';
import type { Packet } from '../../engine/packet.js';
import { addr, packet, ruleMatcher, testContext } from '../helpers/engine.js';
import { loadRuleset } from '../../engine/ruleset/load.js';

/** A confirmed TCP entry 10.0.0.1:40000 -> 192.0.2.1:80, DNATed to 10.1.1.5:8080 (reply tuple from it). */
function entry(o: Partial<ConntrackEntry> = {}): ConntrackEntry {
  return {
    id: 1, zone: 0, note: null, index: -1, mark: 0, proto: { kind: 'none' },
    tuple: [
      makeTuple('ipv4', addr('10.0.0.1'), addr('192.0.2.1'), 6, 40000, 80),
      makeTuple('ipv4', addr('10.1.1.5'), addr('10.0.0.1'), 6, 8080, 40000),
    ],
    status: IPS.CONFIRMED | IPS.SEEN_REPLY | IPS.ASSURED | IPS.DST_NAT,
    timeout: 120_000,
    origPackets: 0, origBytes: 0, replyPackets: 0, replyBytes: 0,
    ...o,
  };
}

function tcp(ct: ConntrackEntry | null, ctinfo: number): Packet {
  const p = packet({ src: '10.0.0.1', dst: '192.0.2.1', proto: 6, sport: 40000, dport: 80 });
  p.ct = ct;
  p.ctinfo = ctinfo;
  return p;
}

describe('-m conntrack --ctstate', () => {
  it('maps ctinfo to the state bit in both directions', () => {
    const c = testContext();
    const est = ruleMatcher('-m conntrack --ctstate ESTABLISHED', c);
    const rel = ruleMatcher('-m conntrack --ctstate RELATED', c);
    const nw = ruleMatcher('-m conntrack --ctstate NEW', c);
    const e = entry({ status: IPS.CONFIRMED });
    expect([est(tcp(e, CTINFO.ESTABLISHED)), est(tcp(e, CTINFO.ESTABLISHED_REPLY)), est(tcp(e, CTINFO.NEW))]).toEqual([true, true, false]);
    expect([rel(tcp(e, CTINFO.RELATED)), rel(tcp(e, CTINFO.RELATED_REPLY)), rel(tcp(e, CTINFO.ESTABLISHED))]).toEqual([true, true, false]);
    expect([nw(tcp(e, CTINFO.NEW)), nw(tcp(e, CTINFO.ESTABLISHED))]).toEqual([true, false]);
  });

  it('INVALID and UNTRACKED without a conntrack; other options are then ignored', () => {
    const c = testContext();
    const inv = ruleMatcher('-m conntrack --ctstate INVALID --ctorigdst 1.2.3.4', c);
    const unt = ruleMatcher('-m conntrack --ctstate UNTRACKED', c);
    expect(inv(tcp(null, -1))).toBe(true);
    expect(inv(tcp(null, CTINFO.UNTRACKED))).toBe(false);
    expect(unt(tcp(null, CTINFO.UNTRACKED))).toBe(true);
    expect(unt(tcp(null, -1))).toBe(false);
    // Not INVALID: inverted test passes for a tracked packet, fails for an invalid one.
    const notInv = ruleMatcher('-m conntrack ! --ctstate INVALID', c);
    expect(notInv(tcp(entry(), CTINFO.NEW))).toBe(true);
    expect(notInv(tcp(null, -1))).toBe(false);
    expect(notInv(tcp(null, CTINFO.UNTRACKED))).toBe(true);
  });

  it('without --ctstate, a packet with no conntrack never matches, even with !', () => {
    const c = testContext();
    const m = ruleMatcher('-m conntrack ! --ctproto 6', c);
    expect(m(tcp(null, -1))).toBe(false);
    expect(m(tcp(null, CTINFO.UNTRACKED))).toBe(false);
  });

  it('SNAT/DNAT pseudo-states come from the status bits', () => {
    const c = testContext();
    const dnat = ruleMatcher('-m conntrack --ctstate DNAT', c);
    const snat = ruleMatcher('-m conntrack --ctstate SNAT', c);
    expect(dnat(tcp(entry(), CTINFO.NEW))).toBe(true);
    expect(dnat(tcp(entry(), CTINFO.ESTABLISHED_REPLY))).toBe(true);
    expect(snat(tcp(entry(), CTINFO.NEW))).toBe(false);
    expect(snat(tcp(entry({ status: IPS.CONFIRMED | IPS.SRC_NAT }), CTINFO.ESTABLISHED))).toBe(true);
    expect(dnat(tcp(null, -1))).toBe(false);
  });
});

describe('-m conntrack tuple, status, expiry and direction options', () => {
  const c = testContext();
  it('--ctorigdst is the pre-DNAT destination, --ctrepldst/--ctreplsrc from the reply tuple, with masks', () => {
    const e = entry();
    expect(ruleMatcher('-m conntrack --ctorigdst 192.0.2.1', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctorigdst 10.1.1.5', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack --ctreplsrc 10.1.1.0/24', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack ! --ctreplsrc 10.1.1.0/24', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack --ctorigsrc 10.0.0.7/255.255.255.0', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctrepldst 10.0.0.2', c)(tcp(e, 0))).toBe(false);
  });

  it('--ctproto and port ranges of both tuples', () => {
    const e = entry();
    expect(ruleMatcher('-m conntrack --ctproto tcp', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctproto udp', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack ! --ctproto udp', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctorigdstport 80', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctreplsrcport 8000:8100', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctreplsrcport 8081:', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack ! --ctorigsrcport 40000', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack --ctrepldstport :40000', c)(tcp(e, 0))).toBe(true);
  });

  it('--ctstatus needs any listed bit; NONE never matches, ! NONE always', () => {
    const e = entry({ status: IPS.CONFIRMED | IPS.SEEN_REPLY });
    expect(ruleMatcher('-m conntrack --ctstatus ASSURED', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack --ctstatus ASSURED,SEEN_REPLY', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack ! --ctstatus ASSURED', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctstatus NONE', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack ! --ctstatus NONE', c)(tcp(e, 0))).toBe(true);
  });

  it('--ctexpire compares whole seconds left on the virtual clock', () => {
    const cx = testContext({ now: 60_500 });
    const e = entry({ timeout: 120_000 }); // 59.5 s left → 59
    expect(ruleMatcher('-m conntrack --ctexpire 59', cx)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m conntrack --ctexpire 60:100', cx)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m conntrack ! --ctexpire 60:100', cx)(tcp(e, 0))).toBe(true);
    cx.now = 200_000; // expired: 0
    expect(ruleMatcher('-m conntrack --ctexpire 0', cx)(tcp(e, 0))).toBe(true);
  });

  it('--ctexpire on an unconfirmed entry stops loudly (uptime-dependent in the kernel)', () => {
    const e = entry({ status: 0, timeout: 120_000 });
    expect(() => ruleMatcher('-m conntrack --ctexpire 0:200', c)(tcp(e, CTINFO.NEW))).toThrow(/not yet confirmed/);
  });

  it('--ctdir ORIGINAL / REPLY', () => {
    const e = entry();
    const orig = ruleMatcher('-m conntrack --ctdir ORIGINAL', c);
    const repl = ruleMatcher('-m conntrack --ctdir REPLY', c);
    expect([orig(tcp(e, CTINFO.ESTABLISHED)), orig(tcp(e, CTINFO.ESTABLISHED_REPLY)), orig(tcp(e, CTINFO.RELATED))]).toEqual([true, false, true]);
    expect([repl(tcp(e, CTINFO.ESTABLISHED)), repl(tcp(e, CTINFO.ESTABLISHED_REPLY)), repl(tcp(e, CTINFO.RELATED_REPLY))]).toEqual([false, true, true]);
  });

  it('IPv6 addresses with a prefix', () => {
    const c6 = testContext({ family: 'ipv6' });
    const p = packet({ src: '2001:db8::5', dst: '2001:db8:1::1', proto: 17, sport: 1, dport: 53 });
    p.ct = entry({
      tuple: [
        makeTuple('ipv6', addr('2001:db8::5'), addr('2001:db8:1::1'), 17, 1, 53),
        makeTuple('ipv6', addr('2001:db8:1::1'), addr('2001:db8::5'), 17, 53, 1),
      ],
    });
    p.ctinfo = CTINFO.NEW;
    expect(ruleMatcher('-m conntrack --ctorigsrc 2001:db8::/64 --ctproto 17', c6)(p)).toBe(true);
    expect(ruleMatcher('-m conntrack --ctorigdst 2001:db8:2::/48', c6)(p)).toBe(false);
  });
});

describe('-m state', () => {
  it('matches as --ctstate, with !', () => {
    const c = testContext();
    const m = ruleMatcher('-m state --state RELATED,ESTABLISHED', c);
    const n = ruleMatcher('-m state ! --state NEW', c);
    expect(m(tcp(entry(), CTINFO.ESTABLISHED_REPLY))).toBe(true);
    expect(m(tcp(entry(), CTINFO.NEW))).toBe(false);
    expect(m(tcp(null, -1))).toBe(false);
    expect(n(tcp(entry(), CTINFO.NEW))).toBe(false);
    expect(n(tcp(null, -1))).toBe(true);
    expect(ruleMatcher('-m state --state INVALID,UNTRACKED', c)(tcp(null, CTINFO.UNTRACKED))).toBe(true);
  });
});

describe('-m connmark', () => {
  it('tests ct->mark under the mask; false without a conntrack even with !', () => {
    const c = testContext();
    const e = entry({ mark: 0x4001 });
    expect(ruleMatcher('-m connmark --mark 0x4000/0x4000', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m connmark --mark 0x1', c)(tcp(e, 0))).toBe(false);
    expect(ruleMatcher('-m connmark ! --mark 0x1', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m connmark --mark 0x4001', c)(tcp(e, 0))).toBe(true);
    expect(ruleMatcher('-m connmark ! --mark 0x1', c)(tcp(null, -1))).toBe(false);
    expect(ruleMatcher('-m connmark --mark 0x0', c)(tcp(null, CTINFO.UNTRACKED))).toBe(false);
  });
});

describe('-m conntrack --ctstate alone (the compiled rule compares the state bits only)', () => {
  it('answers as the full conntrack_mt for every state list, inversion, ctinfo and NAT status', async () => {
    const { conntrack, conntrackMatch } = await import('../../engine/ext/match/conntrack.js');
    const c = testContext();
    const lists = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT', 'NEW,ESTABLISHED', 'RELATED,ESTABLISHED', 'INVALID,UNTRACKED', 'SNAT,DNAT'];
    const ctinfos = [CTINFO.ESTABLISHED, CTINFO.RELATED, CTINFO.NEW, CTINFO.ESTABLISHED_REPLY, CTINFO.RELATED_REPLY];
    let compared = 0;
    for (const list of lists) {
      for (const inv of ['', '! ']) {
        const rule = ruleMatcher(`-m conntrack ${inv}--ctstate ${list}`, c);
        const rs = loadRuleset([{ text: `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack ${inv}--ctstate ${list}\nCOMMIT\n`, file: 't.rules' }]);
        const state = [...rs.tables.get('filter')!.chains.get('INPUT')!.rules[0]!.matches][0]!.state;
        const rt = conntrack.init!(state);
        expect(rt.stateOnly).toBe(true);
        const packets = [tcp(null, -1), tcp(null, CTINFO.UNTRACKED)];
        for (const status of [IPS.CONFIRMED, IPS.CONFIRMED | IPS.SRC_NAT, IPS.CONFIRMED | IPS.DST_NAT, IPS.CONFIRMED | IPS.SRC_NAT | IPS.DST_NAT]) {
          for (const ci of ctinfos) packets.push(tcp(entry({ status }), ci));
        }
        for (const p of packets) {
          const full = conntrackMatch(state, p, c);
          expect(conntrack.match!(state, p, rt, c)).toBe(full);
          expect(rule(p)).toBe(full);
          compared++;
        }
      }
    }
    expect(compared).toBe(lists.length * 2 * 22);
    // Any other option turns the shortcut off.
    for (const more of ['--ctproto 6', '--ctorigdst 1.2.3.4', '--ctstatus ASSURED', '--ctdir REPLY', '--ctexpire 1:2', '--ctorigsrcport 5']) {
      const rs = loadRuleset([{ text: `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate NEW ${more}\nCOMMIT\n`, file: 't.rules' }]);
      expect(conntrack.init!(rs.tables.get('filter')!.chains.get('INPUT')!.rules[0]!.matches[0]!.state).stateOnly).toBe(false);
    }
  });
});
