/** The host model: `ip -j` JSON from a real namespace, the short form, route lookup, address types. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addrType, forwardMtu, hostFromIpJson, hostFromSpec, interfaceMtu, lookupRoute, masqueradeSource, firstAddress } from '../engine/host/host.js';
import { formatIPv4, parseIPv4Strict, parseIPv6 } from '../engine/net/addr.js';
import { NatsimError } from '../engine/errors.js';

const fx = (f: string): string => readFileSync(join(import.meta.dirname, 'fixtures/host', f), 'utf8');
const v4 = (s: string): number[] => [parseIPv4Strict(s)!];

// Captured with `ip -j addr show`, `ip -j route show`, `ip -j -6 route show` in a namespace with
// eth0 172.18.0.2/16 (+ secondary 172.18.0.3), 2001:db8::2/64, cni0 10.244.0.1/24,
// default via 172.18.0.1, 10.96.0.0/12 via 172.18.0.1.
const host = hostFromIpJson(fx('addr.json'), fx('route.json'), { route6Json: fx('route6.json') });

describe('host from ip -j JSON', () => {
  it('reads interfaces and addresses in kernel order, with secondaries', () => {
    expect([...host.interfaces.keys()]).toEqual(['lo', 'eth0', 'cni0']);
    const eth0 = host.interfaces.get('eth0')!;
    expect(eth0.addrs.map((a) => [a.family, a.prefixLen, a.secondary])).toEqual([['ipv4', 16, false], ['ipv4', 16, true], ['ipv6', 64, false]]);
    expect(eth0.mac).not.toBeNull();
  });
  it('looks up routes by longest prefix, local table first', () => {
    expect(lookupRoute(host, 'ipv4', v4('10.244.0.7'))).toMatchObject({ type: 'unicast', dev: 'cni0', gateway: null });
    expect(lookupRoute(host, 'ipv4', v4('10.96.0.10'))).toMatchObject({ dev: 'eth0', gateway: v4('172.18.0.1') });
    expect(lookupRoute(host, 'ipv4', v4('8.8.8.8'))).toMatchObject({ dev: 'eth0', gateway: v4('172.18.0.1') });
    expect(lookupRoute(host, 'ipv4', v4('172.18.0.3'))).toMatchObject({ type: 'local' });
    expect(lookupRoute(host, 'ipv6', parseIPv6('2001:db8::9')!)).toMatchObject({ dev: 'eth0' });
    expect(lookupRoute(host, 'ipv6', parseIPv6('2001:db9::9')!)).toBeNull();
  });
  it('address types as xt_addrtype sees them', () => {
    expect(addrType(host, 'ipv4', v4('172.18.0.2'))).toBe('LOCAL');
    expect(addrType(host, 'ipv4', v4('127.0.0.53'))).toBe('LOCAL');
    expect(addrType(host, 'ipv4', v4('172.18.255.255'))).toBe('BROADCAST');
    expect(addrType(host, 'ipv4', v4('255.255.255.255'))).toBe('BROADCAST');
    expect(addrType(host, 'ipv4', v4('0.0.0.0'))).toBe('BROADCAST');
    expect(addrType(host, 'ipv4', v4('224.0.0.1'))).toBe('MULTICAST');
    expect(addrType(host, 'ipv4', v4('10.96.0.10'))).toBe('UNICAST');
    expect(addrType(host, 'ipv4', v4('172.18.0.2'), 'cni0')).toBe('UNICAST');
    expect(addrType(host, 'ipv6', parseIPv6('2001:db8::2')!)).toBe('LOCAL');
    expect(addrType(host, 'ipv6', parseIPv6('ff02::1')!)).toBe('MULTICAST');
  });
  it('MASQUERADE picks the primary address of the out device in the next hop\'s subnet', () => {
    expect(formatIPv4(masqueradeSource(host, 'ipv4', 'cni0', v4('10.244.0.7'))![0]!)).toBe('10.244.0.1');
    expect(formatIPv4(masqueradeSource(host, 'ipv4', 'eth0', v4('172.18.0.1'))![0]!)).toBe('172.18.0.2');
    expect(formatIPv4(firstAddress(host, 'ipv4', 'eth0')![0]!)).toBe('172.18.0.2');
  });
  it('bad JSON names the file and what was expected', () => {
    expect(() => hostFromIpJson('{', '[]', { files: ['a.json', 'r.json'] })).toThrow(/not JSON.*ip -j addr show/);
    expect(() => hostFromIpJson('[{"ifname":"x","addr_info":[{"family":"inet","local":"1.2.3"}]}]', '[]')).toThrow(NatsimError);
  });
});

describe('host from the short form', () => {
  const h = hostFromSpec({
    interfaces: [{ name: 'eth0', addrs: ['172.18.0.2/16'] }, { name: 'cni0', addrs: ['10.244.0.1/24'] }],
    routes: ['default via 172.18.0.1 dev eth0', 'blackhole 192.0.2.0/24'],
  });
  it('adds connected routes and the local table', () => {
    expect(lookupRoute(h, 'ipv4', v4('10.244.0.9'))).toMatchObject({ dev: 'cni0', gateway: null });
    expect(lookupRoute(h, 'ipv4', v4('1.1.1.1'))).toMatchObject({ dev: 'eth0' });
    expect(lookupRoute(h, 'ipv4', v4('192.0.2.1'))).toMatchObject({ type: 'blackhole' });
    expect(addrType(h, 'ipv4', v4('127.0.0.1'))).toBe('LOCAL');
    expect(addrType(h, 'ipv4', v4('10.244.0.255'))).toBe('BROADCAST');
  });
  it('reads `ip -6 route` lines: a default route of the gateway\'s family, pref and onlink', () => {
    const h6 = hostFromSpec({
      interfaces: [{ name: 'eth0', addrs: ['2001:db8::2/64'] }],
      routes: ['default via 2001:db8::1 dev eth0 proto static metric 1024 onlink pref medium', '-6 default via fe80::1 dev eth0'],
    });
    const six = h6.routes.filter((r) => r.family === 'ipv6' && r.prefixLen === 0);
    expect(six).toHaveLength(2);
    // The lower metric wins: the route through fe80::1 (metric 0) over the one with metric 1024.
    expect(lookupRoute(h6, 'ipv6', [0x20010db9, 0, 0, 1])).toMatchObject({ dev: 'eth0', gateway: [0xfe800000, 0, 0, 1] });
    expect(lookupRoute(h6, 'ipv4', v4('1.1.1.1'))).toBeNull();
  });
  it('refuses bad routes with a reason', () => {
    expect(() => hostFromSpec({ interfaces: [], routes: ['10.0.0.0/8 gw 1.2.3.4'] })).toThrow(/unknown keyword "gw"/);
  });
});

describe('address types: longest prefix of the local table', () => {
  it('127.255.255.255 is BROADCAST although 127/8 is a LOCAL route', () => {
    const h = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['192.0.2.1/24'] }] });
    expect(addrType(h, 'ipv4', v4('127.255.255.255'))).toBe('BROADCAST');
    expect(addrType(h, 'ipv4', v4('127.0.0.2'))).toBe('LOCAL');
  });
});

describe("the engine's IPv4 route lookups", () => {
  it('give lookupRoute\'s answer for every address: tables, longest prefix, metrics, gateways without a device', async () => {
    const { Engine } = await import('../engine/engine.js');
    const { loadRuleset } = await import('../engine/ruleset/load.js');
    const seedrandom = (await import('seedrandom')).default;
    const hosts = [
      hostFromSpec({
        interfaces: [{ name: 'eth0', addrs: ['172.18.0.2/16'] }, { name: 'cni0', addrs: ['10.244.0.1/24'] }, { name: 'wg0', addrs: ['10.9.0.1/32'] }],
        routes: ['default via 172.18.0.1 dev eth0', 'default via 172.18.0.254 dev eth0 metric 50', 'blackhole 192.0.2.0/24', '10.0.0.0/8 via 172.18.0.9', '10.244.0.0/16 via 172.18.0.7 dev eth0 metric 10', '10.244.0.0/16 dev cni0 metric 5', 'unreachable 198.51.100.0/25', 'prohibit 198.51.100.128/25'],
      }),
      hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['192.0.2.1/24'] }] }),
    ];
    const rng = seedrandom('fib');
    for (const host of hosts) {
      const e = new Engine({ ruleset: loadRuleset([{ text: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', file: 'x' }]), host });
      const near = host.routes.filter((r) => r.family === 'ipv4').map((r) => r.dst[0]!);
      for (let k = 0; k < 20000; k++) {
        // Random addresses, and addresses next to every route's network (both sides of its edges).
        const base = k % 2 === 0 ? Math.floor(rng() * 2 ** 32) : near[k % near.length]! + Math.floor(rng() * 512) - 256;
        const a = [base >>> 0];
        const want = lookupRoute(host, 'ipv4', a);
        const got = e.route('ipv4', a);
        expect(got === null ? null : { ...got }, formatIPv4(a[0]!)).toEqual(want === null ? null : { ...want });
      }
    }
  });
});

describe('MTUs: the device\'s, a route\'s metric', () => {
  it('reads `mtu` from ip -j addr and a route\'s from ip -j route metrics; the short form takes `mtu [lock] N`', () => {
    expect(host.interfaces.get('eth0')!.mtu).toBe(1500);
    expect(interfaceMtu(host, 'lo')).toBe(65536);
    const addr = JSON.stringify([{ ifindex: 2, ifname: 'v0', flags: ['UP'], mtu: 1400, link_type: 'ether', address: '02:00:00:00:00:01', addr_info: [{ family: 'inet', local: '10.9.0.1', prefixlen: 24, scope: 'global' }] }]);
    // As `ip -j route` prints them (iproute2 6.x).
    const routes = '[{"dst":"10.7.0.0/16","gateway":"10.9.0.2","dev":"v0","flags":[],"metrics":[{"mtu":1200}]},{"dst":"10.9.0.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.9.0.1","flags":[]}]';
    const h = hostFromIpJson(addr, routes);
    expect(interfaceMtu(h, 'v0')).toBe(1400);
    expect(forwardMtu(h, 'ipv4', lookupRoute(h, 'ipv4', v4('10.7.1.1'))!)).toBe(1200);
    expect(forwardMtu(h, 'ipv4', lookupRoute(h, 'ipv4', v4('10.9.0.5'))!)).toBe(1400);
    const s = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['10.0.0.1/24'], mtu: 9000 }], routes: ['10.8.0.0/16 via 10.0.0.2 mtu lock 1300', '10.6.0.0/16 via 10.0.0.2 mtu 1280'] });
    expect(interfaceMtu(s, 'eth0')).toBe(9000);
    expect(forwardMtu(s, 'ipv4', lookupRoute(s, 'ipv4', v4('10.8.0.1'))!)).toBe(1300);
    expect(forwardMtu(s, 'ipv4', lookupRoute(s, 'ipv4', v4('10.6.0.1'))!)).toBe(1280);
    // IPv6 forwarding honours a route's MTU only when it is locked (ip6_dst_mtu_maybe_forward).
    const s6 = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['2001:db8::1/64'], mtu: 1500 }], routes: ['2001:db8:30::/48 via 2001:db8::2 mtu 1280', '2001:db8:40::/48 via 2001:db8::2 mtu lock 1300'] });
    const six = (a: string) => lookupRoute(s6, 'ipv6', parseIPv6(a)!)!;
    expect([forwardMtu(s6, 'ipv6', six('2001:db8:30::1')), forwardMtu(s6, 'ipv6', six('2001:db8:40::1'))]).toEqual([1500, 1300]);
    expect(() => hostFromSpec({ interfaces: [{ name: 'eth0', mtu: 20 }] }, 'h.json')).toThrow(/eth0: mtu 20: expected a whole number from 68 to 65536/);
    expect(() => hostFromSpec({ interfaces: [{ name: 'eth0' }], routes: ['10.8.0.0/16 dev eth0 mtu lock'] }, 'h.json')).toThrow(/mtu : expected a whole number of at least 68/);
  });
});
