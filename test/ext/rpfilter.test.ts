/** -m rpfilter packet behaviour (ipt_rpfilter.c, ip6t_rpfilter.c) against the host model's routes. */
import { describe, expect, it } from 'vitest';
import { hostFromSpec } from '../../engine/host/host.js';
import type { Packet } from '../../engine/packet.js';
import { packet, ruleMatcher, testContext } from '../helpers/engine.js';

const host = hostFromSpec({
  interfaces: [
    { name: 'eth0', addrs: ['192.0.2.1/24', '2001:db8::1/64', 'fe80::1/64'] },
    { name: 'eth1', addrs: ['198.51.100.1/24', '2001:db8:1::1/64'] },
  ],
  routes: [
    'default via 192.0.2.254 dev eth0',
    '203.0.113.0/24 via 198.51.100.254',
    'unreachable 10.66.0.0/16',
    '::/0 via 2001:db8::fe dev eth0',
    '2001:db8:5::/48 via 2001:db8:1::fe',
    '2001:db8:7::/48 dev eth0 metric 100',
    '2001:db8:7::/48 dev eth1 metric 200',
    'unreachable 2001:db8:66::/48',
  ],
});

function rp(opts: string, family: 'ipv4' | 'ipv6' = 'ipv4') {
  const c = testContext({ family, table: 'raw', hook: 'PREROUTING', host });
  const run = ruleMatcher(`-m rpfilter ${opts}`, c);
  return (src: string, inIface: string, dst = family === 'ipv4' ? '192.0.2.1' : '2001:db8::1', mark = 0): boolean => {
    const p: Packet = packet({ src, dst, proto: 17, sport: 5, dport: 53, in: inIface });
    p.mark = mark;
    const r = run(p);
    expect(c.dropped).toBe(false);
    return r;
  };
}

describe('rpfilter, IPv4', () => {
  it('strict: the route back to the source must leave through the incoming device', () => {
    const strict = rp('');
    expect(strict('192.0.2.7', 'eth0')).toBe(true);
    expect(strict('192.0.2.7', 'eth1')).toBe(false);
    expect(strict('8.8.8.8', 'eth0')).toBe(true);
    expect(strict('8.8.8.8', 'eth1')).toBe(false);
    // A gateway route without a device uses the gateway's device.
    expect(strict('203.0.113.5', 'eth1')).toBe(true);
    expect(strict('203.0.113.5', 'eth0')).toBe(false);
  });
  it('--loose: any device will do, but there must be a unicast route', () => {
    const loose = rp('--loose');
    expect(loose('192.0.2.7', 'eth1')).toBe(true);
    expect(loose('8.8.8.8', 'eth1')).toBe(true);
    expect(loose('10.66.1.1', 'eth0')).toBe(false);
    expect(rp('')('10.66.1.1', 'eth0')).toBe(false);
  });
  it('local sources fail unless --accept-local, which still wants the address\'s device when strict', () => {
    expect(rp('')('192.0.2.1', 'eth0')).toBe(false);
    expect(rp('--accept-local')('192.0.2.1', 'eth0')).toBe(true);
    expect(rp('--accept-local')('192.0.2.1', 'eth1')).toBe(false);
    expect(rp('--accept-local --loose')('192.0.2.1', 'eth1')).toBe(true);
    expect(rp('--accept-local')('127.0.0.5', 'eth0')).toBe(false);
  });
  it('a broadcast source fails (its route is of type broadcast)', () => {
    expect(rp('--loose --accept-local')('192.0.2.255', 'eth0')).toBe(false);
  });
  it('the loopback device always passes', () => {
    expect(rp('')('8.8.8.8', 'lo')).toBe(true);
    expect(rp('')('10.66.1.1', 'lo')).toBe(true);
  });
  it('0.0.0.0/8 to the limited broadcast or 224.0.0.0/24 passes; to others it is looked up', () => {
    const strict = rp('');
    expect(strict('0.0.0.0', 'eth1', '255.255.255.255')).toBe(true);
    expect(strict('0.1.2.3', 'eth1', '224.0.0.251')).toBe(true);
    expect(strict('0.0.0.0', 'eth1', '224.0.1.1')).toBe(false);
    expect(strict('0.0.0.0', 'eth1', '192.0.2.1')).toBe(false);
    expect(strict('0.0.0.0', 'eth0', '192.0.2.1')).toBe(true);
  });
  it('--invert matches the packets that fail', () => {
    const inv = rp('--invert');
    expect(inv('8.8.8.8', 'eth1')).toBe(true);
    expect(inv('8.8.8.8', 'eth0')).toBe(false);
    expect(inv('8.8.8.8', 'lo')).toBe(false);
  });
  it('--validmark cannot change the lookup without policy-routing rules', () => {
    expect(rp('--validmark')('8.8.8.8', 'eth0', '192.0.2.1', 0x10)).toBe(true);
    expect(rp('--validmark')('8.8.8.8', 'eth1', '192.0.2.1', 0x10)).toBe(false);
  });
});

describe('rpfilter, IPv6', () => {
  it('strict: the route of the longest prefix must use the incoming device', () => {
    const strict = rp('', 'ipv6');
    expect(strict('2001:db8::7', 'eth0')).toBe(true);
    expect(strict('2001:db8::7', 'eth1')).toBe(false);
    expect(strict('2001:4860::1', 'eth0')).toBe(true);
    expect(strict('2001:4860::1', 'eth1')).toBe(false);
    expect(strict('2001:db8:5::9', 'eth1')).toBe(true);
    expect(strict('2001:db8:5::9', 'eth0')).toBe(false);
  });
  it('strict: among the routes of one prefix, the one through the incoming device is chosen', () => {
    expect(rp('', 'ipv6')('2001:db8:7::1', 'eth0')).toBe(true);
    expect(rp('', 'ipv6')('2001:db8:7::1', 'eth1')).toBe(true);
  });
  it('--loose accepts any device; reject routes fail either way', () => {
    expect(rp('--loose', 'ipv6')('2001:db8::7', 'eth1')).toBe(true);
    expect(rp('--loose', 'ipv6')('2001:db8:66::1', 'eth0')).toBe(false);
    expect(rp('', 'ipv6')('2001:db8:66::1', 'eth0')).toBe(false);
  });
  it('a local source passes only with --accept-local, through any device', () => {
    expect(rp('', 'ipv6')('2001:db8::1', 'eth0')).toBe(false);
    expect(rp('--accept-local', 'ipv6')('2001:db8::1', 'eth0')).toBe(true);
    expect(rp('--accept-local', 'ipv6')('2001:db8::1', 'eth1')).toBe(true);
  });
  it('a link-local source needs a route through the incoming device, even with --loose', () => {
    expect(rp('', 'ipv6')('fe80::99', 'eth0', 'fe80::1')).toBe(true);
    expect(rp('', 'ipv6')('fe80::99', 'eth1', 'fe80::1')).toBe(false);
    expect(rp('--loose', 'ipv6')('fe80::99', 'eth1', 'fe80::1')).toBe(false);
  });
  it('the unspecified source and the loopback device pass; --invert flips', () => {
    expect(rp('', 'ipv6')('::', 'eth1', 'ff02::1')).toBe(true);
    expect(rp('', 'ipv6')('2001:4860::1', 'lo')).toBe(true);
    expect(rp('--invert', 'ipv6')('2001:4860::1', 'eth1')).toBe(true);
    expect(rp('--invert', 'ipv6')('::', 'eth1', 'ff02::1')).toBe(false);
  });
});
