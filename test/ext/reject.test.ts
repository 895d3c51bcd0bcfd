/** REJECT (IPv4 and IPv6) packet behaviour: the packet the kernel sends, checksums, the no-answer cases, rate limits. */
import { describe, expect, it } from 'vitest';
import { CTINFO, IPS, type ConntrackEntry } from '../../engine/conntrack/entry.js';
import { formatAddr } from '../../engine/net/addr.js';
import { decodePacket, PKT_TYPE, type Packet } from '../../engine/packet.js';
import { ipv4ChecksumOk } from '../../engine/wire/ipv4.js';
import { l4ChecksumOk, parseTcp } from '../../engine/wire/transport.js';
import { parseMac } from '../../engine/wire/ethernet.js';
import { hostFromSpec } from '../../engine/host/host.js';
import { packet, testContext, type TestContext } from '../helpers/engine.js';
import { runRule } from './target-helpers.js';

const ctx4 = (hook: 'INPUT' | 'FORWARD' | 'OUTPUT' = 'INPUT', now = 0) => testContext({ hook, now });
const ctx6 = (hook: 'INPUT' | 'FORWARD' | 'OUTPUT' = 'INPUT', now = 0) => testContext({ family: 'ipv6', hook, now });

function reject(rule: string, p: Packet, c: TestContext): Packet | null {
  const r = runRule(rule, p, c);
  expect(r.verdict).toBe('DROP');
  expect(c.emitted.length).toBeLessThanOrEqual(1);
  const out = c.emitted[0];
  return out ? decodePacket(p.family, out) : null;
}

function checksumsOk(q: Packet): boolean {
  const l4ok = l4ChecksumOk(q.family, q.proto, q.src, q.dst, q.data, q.l4Offset, q.data.length);
  return (q.family === 'ipv6' || ipv4ChecksumOk(q.data)) && l4ok;
}

describe('REJECT (IPv4) ICMP errors', () => {
  it('port-unreachable to a local address: source = original destination, TOS | 0xC0, TTL 64, datagram quoted', () => {
    const p = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 17, sport: 40001, dport: 5353, tos: 0x1c, payload: new Uint8Array(5), in: 'eth0' });
    const q = reject('-p udp -j REJECT', p, ctx4())!;
    expect(formatAddr('ipv4', q.src)).toBe('192.0.2.1');
    expect(formatAddr('ipv4', q.dst)).toBe('198.51.100.7');
    expect(q.tos).toBe(0xdc);
    expect(q.ttl).toBe(64);
    expect(q.data[6]! & 0x40).toBe(0);
    expect(q.length).toBe(20 + 8 + 33);
    expect(q.l4).toMatchObject({ kind: 'icmp', h: { type: 3, code: 3, rest: 0 } });
    expect(Array.from(q.data.subarray(28))).toEqual(Array.from(p.data));
    expect(checksumsOk(q)).toBe(true);
  });

  it('each --reject-with type gives its code', () => {
    const codes: Record<string, number> = { 'icmp-net-unreachable': 0, 'icmp-host-unreachable': 1, 'icmp-proto-unreachable': 2, 'icmp-net-prohibited': 9, 'icmp-host-prohibited': 10, 'icmp-admin-prohibited': 13 };
    for (const [name, code] of Object.entries(codes)) {
      const p = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 1, dport: 22, in: 'eth0' });
      const q = reject(`-j REJECT --reject-with ${name}`, p, ctx4())!;
      expect(q.l4).toMatchObject({ kind: 'icmp', h: { type: 3, code } });
    }
  });

  it('forwarded packet: source chosen by the route back; quote cut to 576 bytes', () => {
    const p = packet({ src: '198.51.100.7', dst: '203.0.113.9', proto: 17, sport: 1, dport: 2, payload: new Uint8Array(1000), in: 'eth1', out: 'eth0' });
    const q = reject('-j REJECT', p, ctx4('FORWARD'))!;
    expect(formatAddr('ipv4', q.src)).toBe('198.51.100.1');
    expect(q.length).toBe(576);
    expect(checksumsOk(q)).toBe(true);
  });

  it('nothing for a non-first fragment, a bad checksum, a broadcast, an ICMP error, or a link broadcast', () => {
    const frag = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    frag.data[6] = 0; frag.data[7] = 10; // offset 80 bytes; the header checksum is not looked at here
    expect(reject('-j REJECT', decodePacket('ipv4', frag.data), ctx4())).toBeNull();
    const bad = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    bad.data[27] ^= 0xff;
    expect(reject('-j REJECT', bad, ctx4())).toBeNull();
    // The same bad checksum from a local socket (OUTPUT) is not checked.
    const badOut = packet({ src: '192.0.2.1', dst: '198.51.100.7', proto: 17, sport: 1, dport: 2, out: 'eth0' });
    badOut.data[27] ^= 0xff;
    expect(reject('-j REJECT', badOut, ctx4('OUTPUT'))).not.toBeNull();
    // A UDP checksum of 0 means none: not verified.
    const noCsum = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    noCsum.data[26] = 0; noCsum.data[27] = 0;
    expect(reject('-j REJECT', noCsum, ctx4())).not.toBeNull();
    expect(reject('-j REJECT', packet({ src: '198.51.100.7', dst: '192.0.2.255', proto: 17, sport: 1, dport: 2, in: 'eth0' }), ctx4())).toBeNull();
    const inner = packet({ src: '192.0.2.1', dst: '198.51.100.7', proto: 17, sport: 1, dport: 2 });
    expect(reject('-j REJECT', packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 1, icmpType: 3, icmpCode: 1, payload: inner.data, in: 'eth0' }), ctx4())).toBeNull();
    expect(reject('-j REJECT', packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 1, icmpType: 8, in: 'eth0' }), ctx4())).not.toBeNull();
    const l2bc = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    l2bc.link = { dst: parseMac('ff:ff:ff:ff:ff:ff')!, src: parseMac('02:00:00:00:00:09')!, vlans: [], ethertype: 0x0800, payloadOffset: 14 };
    l2bc.pktType = PKT_TYPE.BROADCAST;
    expect(reject('-j REJECT', l2bc, ctx4())).toBeNull();
  });

  it('rate limits: 6 errors to one destination at once, then one per second; others unaffected', () => {
    const c = ctx4('INPUT');
    const mk = (src: string) => packet({ src, dst: '192.0.2.1', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    let sent = 0;
    for (let i = 0; i < 10; i++) { c.emitted.length = 0; runRule('-j REJECT', mk('198.51.100.7'), c); sent += c.emitted.length; }
    expect(sent).toBe(6);
    c.emitted.length = 0;
    runRule('-j REJECT', mk('198.51.100.8'), c);
    expect(c.emitted.length).toBe(1);
    c.now = 1000; c.emitted.length = 0;
    runRule('-j REJECT', mk('198.51.100.7'), c);
    runRule('-j REJECT', mk('198.51.100.7'), c);
    expect(c.emitted.length).toBe(1);
  });
});

describe('REJECT (IPv6) rate limit', () => {
  it('6 errors to one destination at once, then one per 100 ms whatever the route\'s prefix (net.ipv6.icmp.ratelimit, Linux 6.18.44)', () => {
    const c = ctx6('INPUT');
    const mk = (src: string) => packet({ src, dst: '2001:db8::1', proto: 17, sport: 1, dport: 2, in: 'eth0' });
    const burst = (src: string, n: number): number => {
      let sent = 0;
      for (let i = 0; i < n; i++) { c.emitted.length = 0; runRule('-j REJECT', mk(src), c); sent += c.emitted.length; }
      return sent;
    };
    // 2001:db8::7 is on eth0's /64; before upstream 0201eedb69b2 that prefix gave 250 ms.
    expect(burst('2001:db8::7', 7)).toBe(6);
    c.now = 100;
    expect(burst('2001:db8::7', 3)).toBe(1);
    c.now = 700;
    expect(burst('2001:db8::7', 7)).toBe(6);
  });
});

describe('REJECT (IPv4) tcp-reset', () => {
  it('answers a SYN with RST+ACK, ack = seq + 1, DF, id 0, window 0', () => {
    const p = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 40000, dport: 22, tcpFlags: 0x02, seq: 1000, in: 'eth0' });
    const q = reject('-p tcp -j REJECT --reject-with tcp-reset', p, ctx4())!;
    expect(formatAddr('ipv4', q.src)).toBe('192.0.2.1');
    expect(formatAddr('ipv4', q.dst)).toBe('198.51.100.7');
    expect(q.ipId).toBe(0);
    expect(q.data[6]! & 0x40).toBe(0x40);
    expect(q.tos).toBe(0);
    expect(q.length).toBe(40);
    expect(q.l4).toMatchObject({ kind: 'tcp', h: { sport: 22, dport: 40000, seq: 0, ack: 1001, flags: 0x14, window: 0, headerLength: 20 } });
    expect(checksumsOk(q)).toBe(true);
  });

  it('an ACK segment with data gets seq = its ack and no ACK flag; data and FIN count otherwise', () => {
    const p = packet({ src: '198.51.100.7', dst: '203.0.113.9', proto: 6, sport: 40000, dport: 80, tcpFlags: 0x18, seq: 5, ack: 777, payload: new Uint8Array(10), in: 'eth1' });
    const q = reject('-p tcp -j REJECT --reject-with tcp-reset', p, ctx4('FORWARD'))!;
    expect(formatAddr('ipv4', q.src)).toBe('203.0.113.9');
    expect(q.l4).toMatchObject({ kind: 'tcp', h: { seq: 777, ack: 0, flags: 0x04 } });
    const fin = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2, tcpFlags: 0x01, seq: 0xffffffff, payload: new Uint8Array(3), in: 'eth0' });
    const r = reject('-p tcp -j REJECT --reject-with tcp-reset', fin, ctx4())!;
    expect(r.l4).toMatchObject({ kind: 'tcp', h: { seq: 0, ack: 3, flags: 0x14 } });
  });

  it('nothing in answer to a RST, a bad checksum or a broadcast; the connection is set to CLOSE', () => {
    expect(reject('-p tcp -j REJECT --reject-with tcp-reset', packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2, tcpFlags: 0x04, in: 'eth0' }), ctx4())).toBeNull();
    const bad = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2, in: 'eth0' });
    bad.data[36] ^= 1;
    expect(reject('-p tcp -j REJECT --reject-with tcp-reset', bad, ctx4())).toBeNull();
    const p = packet({ src: '198.51.100.7', dst: '192.0.2.1', proto: 6, sport: 1, dport: 2, tcpFlags: 0x10, in: 'eth0' });
    const tcpState = { kind: 'tcp', state: 3 } as unknown as ConntrackEntry['proto'];
    const ct = { id: 1, status: IPS.CONFIRMED, mark: 0, timeout: 999_999_999, proto: tcpState } as unknown as ConntrackEntry;
    p.ct = ct; p.ctinfo = CTINFO.ESTABLISHED;
    const c = ctx4('INPUT', 5000);
    expect(reject('-p tcp -j REJECT --reject-with tcp-reset', p, c)).not.toBeNull();
    expect((ct.proto as { state: number }).state).toBe(8);
    expect(ct.timeout).toBe(15_000);
  });
});

describe('REJECT (IPv6)', () => {
  it('port-unreachable: ICMPv6 1/4 from the local destination, quoting the datagram, checksum right', () => {
    const p = packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 17, sport: 5000, dport: 53, in: 'eth0' });
    const q = reject('-j REJECT', p, ctx6())!;
    expect(formatAddr('ipv6', q.src)).toBe('2001:db8::1');
    expect(formatAddr('ipv6', q.dst)).toBe('2001:db8::7');
    expect(q.ttl).toBe(64);
    expect(q.tos).toBe(0);
    expect(q.l4).toMatchObject({ kind: 'icmp', h: { type: 1, code: 4 } });
    expect(q.length).toBe(40 + 8 + p.length);
    expect(checksumsOk(q)).toBe(true);
  });

  it('codes, 1280-byte limit, and no error to a multicast destination or in answer to an ICMPv6 error', () => {
    const codes: Record<string, number> = { 'icmp6-no-route': 0, 'icmp6-adm-prohibited': 1, 'icmp6-addr-unreachable': 3, 'icmp6-policy-fail': 5, 'icmp6-reject-route': 6 };
    for (const [name, code] of Object.entries(codes)) {
      const q = reject(`-j REJECT --reject-with ${name}`, packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 17, sport: 1, dport: 2, in: 'eth0' }), ctx6())!;
      expect(q.l4).toMatchObject({ kind: 'icmp', h: { type: 1, code } });
    }
    const big = reject('-j REJECT', packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 17, sport: 1, dport: 2, payload: new Uint8Array(3000), in: 'eth0' }), ctx6())!;
    expect(big.length).toBe(1280);
    expect(reject('-j REJECT', packet({ src: '2001:db8::7', dst: 'ff02::1', proto: 17, sport: 1, dport: 2, in: 'eth0' }), ctx6())).toBeNull();
    expect(reject('-j REJECT', packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 58, icmpType: 1, in: 'eth0' }), ctx6())).toBeNull();
    expect(reject('-j REJECT', packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 58, icmpType: 128, in: 'eth0' }), ctx6())).not.toBeNull();
  });

  it('tcp-reset: RST+ACK from the original destination, hop limit 64, flow label 0', () => {
    const p = packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 6, sport: 40000, dport: 443, tcpFlags: 0x02, seq: 41, in: 'eth0' });
    const q = reject('-p tcp -j REJECT --reject-with tcp-reset', p, ctx6())!;
    expect(formatAddr('ipv6', q.src)).toBe('2001:db8::1');
    expect(q.length).toBe(60);
    expect(q.data[1]! & 0x0f).toBe(0);
    expect(parseTcp(q.data, 40)).toMatchObject({ sport: 443, dport: 40000, seq: 0, ack: 42, flags: 0x14, window: 0 });
    expect(checksumsOk(q)).toBe(true);
    expect(reject('-p tcp -j REJECT --reject-with tcp-reset', packet({ src: '2001:db8::7', dst: '2001:db8::1', proto: 6, sport: 1, dport: 2, tcpFlags: 0x14, in: 'eth0' }), ctx6())).toBeNull();
  });

  it('no reset to or from an IPv4-mapped address (ipv6_addr_type: MAPPED, not UNICAST); an IPv4-compatible one is unicast', () => {
    // A node with a default route: every source has a route back.
    const host = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }, { name: 'wan0', addrs: ['2001:db8:20::1/64'] }], routes: ['default via 2001:db8:20::2 dev wan0'], forwarding: true });
    const rst = (src: string, dst: string) => reject('-p tcp -j REJECT --reject-with tcp-reset', packet({ src, dst, proto: 6, sport: 40000, dport: 443, tcpFlags: 0x02, in: 'wan0' }), testContext({ family: 'ipv6', hook: 'FORWARD', host }));
    expect(rst('::ffff:10.1.2.3', '2001:db8:10::9')).toBeNull();
    expect(rst('2001:db8:40::7', '::ffff:10.1.2.3')).toBeNull();
    expect(rst('::10.1.2.3', '2001:db8:10::9')).not.toBeNull();
    expect(rst('2001:db8:40::7', '2001:db8:10::9')).not.toBeNull();
  });

  it('an error about a packet to a subnet-router anycast address the node joined comes from that address (icmp6_send, ipv6_chk_acast_addr_src)', () => {
    const router = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }, { name: 'wan0', addrs: ['2001:db8:20::1/64'] }], routes: ['default via 2001:db8:20::2 dev wan0'], forwarding: true });
    const toAnycast = () => packet({ src: '2001:db8:10::7', dst: '2001:db8:20::', proto: 17, sport: 5000, dport: 53, in: 'lan0' });
    const q = reject('-j REJECT', toAnycast(), testContext({ family: 'ipv6', host: router }))!;
    expect(formatAddr('ipv6', q.src)).toBe('2001:db8:20::');
    expect(checksumsOk(q)).toBe(true);
    // A node that does not forward has joined no such address: the route back's source answers.
    const host = hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }, { name: 'wan0', addrs: ['2001:db8:20::1/64'] }], routes: ['default via 2001:db8:20::2 dev wan0'], forwarding: false });
    expect(formatAddr('ipv6', reject('-j REJECT', toAnycast(), testContext({ family: 'ipv6', host }))!.src)).toBe('2001:db8:10::1');
  });
});
