/** Packet behaviour of -m limit (xt_limit.c) and -m hashlimit (xt_hashlimit.c), jiffies at HZ=250. */
import { describe, expect, it } from 'vitest';
import { hashlimitTable } from '../../engine/ext/match/hashlimit.js';
import { buildPacket } from '../../engine/packet.js';
import { addr, packet, ruleMatcher, testContext } from '../helpers/engine.js';

const udp = (src = '10.0.0.1', sport = 1000, dport = 53) => packet({ src, dst: '192.0.2.1', proto: 17, sport, dport });

describe('-m limit', () => {
  it('starts full with the burst, refills one token per period counted in jiffies', () => {
    const c = testContext();
    const m = ruleMatcher('-m limit --limit 1/s --limit-burst 2', c);
    expect([m(udp()), m(udp()), m(udp())]).toEqual([true, true, false]);
    c.now = 996; // 249 jiffies: 31872 of the 32000 credits a token costs
    expect(m(udp())).toBe(false);
    c.now = 1000;
    expect(m(udp())).toBe(true);
    expect(m(udp())).toBe(false);
    c.now = 60_000; // long idle: capped at the burst
    expect([m(udp()), m(udp()), m(udp())]).toEqual([true, true, false]);
  });

  it('default 3/hour burst 5; each rule has its own bucket', () => {
    const c = testContext();
    const a = ruleMatcher('-m limit', c);
    const b = ruleMatcher('-m limit', c);
    const five = Array.from({ length: 6 }, () => a(udp()));
    expect(five).toEqual([true, true, true, true, true, false]);
    expect(b(udp())).toBe(true);
    c.now = 1_199_996; // just under 20 min
    expect(a(udp())).toBe(false);
    c.now = 1_200_000;
    expect(a(udp())).toBe(true);
  });

  it('works the same for IPv6', () => {
    const c = testContext({ family: 'ipv6' });
    const m = ruleMatcher('-m limit --limit 10/min --limit-burst 1', c);
    const p = packet({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 1, dport: 2 });
    expect([m(p), m(p)]).toEqual([true, false]);
    c.now = 6000;
    expect(m(p)).toBe(true);
  });
});

describe('-m hashlimit', () => {
  it('one bucket per source address (srcip mode), --hashlimit-upto', () => {
    const c = testContext();
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 2/sec --hashlimit-burst 2 --hashlimit-mode srcip --hashlimit-name H', c);
    expect([m(udp('10.0.0.1')), m(udp('10.0.0.1')), m(udp('10.0.0.1'))]).toEqual([true, true, false]);
    expect(m(udp('10.0.0.2'))).toBe(true);
    c.now = 496; // 124 jiffies: not yet a token (500 ms)
    expect(m(udp('10.0.0.1'))).toBe(false);
    c.now = 500;
    expect(m(udp('10.0.0.1'))).toBe(true);
    expect(hashlimitTable(c, 'ipv4', 'H')!.entries.size).toBe(2);
  });

  it('--hashlimit-above matches over the limit; ! --hashlimit-above is upto', () => {
    const c = testContext();
    const above = ruleMatcher('-m hashlimit --hashlimit-above 1/sec --hashlimit-burst 1 --hashlimit-name A', c);
    expect([above(udp()), above(udp())]).toEqual([false, true]);
    const notAbove = ruleMatcher('-m hashlimit ! --hashlimit-above 1/sec --hashlimit-burst 1 --hashlimit-name B', c);
    expect([notAbove(udp()), notAbove(udp())]).toEqual([true, false]);
  });

  it('no mode: one bucket for all; srcmask groups sources; ports in dstport mode', () => {
    const c = testContext();
    const all = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-name ALL', c);
    expect([all(udp('10.0.0.1')), all(udp('10.0.0.2'))]).toEqual([true, false]);
    const net = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode srcip --hashlimit-srcmask 24 --hashlimit-name NET', c);
    expect([net(udp('10.0.0.1')), net(udp('10.0.0.200')), net(udp('10.0.1.1'))]).toEqual([true, false, true]);
    const port = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode dstport --hashlimit-name PORT', c);
    expect([port(udp('10.0.0.1', 1, 53)), port(udp('10.0.0.2', 2, 53)), port(udp('10.0.0.1', 1, 54))]).toEqual([true, false, true]);
  });

  it('byte mode: the initial credit is one second; cost per 16-byte chunk', () => {
    const c = testContext();
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 1kb/s --hashlimit-name BY', c);
    // 29-byte packets are 2 chunks of the 65 a second holds at 1 kB/s: 32 pass.
    const results = Array.from({ length: 33 }, () => m(udp()));
    expect(results.filter(Boolean).length).toBe(32);
    expect(results[32]).toBe(false);
  });

  it('rate-match mode: under the rate within a window, then the previous window decides', () => {
    const c = testContext();
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 2/sec --hashlimit-rate-match --hashlimit-htable-expire 10000 --hashlimit-name RM', c);
    const first = Array.from({ length: 8 }, () => m(udp()));
    expect(first).toEqual([true, true, true, true, true, true, true, false]); // burst 5 + rate 2
    c.now = 1000; // new window; the last one was over the rate
    expect(m(udp())).toBe(false);
    c.now = 2000; // the last window had 1 packet: under
    expect(m(udp())).toBe(true);
  });

  it('the collector frees expired entries: a fresh, full bucket afterwards', () => {
    const c = testContext();
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 3 --hashlimit-htable-expire 1000 --hashlimit-name GC', c);
    expect([m(udp()), m(udp()), m(udp()), m(udp())]).toEqual([true, true, true, false]);
    c.now = 1000; // collector at jiffy 250 frees the entry that expires at 250
    expect([m(udp()), m(udp()), m(udp()), m(udp())]).toEqual([true, true, true, false]);
  });

  it('hotdrops when the ports cannot be read or the table is full', () => {
    const c = testContext();
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 100/sec --hashlimit-mode srcport --hashlimit-name P', c);
    const p = packet({ src: '10.0.0.1', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2 });
    p.data = p.data.subarray(0, 22);
    p.length = 22;
    expect(m(p)).toBe(false);
    expect(c.dropped).toBe(true);

    const c2 = testContext();
    const full = ruleMatcher('-m hashlimit --hashlimit-upto 100/sec --hashlimit-mode srcip --hashlimit-htable-size 16 --hashlimit-htable-max 20 --hashlimit-name F', c2);
    for (let i = 0; i < 20; i++) expect(full(udp(`10.0.0.${i}`))).toBe(true);
    expect(c2.dropped).toBe(false);
    expect(full(udp('10.0.0.99'))).toBe(false);
    expect(c2.dropped).toBe(true);
  });

  it('a non-first IPv4 fragment has its payload read as ports; other protocols have port 0', () => {
    const c = testContext();
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode dstport --hashlimit-name FR', c);
    const frag = udp('10.0.0.1', 7, 53);
    frag.fragOffset = 8;
    frag.l4Offset = -1;
    expect(m(frag)).toBe(true); // key: the bytes at offset 20 (sport 7, dport 53)
    expect(m(udp('10.0.0.1', 7, 53))).toBe(false); // same key
    const gre = packet({ src: '10.0.0.1', dst: '192.0.2.1', proto: 47 });
    expect(m(gre)).toBe(true); // port 0
  });

  it('IPv6: per-/64 buckets; a packet with no next header hotdrops in a port mode', () => {
    const c = testContext({ family: 'ipv6' });
    const m = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode srcip --hashlimit-srcmask 64 --hashlimit-name V6', c);
    const from = (s: string) => packet({ src: s, dst: '2001:db8::1', proto: 17, sport: 1, dport: 2 });
    expect([m(from('2001:db8:1::1')), m(from('2001:db8:1::2')), m(from('2001:db8:2::1'))]).toEqual([true, false, true]);
    expect(hashlimitTable(c, 'ipv6', 'V6')!.entries.size).toBe(2);
    const pm = ruleMatcher('-m hashlimit --hashlimit-upto 1/min --hashlimit-mode dstport --hashlimit-name V6P', c);
    const none = buildPacket({ src: addr('2001:db8::5'), dst: addr('2001:db8::1'), proto: 59 });
    expect(pm(none)).toBe(false);
    expect(c.dropped).toBe(true);
  });
});
