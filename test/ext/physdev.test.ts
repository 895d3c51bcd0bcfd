/** -m physdev packet behaviour (xt_physdev.c physdev_mt). */
import { describe, expect, it } from 'vitest';
import { packet, ruleMatcher, testContext } from '../helpers/engine.js';
import type { Packet } from '../../engine/packet.js';

function pkt(physIn: string | null, physOut: string | null, family: 'ipv4' | 'ipv6' = 'ipv4'): Packet {
  const p = family === 'ipv4'
    ? packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, in: 'br0', out: 'br0' })
    : packet({ src: '2001:db8::5', dst: '2001:db8::6', proto: 17, sport: 1, dport: 2, in: 'br0', out: 'br0' });
  p.physIn = physIn;
  p.physOut = physOut;
  return p;
}

const fwd = (rule: string, family: 'ipv4' | 'ipv6' = 'ipv4') => ruleMatcher(`-m physdev ${rule}`, testContext({ hook: 'FORWARD', family }));

describe('physdev on packets without bridge information', () => {
  it('matches only when every given option is inverted', () => {
    const plain = pkt(null, null);
    expect(fwd('--physdev-in eth0')(plain)).toBe(false);
    expect(fwd('! --physdev-in eth0')(plain)).toBe(true);
    expect(fwd('! --physdev-in eth0 ! --physdev-is-bridged')(plain)).toBe(true);
    expect(fwd('! --physdev-in eth0 --physdev-is-bridged')(plain)).toBe(false);
    expect(fwd('! --physdev-is-in ! --physdev-is-out ! --physdev-out veth+')(plain)).toBe(true);
    expect(fwd('! --physdev-is-in --physdev-is-out')(plain)).toBe(false);
    expect(fwd('--physdev-is-bridged')(plain)).toBe(false);
  });
});

describe('physdev on bridged packets', () => {
  const both = pkt('veth1', 'veth2');
  const inOnly = pkt('veth1', null);

  it('--physdev-is-bridged is whether the packet has an out port', () => {
    expect(fwd('--physdev-is-bridged')(both)).toBe(true);
    expect(fwd('! --physdev-is-bridged')(both)).toBe(false);
    expect(fwd('--physdev-is-bridged')(inOnly)).toBe(false);
    expect(fwd('! --physdev-is-bridged')(inOnly)).toBe(true);
  });

  it('--physdev-is-in / --physdev-is-out test the ports present', () => {
    expect(fwd('--physdev-is-in')(inOnly)).toBe(true);
    expect(fwd('! --physdev-is-in')(inOnly)).toBe(false);
    expect(fwd('--physdev-is-out')(inOnly)).toBe(false);
    expect(fwd('! --physdev-is-out')(inOnly)).toBe(true);
    expect(fwd('--physdev-is-out')(both)).toBe(true);
    // An out port but no in port.
    const outOnly = pkt(null, 'veth2');
    expect(fwd('--physdev-is-in')(outOnly)).toBe(false);
    expect(fwd('! --physdev-is-in')(outOnly)).toBe(true);
  });

  it('--physdev-in compares names exactly or by + prefix, XOR !', () => {
    expect(fwd('--physdev-in veth1')(both)).toBe(true);
    expect(fwd('--physdev-in veth')(both)).toBe(false);
    expect(fwd('--physdev-in veth+')(both)).toBe(true);
    expect(fwd('--physdev-in vet+')(both)).toBe(true);
    expect(fwd('--physdev-in eth+')(both)).toBe(false);
    expect(fwd('--physdev-in +')(both)).toBe(true);
    expect(fwd('! --physdev-in veth1')(both)).toBe(false);
    expect(fwd('! --physdev-in veth2')(both)).toBe(true);
    expect(fwd('--physdev-in veth10')(both)).toBe(false);
  });

  it('--physdev-in is skipped (passes, even inverted) when the packet has no in port', () => {
    const outOnly = pkt(null, 'veth2');
    expect(fwd('--physdev-in veth1')(outOnly)).toBe(true);
    expect(fwd('! --physdev-in veth1')(outOnly)).toBe(true);
  });

  it('--physdev-out fails without an out port, even inverted', () => {
    expect(fwd('--physdev-out veth2')(both)).toBe(true);
    expect(fwd('! --physdev-out veth2')(both)).toBe(false);
    expect(fwd('! --physdev-out veth3')(both)).toBe(true);
    expect(fwd('--physdev-out veth+')(both)).toBe(true);
    expect(fwd('--physdev-out veth2')(inOnly)).toBe(false);
    expect(fwd('! --physdev-out veth2')(inOnly)).toBe(false);
  });

  it('every option must hold', () => {
    expect(fwd('--physdev-in veth1 --physdev-out veth2 --physdev-is-bridged')(both)).toBe(true);
    expect(fwd('--physdev-in veth1 --physdev-out veth3')(both)).toBe(false);
    expect(fwd('--physdev-in veth9 --physdev-out veth2')(both)).toBe(false);
  });

  it('works the same for IPv6', () => {
    expect(fwd('--physdev-in veth1', 'ipv6')(pkt('veth1', 'veth2', 'ipv6'))).toBe(true);
    expect(fwd('--physdev-in veth1', 'ipv6')(pkt(null, null, 'ipv6'))).toBe(false);
    expect(fwd('! --physdev-in veth1', 'ipv6')(pkt(null, null, 'ipv6'))).toBe(true);
  });

  it('in INPUT, a bridged packet delivered locally has only an in port', () => {
    const m = ruleMatcher('-m physdev --physdev-in veth1 ! --physdev-is-bridged', testContext({ hook: 'INPUT' }));
    expect(m(inOnly)).toBe(true);
  });
});
