/** Packet behaviour of -m addrtype (xt_addrtype.c), -m iprange (xt_iprange.c) and -m mac (xt_mac.c). */
import { describe, expect, it } from 'vitest';
import { hostFromSpec } from '../../engine/host/host.js';
import type { Packet } from '../../engine/packet.js';
import { packet, ruleMatcher, testContext } from '../helpers/engine.js';

const to = (dst: string, src = '203.0.113.9', inIface: string | undefined = 'eth0') =>
  packet({ src, dst, proto: 17, sport: 1, dport: 2, in: inIface });
const to6 = (dst: string, src = '2001:db8::99') => packet({ src, dst, proto: 17, sport: 1, dport: 2, in: 'eth0' });

describe('-m addrtype (IPv4)', () => {
  const c = testContext({ hook: 'PREROUTING', table: 'nat' });
  it('LOCAL, BROADCAST, MULTICAST, UNICAST from the local table', () => {
    const local = ruleMatcher('-m addrtype --dst-type LOCAL', c);
    expect([local(to('192.0.2.1')), local(to('198.51.100.1')), local(to('127.0.0.1')), local(to('192.0.2.7'))]).toEqual([true, true, true, false]);
    expect(ruleMatcher('-m addrtype --dst-type BROADCAST', c)(to('192.0.2.255'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type BROADCAST', c)(to('255.255.255.255'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type MULTICAST', c)(to('224.0.0.251'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type UNICAST', c)(to('8.8.8.8'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type UNICAST,LOCAL', c)(to('192.0.2.1'))).toBe(true);
  });

  it('inversion per side; the source is tested first', () => {
    expect(ruleMatcher('-m addrtype ! --dst-type LOCAL', c)(to('8.8.8.8'))).toBe(true);
    expect(ruleMatcher('-m addrtype ! --dst-type LOCAL', c)(to('192.0.2.1'))).toBe(false);
    const both = ruleMatcher('-m addrtype --src-type LOCAL --dst-type UNICAST', c);
    expect(both(to('8.8.8.8', '192.0.2.1'))).toBe(true);
    expect(both(to('8.8.8.8', '10.0.0.1'))).toBe(false);
    expect(both(to('192.0.2.1', '192.0.2.1'))).toBe(false);
  });

  it('--limit-iface-in: a local address counts only on the in device', () => {
    const m = ruleMatcher('-m addrtype --dst-type LOCAL --limit-iface-in', c);
    expect(m(to('192.0.2.1', '203.0.113.9', 'eth0'))).toBe(true);
    expect(m(to('198.51.100.1', '203.0.113.9', 'eth0'))).toBe(false);
    expect(ruleMatcher('-m addrtype --dst-type UNICAST --limit-iface-in', c)(to('198.51.100.1'))).toBe(true);
  });

  it('--limit-iface-out uses the out device', () => {
    const co = testContext({ hook: 'POSTROUTING', table: 'nat' });
    const m = ruleMatcher('-m addrtype --src-type LOCAL --limit-iface-out', co);
    const p = (out: string) => { const q = to('8.8.8.8', '198.51.100.1', undefined); q.outIface = out; return q; };
    expect(m(p('eth1'))).toBe(true);
    expect(m(p('eth0'))).toBe(false);
  });
});

describe('-m addrtype (IPv6)', () => {
  const c = testContext({ family: 'ipv6', hook: 'PREROUTING', table: 'mangle' });
  it('LOCAL, UNREACHABLE, ANYCAST come from the route lookup', () => {
    const local = ruleMatcher('-m addrtype --dst-type LOCAL', c);
    expect([local(to6('2001:db8::1')), local(to6('::1')), local(to6('2001:db8::2'))]).toEqual([true, true, false]);
    const unr = ruleMatcher('-m addrtype --dst-type UNREACHABLE', c);
    expect([unr(to6('2001:db9::1')), unr(to6('2001:db8::2'))]).toEqual([true, false]);
    expect(ruleMatcher('-m addrtype --dst-type ANYCAST', c)(to6('2001:db8::'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type ANYCAST', c)(to6('2001:db8::1'))).toBe(false);
  });

  it('each listed kind is a condition: UNICAST,LOCAL needs both; MULTICAST,UNICAST never', () => {
    const ul = ruleMatcher('-m addrtype --dst-type UNICAST,LOCAL', c);
    expect([ul(to6('2001:db8::1')), ul(to6('2001:db8::2')), ul(to6('ff02::1'))]).toEqual([true, false, false]);
    expect(ruleMatcher('-m addrtype --dst-type MULTICAST', c)(to6('ff02::1'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type MULTICAST,UNICAST', c)(to6('ff02::1'))).toBe(false);
    expect(ruleMatcher('-m addrtype --dst-type UNICAST', c)(to6('fe80::1'))).toBe(true);
    expect(ruleMatcher('-m addrtype --dst-type UNICAST', c)(to6('::ffff:10.0.0.1'))).toBe(false);
    expect(ruleMatcher('-m addrtype --src-type UNSPEC', c)(to6('2001:db8::1', '::'))).toBe(true);
    expect(ruleMatcher('-m addrtype ! --src-type UNSPEC', c)(to6('2001:db8::1', '::'))).toBe(false);
  });

  it('the device-limited IPv6 lookup stops loudly', () => {
    const m = ruleMatcher('-m addrtype --dst-type LOCAL --limit-iface-in', c);
    expect(() => m(to6('2001:db8::1'))).toThrow(/NOT_IMPLEMENTED|not modelled/);
    expect(ruleMatcher('-m addrtype --dst-type MULTICAST --limit-iface-in', c)(to6('ff02::1'))).toBe(true);
  });
});

describe('-m iprange', () => {
  const c = testContext();
  it('host-order ranges on source and destination, each with !', () => {
    const src = ruleMatcher('-m iprange --src-range 10.0.0.5-10.0.1.2', c);
    expect([src(to('8.8.8.8', '10.0.0.4')), src(to('8.8.8.8', '10.0.0.5')), src(to('8.8.8.8', '10.0.0.200')), src(to('8.8.8.8', '10.0.1.2')), src(to('8.8.8.8', '10.0.1.3'))])
      .toEqual([false, true, true, true, false]);
    const notDst = ruleMatcher('-m iprange ! --dst-range 192.0.2.0-192.0.2.127', c);
    expect([notDst(to('192.0.2.1')), notDst(to('192.0.2.200'))]).toEqual([false, true]);
    const both = ruleMatcher('-m iprange --src-range 10.0.0.1 --dst-range 192.0.2.1-192.0.2.1', c);
    expect([both(to('192.0.2.1', '10.0.0.1')), both(to('192.0.2.2', '10.0.0.1')), both(to('192.0.2.1', '10.0.0.2'))]).toEqual([true, false, false]);
    expect(ruleMatcher('-m iprange --src-range 10.0.0.9-10.0.0.1', c)(to('8.8.8.8', '10.0.0.5'))).toBe(false);
    expect(ruleMatcher('-m iprange --src-range 128.0.0.0-255.255.255.255', c)(to('8.8.8.8', '200.0.0.1'))).toBe(true);
  });

  it('IPv6 ranges compare all 128 bits in order', () => {
    const c6 = testContext({ family: 'ipv6' });
    const m = ruleMatcher('-m iprange --src-range 2001:db8::ffff:0-2001:db8::1:0:5', c6);
    expect([m(to6('2001:db8::1', '2001:db8::ffff:1')), m(to6('2001:db8::1', '2001:db8::1:0:5')), m(to6('2001:db8::1', '2001:db8::1:0:6')), m(to6('2001:db8::1', '2001:db8::fffe:ffff'))])
      .toEqual([true, true, false, false]);
  });
});

describe('-m mac', () => {
  const withLink = (src: number[], inIface = 'eth0'): Packet => {
    const p = to('192.0.2.1', '192.0.2.50', inIface);
    p.link = { dst: Uint8Array.from([2, 0, 0, 0, 0, 1]), src: Uint8Array.from(src), vlans: [], ethertype: 0x0800, payloadOffset: 14 };
    return p;
  };
  it('compares the Ethernet source, with !', () => {
    const c = testContext();
    const m = ruleMatcher('-m mac --mac-source 00:11:22:AA:bb:cc', c);
    const n = ruleMatcher('-m mac ! --mac-source 00:11:22:aa:bb:cc', c);
    expect(m(withLink([0, 0x11, 0x22, 0xaa, 0xbb, 0xcc]))).toBe(true);
    expect(m(withLink([0, 0x11, 0x22, 0xaa, 0xbb, 0xcd]))).toBe(false);
    expect(n(withLink([0, 0x11, 0x22, 0xaa, 0xbb, 0xcd]))).toBe(true);
    expect(n(withLink([0, 0x11, 0x22, 0xaa, 0xbb, 0xcc]))).toBe(false);
  });

  it('false without an Ethernet header or on a non-Ethernet device, even with !', () => {
    const host = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['192.0.2.1/24'] }, { name: 'tun0', addrs: ['10.8.0.1/24'], linkType: 'none' }] });
    const c = testContext({ host });
    const n = ruleMatcher('-m mac ! --mac-source 00:11:22:aa:bb:cc', c);
    expect(n(to('192.0.2.1'))).toBe(false);
    expect(n(withLink([1, 2, 3, 4, 5, 6], 'tun0'))).toBe(false);
    expect(n(withLink([1, 2, 3, 4, 5, 6], 'eth0'))).toBe(true);
  });
});
