/** Packet behaviour of -m recent (xt_recent.c recent_mt), time in jiffies at HZ=250. */
import { describe, expect, it } from 'vitest';
import { compileRuleset } from '../../engine/compile.js';
import { recentTable } from '../../engine/ext/match/recent.js';
import type { Packet } from '../../engine/packet.js';
import { loadRuleset } from '../../engine/ruleset/load.js';
import { runTable } from '../../engine/traverse.js';
import { packet, ruleMatcher, testContext, type TestContext } from '../helpers/engine.js';

const from = (src: string, ttl = 64, dst = '192.0.2.1') => packet({ src, dst, proto: 17, sport: 1000, dport: 53, ttl });

describe('-m recent', () => {
  it('--set always matches and creates; --rcheck finds only what was set; the table is shared by name', () => {
    const c = testContext();
    const set = ruleMatcher('-m recent --set --name A', c);
    const check = ruleMatcher('-m recent --rcheck --name A', c);
    const other = ruleMatcher('-m recent --rcheck --name B', c);
    expect(check(from('10.0.0.1'))).toBe(false);
    expect(set(from('10.0.0.1'))).toBe(true);
    expect(set(from('10.0.0.1'))).toBe(true);
    expect(check(from('10.0.0.1'))).toBe(true);
    expect(check(from('10.0.0.2'))).toBe(false);
    expect(other(from('10.0.0.1'))).toBe(false);
    expect(recentTable(c, 'A')!.entries.size).toBe(1);
    expect(ruleMatcher('-m recent ! --set --name A', c)(from('10.0.0.9'))).toBe(false);
    expect(recentTable(c, 'A')!.entries.size).toBe(2); // ! --set still adds
  });

  it('--rdest keys on the destination; the mask comes from the rule that created the table', () => {
    const c = testContext();
    const setDst = ruleMatcher('-m recent --set --rdest --name D --mask 255.255.255.0', c);
    const checkDst = ruleMatcher('-m recent --rcheck --rdest --name D', c);
    expect(setDst(from('10.0.0.1', 64, '198.51.100.7'))).toBe(true);
    // This rule has the full mask, but the table's (from the creator) is /24.
    expect(checkDst(from('10.9.9.9', 64, '198.51.100.200'))).toBe(true);
    expect(checkDst(from('10.9.9.9', 64, '198.51.101.7'))).toBe(false);
  });

  it('--seconds and --hitcount count recent stamps; --update restamps only when it matches', () => {
    const c = testContext();
    const set = ruleMatcher('-m recent --set --name S', c);
    const within10 = ruleMatcher('-m recent --rcheck --seconds 10 --name S', c);
    const three = ruleMatcher('-m recent --rcheck --seconds 10 --hitcount 3 --name S', c);
    const upd = ruleMatcher('-m recent --update --seconds 10 --name S', c);
    set(from('10.0.0.1'));
    c.now = 5_000; set(from('10.0.0.1'));
    c.now = 9_000; set(from('10.0.0.1'));
    expect(three(from('10.0.0.1'))).toBe(true);
    c.now = 10_004; // the stamp at 0 is now older than 10 s (2501 jiffies > 2500)
    expect(three(from('10.0.0.1'))).toBe(false);
    expect(within10(from('10.0.0.1'))).toBe(true);
    c.now = 10_000; // exactly 10 s: still counted (time_after is strict)
    expect(three(from('10.0.0.1'))).toBe(true);
    c.now = 19_004; // all stamps too old
    expect(upd(from('10.0.0.1'))).toBe(false); // and no new stamp
    expect(within10(from('10.0.0.1'))).toBe(false);
    c.now = 19_000;
    expect(upd(from('10.0.0.1'))).toBe(true); // the 9 s stamp is 10 s old: matches, stamps at 19 s
    c.now = 28_000;
    expect(within10(from('10.0.0.1'))).toBe(true);
  });

  it('! --update stamps when the check fails (the kernel updates on the inverted result)', () => {
    const c = testContext();
    ruleMatcher('-m recent --set --name U', c)(from('10.0.0.1'));
    const notUpd = ruleMatcher('-m recent ! --update --seconds 1 --name U', c);
    c.now = 5_000;
    expect(notUpd(from('10.0.0.1'))).toBe(true); // check failed → inverted true → restamped at 5 s
    expect(notUpd(from('10.0.0.1'))).toBe(false); // now recent → false, no stamp
    expect(recentTable(c, 'U')!.entries.values().next().value!.stamps).toEqual([0, 1250]);
  });

  it('--remove deletes and matches; a missing entry does not match', () => {
    const c = testContext();
    ruleMatcher('-m recent --set --name R', c)(from('10.0.0.1'));
    const rm = ruleMatcher('-m recent --remove --name R', c);
    expect(rm(from('10.0.0.1'))).toBe(true);
    expect(rm(from('10.0.0.1'))).toBe(false);
    expect(ruleMatcher('-m recent ! --remove --name R', c)(from('10.0.0.1'))).toBe(true);
  });

  it('--rttl requires the same TTL; forwarded packets count one hop more', () => {
    const c = testContext({ hook: 'FORWARD' });
    const set = ruleMatcher('-m recent --set --name T', c);
    const ttl = ruleMatcher('-m recent --rcheck --rttl --name T', c);
    const fwd = (t: number) => { const p = from('10.0.0.1', t); p.inIface = 'eth1'; p.outIface = 'eth0'; return p; };
    set(fwd(63)); // stored as 64
    expect(ttl(fwd(63))).toBe(true);
    expect(ttl(fwd(64))).toBe(false);
    const local = from('10.0.0.1', 64); // no out device: taken as is
    expect(ttl(local)).toBe(true);
  });

  it('holds 100 entries and evicts the least recently updated', () => {
    const c = testContext();
    const set = ruleMatcher('-m recent --set --name L', c);
    const check = ruleMatcher('-m recent --rcheck --name L', c);
    for (let i = 0; i < 100; i++) set(from(`10.0.${i >> 8}.${i & 255}`));
    set(from('10.0.0.0')); // refresh the oldest: 10.0.0.1 becomes the LRU head
    set(from('10.1.0.0'));
    expect(recentTable(c, 'L')!.entries.size).toBe(100);
    expect(check(from('10.0.0.0'))).toBe(true);
    expect(check(from('10.0.0.1'))).toBe(false);
    expect(check(from('10.0.0.2'))).toBe(true);
  });

  it('--reap removes only the single oldest entry, if its newest stamp is too old', () => {
    const c = testContext();
    const set = ruleMatcher('-m recent --set --name K', c);
    set(from('10.0.0.1'));
    set(from('10.0.0.2'));
    c.now = 100_000;
    set(from('10.0.0.3'));
    const reap = ruleMatcher('-m recent --rcheck --seconds 60 --reap --name K', c);
    expect(reap(from('10.0.0.3'))).toBe(true);
    const keys = () => [...recentTable(c, 'K')!.entries.values()].map((e) => e.addr[0]! & 0xff);
    expect(keys()).toEqual([2, 3]);
    expect(reap(from('10.0.0.9'))).toBe(false); // no entry: nothing happens, no reap
    expect(keys()).toEqual([2, 3]);
    expect(reap(from('10.0.0.2'))).toBe(false); // too old; and it is the head: reaped
    expect(keys()).toEqual([3]);
  });

  it('--update with --reap does not reap the entry it is about to update', () => {
    const c = testContext();
    ruleMatcher('-m recent --set --name W', c)(from('10.0.0.1'));
    c.now = 30_000;
    const upd = ruleMatcher('-m recent ! --update --seconds 10 --reap --name W', c);
    expect(upd(from('10.0.0.1'))).toBe(true);
    expect(recentTable(c, 'W')!.entries.size).toBe(1);
  });

  it('IPv6 with a mask', () => {
    const c = testContext({ family: 'ipv6' });
    ruleMatcher('-m recent --set --name V6 --mask ffff:ffff:ffff:ffff::', c)(packet({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 1, dport: 2 }));
    const check = ruleMatcher('-m recent --rcheck --name V6', c);
    expect(check(packet({ src: '2001:db8::99', dst: '2001:db8::2', proto: 17, sport: 1, dport: 2 }))).toBe(true);
    expect(check(packet({ src: '2001:db8:0:1::1', dst: '2001:db8::2', proto: 17, sport: 1, dport: 2 }))).toBe(false);
  });

  it('an earlier-loaded rule with another mask reaching a lazily created table stops loudly', () => {
    const c = testContext();
    const text = `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m recent --set --name M --mask 255.0.0.0\n-A INPUT -p udp -m recent --rcheck --name M\nCOMMIT\n`;
    // Load both rules (first has the /8 mask), then let the second (full mask) see a packet first.
    const checkFirst = ruleMatcherFrom(text, c);
    expect(checkFirst(from('10.0.0.1'))).toBe('ACCEPT');
    expect(() => checkFirst(packet({ src: '10.0.0.1', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2 }))).toThrow(/another mask/);
  });
});

/** Runs a whole INPUT chain (several rules) against packets. */
function ruleMatcherFrom(text: string, c: TestContext) {
  const t = compileRuleset(loadRuleset([{ text, file: 't' }], { family: c.family })).tables.get('filter')!;
  return (p: Packet) => runTable(t, 'INPUT', p, c, null);
}
