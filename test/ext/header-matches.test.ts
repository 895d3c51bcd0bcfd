/**
 * Packet behaviour of the IP-header and link-type matches: length, ttl, hl, tos, dscp, pkttype
 * (xt_length.c, xt_hl.c, xt_dscp.c, xt_pkttype.c).
 */
import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../engine/conntrack/entry.js';
import type { Packet } from '../../engine/packet.js';
import { addr } from '../helpers/engine.js';
import { ip, ipv4, ipv6, outcome, udpBytes } from '../helpers/raw-ip.js';
import { packetType } from '../../engine/ext/match/pkttype.js';
import { testContext } from '../helpers/engine.js';

describe('length', () => {
  it('IPv4: the total length field within the range, XOR !', () => {
    const p = ipv4(17, udpBytes());
    expect(p.length).toBe(28);
    expect(outcome('-m length --length 28', p)).toBe('match');
    expect(outcome('-m length --length 29', p)).toBe('no');
    expect(outcome('-m length --length 0:28', p)).toBe('match');
    expect(outcome('-m length --length 0:27', p)).toBe('no');
    expect(outcome('-m length --length 28:', p)).toBe('match');
    expect(outcome('-m length ! --length 29:', p)).toBe('match');
    expect(outcome('-m length ! --length 28', p)).toBe('no');
    // min > max holds nothing.
    expect(outcome('-m length --length 100:20', p)).toBe('no');
    expect(outcome('-m length ! --length 100:20', p)).toBe('match');
  });

  it('IPv6: the payload length + 40 (65575 at most, above any 16-bit max)', () => {
    const p = ipv6(17, udpBytes());
    expect(outcome('-m length --length 48', p)).toBe('match');
    expect(outcome('-m length --length 8', p)).toBe('no');
    const big = ipv6(17, udpBytes(), { lengthField: 65535 });
    expect(outcome('-m length --length 0:65535', big)).toBe('no');
    expect(outcome('-m length ! --length 0:65535', big)).toBe('match');
  });

  it('counts fragments by their own length', () => {
    expect(outcome('-m length --length 28', ipv4(17, udpBytes(), { fragOffset: 64 }))).toBe('match');
  });
});

describe('ttl (IPv4) and hl (IPv6)', () => {
  const cases: [string, boolean][] = [
    ['eq 64', true], ['eq 63', false], ['lt 65', true], ['lt 64', false], ['gt 63', true], ['gt 64', false],
  ];
  it('ttl compares the header TTL', () => {
    const p = ipv4(17, udpBytes(), { ttl: 64 });
    for (const [c, want] of cases) {
      const [mode, v] = c.split(' ');
      expect(outcome(`-m ttl --ttl-${mode} ${v}`, p), c).toBe(want ? 'match' : 'no');
    }
    expect(outcome('-m ttl ! --ttl-eq 64', p)).toBe('no');
    expect(outcome('-m ttl ! --ttl-eq 63', p)).toBe('match');
    expect(outcome('-m ttl --ttl 64', p)).toBe('match');
    expect(outcome('-m ttl --ttl-lt 1', ipv4(17, udpBytes(), { ttl: 0 }))).toBe('match');
    expect(outcome('-m ttl --ttl-gt 254', ipv4(17, udpBytes(), { ttl: 255 }))).toBe('match');
  });

  it('hl compares the header hop limit', () => {
    const p = ipv6(17, udpBytes(), { ttl: 64 });
    for (const [c, want] of cases) {
      const [mode, v] = c.split(' ');
      expect(outcome(`-m hl --hl-${mode} ${v}`, p), c).toBe(want ? 'match' : 'no');
    }
    expect(outcome('-m hl ! --hl-eq 64', p)).toBe('no');
    expect(outcome('-m hl ! --hl-eq 1', p)).toBe('match');
    expect(outcome('-m hl --hl 64', p)).toBe('match');
    expect(outcome('-m hl --hl-eq 255', ipv6(17, udpBytes(), { ttl: 255 }))).toBe('match');
  });
});

describe('tos', () => {
  for (const fam of ['ipv4', 'ipv6'] as const) {
    it(`${fam}: (dsfield & mask) == value, XOR !`, () => {
      const p = (tos: number) => ip(fam, 17, udpBytes(), { tos });
      expect(outcome('-m tos --tos 0x10', p(0x10))).toBe('match');
      // A number alone has mask 0xff: ECN bits count.
      expect(outcome('-m tos --tos 0x10', p(0x11))).toBe('no');
      expect(outcome('-m tos --tos 0x10/0xfc', p(0x11))).toBe('match');
      // Names have mask 0x3f: precedence bits do not count.
      expect(outcome('-m tos --tos Minimize-Delay', p(0xd0))).toBe('match');
      expect(outcome('-m tos --tos Minimize-Delay', p(0x11))).toBe('no');
      expect(outcome('-m tos --tos Normal-Service', p(0xc0))).toBe('match');
      expect(outcome('-m tos ! --tos 0x10', p(0x10))).toBe('no');
      expect(outcome('-m tos ! --tos 0x10', p(0xb8))).toBe('match');
      expect(outcome('-m tos --tos 0xb8', p(0xb8))).toBe('match');
      expect(outcome('-m tos --tos 0xff', p(0xff))).toBe('match');
      // A value with bits outside the mask never matches.
      expect(outcome('-m tos --tos 0x11/0x10', p(0x11))).toBe('no');
    });

    it(`${fam}: dscp is the DS field >> 2 (ECN bits ignored)`, () => {
      const p = (tos: number) => ip(fam, 17, udpBytes(), { tos });
      expect(outcome('-m dscp --dscp 0x2e', p(0xb8))).toBe('match');
      expect(outcome('-m dscp --dscp 46', p(0xbb))).toBe('match');
      expect(outcome('-m dscp --dscp-class EF', p(0xb8))).toBe('match');
      expect(outcome('-m dscp --dscp-class AF41', p(0xb8))).toBe('no');
      expect(outcome('-m dscp --dscp-class AF41', p(0x88))).toBe('match');
      expect(outcome('-m dscp ! --dscp 46', p(0xb8))).toBe('no');
      expect(outcome('-m dscp ! --dscp 46', p(0x00))).toBe('match');
      expect(outcome('-m dscp --dscp 0', p(0x03))).toBe('match');
      expect(outcome('-m dscp --dscp 63', p(0xfc))).toBe('match');
    });
  }
});

describe('pkttype', () => {
  const v4 = (dst: string) => ipv4(17, udpBytes(), { dst });
  const v6 = (dst: string) => ipv6(17, udpBytes(), { dst });
  const typeOf = (p: Packet, hook: 'INPUT' | 'OUTPUT' | 'POSTROUTING' | 'PREROUTING' | 'FORWARD' = 'INPUT'): number =>
    packetType(p, testContext({ family: p.family, hook }));
  const ether = (p: Packet, mac: string): Packet => {
    const dst = Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16)));
    p.link = { dst, src: Uint8Array.from([2, 0, 0, 0, 0, 9]), vlans: [], ethertype: p.family === 'ipv4' ? 0x0800 : 0x86dd, payloadOffset: 14 };
    return p;
  };

  it('received without a link header: from the destination address', () => {
    expect(typeOf(v4('192.0.2.1'))).toBe(0);
    expect(typeOf(v4('10.9.8.7'))).toBe(0);
    expect(typeOf(v4('224.0.0.1'))).toBe(2);
    expect(typeOf(v4('239.255.255.250'))).toBe(2);
    expect(typeOf(v4('255.255.255.255'))).toBe(1);
    // Subnet broadcasts of this node's interfaces (192.0.2.1/24, 198.51.100.1/24).
    expect(typeOf(v4('192.0.2.255'))).toBe(1);
    expect(typeOf(v4('198.51.100.255'))).toBe(1);
    // Another network's broadcast address is just an address here.
    expect(typeOf(v4('10.0.0.255'))).toBe(0);
    expect(typeOf(v6('ff02::1'))).toBe(2);
    expect(typeOf(v6('ff05::1:3'))).toBe(2);
    expect(typeOf(v6('2001:db8::1'))).toBe(0);
  });

  it('the rule: unicast/host, broadcast/bcast, multicast/mcast, and inversion', () => {
    expect(outcome('-m pkttype --pkt-type unicast', v4('192.0.2.1'))).toBe('match');
    expect(outcome('-m pkttype --pkt-type host', v4('192.0.2.1'))).toBe('match');
    expect(outcome('-m pkttype --pkt-type broadcast', v4('192.0.2.1'))).toBe('no');
    expect(outcome('-m pkttype --pkt-type broadcast', v4('255.255.255.255'))).toBe('match');
    expect(outcome('-m pkttype --pkt-type bcast', v4('192.0.2.255'))).toBe('match');
    expect(outcome('-m pkttype ! --pkt-type broadcast', v4('192.0.2.255'))).toBe('no');
    expect(outcome('-m pkttype --pkt-type multicast', v4('224.0.0.251'))).toBe('match');
    expect(outcome('-m pkttype ! --pkt-type unicast', v4('224.0.0.251'))).toBe('match');
    expect(outcome('-m pkttype --pkt-type mcast', v6('ff02::fb'))).toBe('match');
    expect(outcome('-m pkttype --pkt-type unicast', v6('ff02::fb'))).toBe('no');
  });

  it('received with an Ethernet header: from the destination MAC', () => {
    expect(typeOf(ether(v4('192.0.2.1'), 'ff:ff:ff:ff:ff:ff'))).toBe(1);
    expect(typeOf(ether(v4('192.0.2.1'), '01:00:5e:00:00:fb'))).toBe(2);
    expect(typeOf(ether(v6('2001:db8::1'), '33:33:00:00:00:01'))).toBe(2);
    expect(typeOf(ether(v4('255.255.255.255'), '02:00:00:00:00:01'))).toBe(0);
    // A unicast MAC that is not ours would be OTHERHOST, which never reaches a hook as such.
    expect(typeOf(ether(v4('192.0.2.1'), '02:99:99:99:99:99'))).toBe(0);
  });

  it('otherhost never matches; its inversion always does', () => {
    for (const p of [v4('192.0.2.1'), v4('255.255.255.255'), ether(v4('192.0.2.1'), '02:99:99:99:99:99'), v6('ff02::1')]) {
      expect(outcome('-m pkttype --pkt-type otherhost', p)).toBe('no');
      expect(outcome('-m pkttype ! --pkt-type otherhost', p)).toBe('match');
    }
  });

  it('packets the node sends are PACKET_HOST at OUTPUT and POSTROUTING, whatever the destination', () => {
    for (const p of [v4('255.255.255.255'), v4('192.0.2.255'), v4('224.0.0.1'), v6('ff02::1')]) {
      expect(typeOf(p, 'OUTPUT')).toBe(0);
      expect(typeOf(p, 'POSTROUTING')).toBe(0);
      expect(outcome('-m pkttype --pkt-type unicast', p, { hook: 'OUTPUT' })).toBe('match');
      expect(outcome('-m pkttype --pkt-type unicast', p, { hook: 'POSTROUTING', table: 'mangle' })).toBe('match');
    }
    // A forwarded packet (it has an in device) keeps the type it arrived with.
    const fwd = v4('224.0.0.1');
    fwd.inIface = 'eth0';
    expect(typeOf(fwd, 'POSTROUTING')).toBe(2);
  });

  it('the type is fixed on arrival: after DNAT the conntrack tuple gives the arrival address', () => {
    const p = v4('192.0.2.255');
    const tuple0 = { dst: addr('192.0.2.255') };
    const tuple1 = { dst: addr('198.51.100.7') };
    p.ct = { tuple: [tuple0, tuple1] } as unknown as ConntrackEntry;
    p.ctinfo = 2;
    p.dst = addr('192.0.2.1');
    expect(typeOf(p)).toBe(1);
    // A reply arrives with the reply tuple's destination.
    p.ctinfo = 3;
    p.dst = addr('255.255.255.255');
    expect(typeOf(p)).toBe(0);
    // RELATED (an ICMP error) uses the packet's own destination.
    p.ctinfo = 1;
    expect(typeOf(p)).toBe(1);
  });
});
