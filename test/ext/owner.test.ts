/** -m owner packet behaviour (xt_owner.c owner_mt). */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../../engine/errors.js';
import type { Packet } from '../../engine/packet.js';
import { packet, ruleMatcher, testContext } from '../helpers/engine.js';

function pkt(socket: Packet['socket'], family: 'ipv4' | 'ipv6' = 'ipv4'): Packet {
  const p = family === 'ipv4'
    ? packet({ src: '192.0.2.1', dst: '198.51.100.9', proto: 6, sport: 40000, dport: 80, out: 'eth0' })
    : packet({ src: '2001:db8::1', dst: '2001:db8::9', proto: 6, sport: 40000, dport: 80, out: 'eth0' });
  p.socket = socket;
  return p;
}

const out = (rule: string, family: 'ipv4' | 'ipv6' = 'ipv4') => ruleMatcher(`-m owner ${rule}`, testContext({ hook: 'OUTPUT', family }));

describe('owner without a socket (forwarded or orphaned)', () => {
  const none = pkt(null);
  it('matches only when every given option is inverted', () => {
    expect(out('--uid-owner 0')(none)).toBe(false);
    expect(out('! --uid-owner 0')(none)).toBe(true);
    expect(out('--socket-exists')(none)).toBe(false);
    expect(out('! --socket-exists')(none)).toBe(true);
    expect(out('! --socket-exists ! --uid-owner 5 ! --gid-owner 7')(none)).toBe(true);
    expect(out('! --socket-exists --uid-owner 5')(none)).toBe(false);
  });
  it('--suppl-groups cannot be inverted, so it never matches then', () => {
    expect(out('! --gid-owner 7 --suppl-groups')(none)).toBe(false);
  });
  it('in POSTROUTING a forwarded packet has no socket', () => {
    const m = ruleMatcher('-m owner ! --uid-owner 0', testContext({ hook: 'POSTROUTING', table: 'mangle' }));
    expect(m(none)).toBe(true);
  });
});

describe('owner with a local socket', () => {
  const user = pkt({ uid: 1000, gid: 100 });
  it('--socket-exists, and its inversion fails', () => {
    expect(out('--socket-exists')(user)).toBe(true);
    expect(out('! --socket-exists')(user)).toBe(false);
    expect(out('! --socket-exists ! --uid-owner 0')(user)).toBe(false);
  });
  it('--uid-owner: one id or an inclusive range, XOR !', () => {
    expect(out('--uid-owner 1000')(user)).toBe(true);
    expect(out('--uid-owner 0')(user)).toBe(false);
    expect(out('! --uid-owner 0')(user)).toBe(true);
    expect(out('! --uid-owner 1000')(user)).toBe(false);
    expect(out('--uid-owner 1000-2000')(user)).toBe(true);
    expect(out('--uid-owner 500-1000')(user)).toBe(true);
    expect(out('--uid-owner 1001-2000')(user)).toBe(false);
    expect(out('--uid-owner root')(pkt({ uid: 0, gid: 0 }))).toBe(true);
  });
  it('--gid-owner tests the primary group', () => {
    expect(out('--gid-owner 100')(user)).toBe(true);
    expect(out('--gid-owner users')(user)).toBe(true);
    expect(out('--gid-owner 0-99')(user)).toBe(false);
    expect(out('! --gid-owner 0-99')(user)).toBe(true);
  });
  it('uid and gid must both hold', () => {
    expect(out('--uid-owner 1000 --gid-owner 100')(user)).toBe(true);
    expect(out('--uid-owner 1000 --gid-owner 101')(user)).toBe(false);
    expect(out('--socket-exists --uid-owner 1000 ! --gid-owner 101')(user)).toBe(true);
  });
  it('--suppl-groups: a primary gid in range decides; otherwise natsim stops (groups not modelled)', () => {
    expect(out('--gid-owner 100 --suppl-groups')(user)).toBe(true);
    expect(out('! --gid-owner 100 --suppl-groups')(user)).toBe(false);
    const run = () => out('--gid-owner 27 --suppl-groups')(user);
    expect(run).toThrow(NatsimError);
    expect(run).toThrow(/supplementary groups/);
    // A failing uid test ends the match before the groups are needed.
    expect(out('--uid-owner 0 --gid-owner 27 --suppl-groups')(user)).toBe(false);
  });
  it('works the same for IPv6', () => {
    expect(out('--uid-owner 1000', 'ipv6')(pkt({ uid: 1000, gid: 100 }, 'ipv6'))).toBe(true);
    expect(out('--uid-owner 1000', 'ipv6')(pkt(null, 'ipv6'))).toBe(false);
  });
});
