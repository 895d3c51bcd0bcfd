/** -m policy packet behaviour (xt_policy.c policy_mt) under natsim's model: no IPsec anywhere. */
import { describe, expect, it } from 'vitest';
import { packet, ruleMatcher, testContext } from '../helpers/engine.js';

const p4 = () => packet({ src: '198.51.100.9', dst: '192.0.2.1', proto: 6, sport: 40000, dport: 22, in: 'eth0' });
const p6 = () => packet({ src: '2001:db8::9', dst: '2001:db8::1', proto: 50, in: 'eth0' });

describe('policy without IPsec state', () => {
  it('--pol none matches every packet, either direction', () => {
    expect(ruleMatcher('-m policy --dir in --pol none', testContext({ hook: 'INPUT' }))(p4())).toBe(true);
    expect(ruleMatcher('-m policy --dir out --pol none', testContext({ hook: 'OUTPUT' }))(p4())).toBe(true);
    expect(ruleMatcher('-m policy --dir in --pol none', testContext({ hook: 'FORWARD' }))(p4())).toBe(true);
  });
  it('--pol ipsec matches no packet, whatever its elements say (ESP packets too)', () => {
    expect(ruleMatcher('-m policy --dir in --pol ipsec', testContext({ hook: 'INPUT' }))(p4())).toBe(false);
    expect(ruleMatcher('-m policy --dir out --pol ipsec --proto esp --mode tunnel --tunnel-dst 203.0.113.1', testContext({ hook: 'POSTROUTING', table: 'mangle' }))(p4())).toBe(false);
    expect(ruleMatcher('-m policy --dir in --pol ipsec --strict ! --spi 0x100 --next --reqid 1', testContext({ hook: 'PREROUTING', table: 'mangle' }))(p4())).toBe(false);
  });
  it('the same for IPv6', () => {
    expect(ruleMatcher('-m policy --dir in --pol none', testContext({ hook: 'INPUT', family: 'ipv6' }))(p6())).toBe(true);
    expect(ruleMatcher('-m policy --dir in --pol ipsec --proto esp', testContext({ hook: 'INPUT', family: 'ipv6' }))(p6())).toBe(false);
  });
});
