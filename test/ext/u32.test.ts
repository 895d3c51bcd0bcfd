/** -m u32 packet behaviour (xt_u32.c u32_match_it); the IPv4 cases were also run on a real kernel. */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../../engine/errors.js';
import { buildPacketBytes, decodePacket, type Packet } from '../../engine/packet.js';
import { addr, packet, ruleMatcher, testContext } from '../helpers/engine.js';

const abcd = Uint8Array.from(Buffer.from('abcd'));
/** 32-byte UDP datagram 1000 → 2000 with payload "abcd" at 28. */
const udp4 = (): Packet => packet({ src: '127.0.0.1', dst: '127.0.0.1', proto: 17, sport: 1000, dport: 2000, payload: abcd });
const udp6 = (): Packet => packet({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 1000, dport: 2000, payload: abcd });

function m(expr: string, family: 'ipv4' | 'ipv6' = 'ipv4', invert = false) {
  const c = testContext({ family });
  const run = ruleMatcher(`-m u32 ${invert ? '! ' : ''}--u32 "${expr}"`, c);
  return (p: Packet): boolean => {
    const r = run(p);
    expect(c.dropped).toBe(false);
    return r;
  };
}

describe('u32: locations and operators', () => {
  it('reads big-endian words from the IP header on', () => {
    expect(m('0>>28=4')(udp4())).toBe(true);
    expect(m('0=0x45000020')(udp4())).toBe(true);
    expect(m('6&0xFF=17')(udp4())).toBe(true);
    expect(m('6&0xFF=6')(udp4())).toBe(false);
  });
  it('@ moves the base: the IHL-derived transport header, then an offset in it', () => {
    expect(m('0>>22&0x3C@0>>16=1000')(udp4())).toBe(true);
    expect(m('0>>22&0x3C@0&0xFFFF=2000')(udp4())).toBe(true);
    expect(m('0>>22&0x3C@8=0x61626364')(udp4())).toBe(true);
  });
  it('<< and & combine left to right', () => {
    expect(m('0<<4&0xF0000000=0x50000000')(udp4())).toBe(true);
    expect(m('0<<8>>24=0')(udp4())).toBe(true);
  });
  it('values: one of the ranges, inclusive; a range with min > max never holds', () => {
    expect(m('0>>28=1:3,4')(udp4())).toBe(true);
    expect(m('0>>28=5:9')(udp4())).toBe(false);
    expect(m('0>>28=4:4')(udp4())).toBe(true);
    expect(m('0>>28=5:1')(udp4())).toBe(false);
  });
  it('every test joined by && must hold', () => {
    expect(m('0>>28=4&&6&0xff=17')(udp4())).toBe(true);
    expect(m('0>>28=4&&6&0xff=6')(udp4())).toBe(false);
  });
  it('! inverts the whole match', () => {
    expect(m('0>>28=4', 'ipv4', true)(udp4())).toBe(false);
    expect(m('0>>28=6', 'ipv4', true)(udp4())).toBe(true);
  });
});

describe('u32: reads past the end fail the match, never hot-drop', () => {
  it('the last whole word of a 32-byte packet is at 28', () => {
    expect(m('28=0x61626364')(udp4())).toBe(true);
    expect(m('29=0:0xffffffff')(udp4())).toBe(false);
    expect(m('29=0:0xffffffff', 'ipv4', true)(udp4())).toBe(true);
    expect(m('0xffffffff=0:0xffffffff')(udp4())).toBe(false);
  });
  it('after @, base + 4 and base + offset + 4 must fit', () => {
    expect(m('0>>22&0x3C@9=0:0xffffffff')(udp4())).toBe(false);
    // The first word (0x45000020) as a base is far past the end.
    expect(m('0@0=0:0xffffffff')(udp4())).toBe(false);
    // A base that would wrap past 2^32: 20 + 0xffffffff (read from the payload).
    const ff = packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, payload: Uint8Array.of(0xff, 0xff, 0xff, 0xff) });
    expect(m('0>>22&0x3C@8=0xffffffff')(ff)).toBe(true);
    expect(m('0>>22&0x3C@8@0=0:0xffffffff')(ff)).toBe(false);
  });
  it('counts skb->len, not link padding after the datagram', () => {
    const full = buildPacketBytes({ src: addr('10.0.0.1'), dst: addr('10.0.0.2'), proto: 17, sport: 1, dport: 2, payload: abcd });
    const padded = new Uint8Array(full.length + 8);
    padded.set(full);
    const p = decodePacket('ipv4', padded);
    expect(m('28=0x61626364')(p)).toBe(true);
    expect(m('32=0')(p)).toBe(false);
  });
});

describe('u32: shift counts of 32 or more', () => {
  it('are refused when the table is committed, as Linux 6.18 refuses them (Invalid argument); 31 is taken', () => {
    for (const expr of ['0<<32=0', '0>>33=0', '0=1&&4&0xff>>0x40=0']) {
      expect(() => m(expr)).toThrow(/COMMIT refused: .*u32: a shift by \d+ \((<<|>>)\): the kernel refuses shifts of 32 or more/);
    }
    expect(m('0>>31=0')(udp4())).toBe(true);
    expect(m('0<<31=0x80000000')(udp4())).toBe(false);
    // @ by 32 is an offset, not a shift.
    expect(m('0&0xff@32>>3=0')(udp4())).toBeTypeOf('boolean');
  });
});

describe('u32: other packets', () => {
  it('IPv6: offsets from the IPv6 header', () => {
    expect(m('0>>28=6', 'ipv6')(udp6())).toBe(true);
    expect(m('4>>8&0xff=17', 'ipv6')(udp6())).toBe(true);
    expect(m('40>>16=1000', 'ipv6')(udp6())).toBe(true);
    expect(m('48=0x61626364', 'ipv6')(udp6())).toBe(true);
    expect(m('49=0:0xffffffff', 'ipv6')(udp6())).toBe(false);
  });
  it('a non-first fragment is read like any packet', () => {
    const p = udp4();
    p.fragOffset = 8;
    p.l4Offset = -1;
    expect(m('28=0x61626364')(p)).toBe(true);
  });
  it('a capture cut short: reads inside it answer, reads past it stop loudly', () => {
    const full = buildPacketBytes({ src: addr('10.0.0.1'), dst: addr('10.0.0.2'), proto: 17, sport: 1, dport: 2, payload: abcd });
    const p = decodePacket('ipv4', full.slice(0, 28), full.length);
    expect(m('0>>28=4')(p)).toBe(true);
    expect(m('32=0')(p)).toBe(false);
    const run = () => m('28=0x61626364')(p);
    expect(run).toThrow(NatsimError);
    expect(run).toThrow(/-m u32 needs bytes 28-31 of a 32-byte packet/);
  });
});
