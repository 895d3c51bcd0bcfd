/** Wire formats: header parse/emit round trips, checksums and RFC 1624 incremental updates. */
import { describe, expect, it } from 'vitest';
import { adjust16, adjust32, finish, sumBytes } from '../engine/wire/checksum.js';
import { emitEthernet, formatMac, parseEthernet, parseMac } from '../engine/wire/ethernet.js';
import { emitIpv4, ipv4ChecksumOk, parseIpv4, readU16, writeU16, writeU32, type Ipv4Header } from '../engine/wire/ipv4.js';
import { emitIpv6, parseIpv6 } from '../engine/wire/ipv6.js';
import { crc32c, emitTcp, emitUdp, fillL4Checksum, l4ChecksumOk, parseTcp, parseUdp, TCP_FLAG } from '../engine/wire/transport.js';
import { parseIPv6 } from '../engine/net/addr.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((x) => parseInt(x, 16)));

describe('IPv4', () => {
  // The classic example header (checksum 0xb861).
  const bytes = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
  it('parses every field and verifies the checksum', () => {
    const h = parseIpv4(bytes) as Ipv4Header;
    expect(h).toMatchObject({ headerLength: 20, tos: 0, totalLength: 0x73, id: 0, df: true, mf: false, fragOffset: 0, ttl: 64, protocol: 17, checksum: 0xb861, src: 0xc0a80001, dst: 0xc0a800c7 });
    expect(ipv4ChecksumOk(bytes)).toBe(true);
  });
  it('emits the same bytes, filling the checksum', () => {
    const out = new Uint8Array(20);
    emitIpv4(parseIpv4(bytes) as Ipv4Header, out);
    expect(out).toEqual(bytes);
  });
  it('reports truncated and malformed headers', () => {
    expect(parseIpv4(bytes.subarray(0, 19))).toBe('truncated');
    expect(parseIpv4(hex('6500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7'))).toBe('version');
    expect(parseIpv4(hex('4400 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7'))).toBe('header-length');
  });
  it('RFC 1624 incremental updates equal a full recomputation', () => {
    const b = bytes.slice();
    const old = 0xc0a800c7, now = 0x0af40005;
    const c = adjust32(readU16(b, 10), old, now);
    writeU32(b, 16, now);
    writeU16(b, 10, 0);
    expect(c).toBe(finish(sumBytes(b, 0, 20)));
    const t = adjust16(0x1234, 0x0035, 0x1f90);
    expect(adjust16(t, 0x1f90, 0x0035)).toBe(0x1234);
  });
});

describe('UDP and TCP', () => {
  function udpPacket(): Uint8Array {
    const b = new Uint8Array(20 + 8 + 4);
    emitIpv4({ headerLength: 20, tos: 0, totalLength: 32, id: 1, reserved: false, df: false, mf: false, fragOffset: 0, ttl: 64, protocol: 17, checksum: 0, src: 0xac120064, dst: 0x0a60000a, options: new Uint8Array() }, b);
    emitUdp({ sport: 40000, dport: 53, length: 12, checksum: 0 }, b, 20);
    b.set([1, 2, 3, 4], 28);
    return b;
  }
  it('fills and verifies the UDP checksum with the pseudo-header', () => {
    const b = udpPacket();
    fillL4Checksum('ipv4', 17, [0xac120064], [0x0a60000a], b, 20, 32);
    expect(readU16(b, 26)).not.toBe(0);
    expect(l4ChecksumOk('ipv4', 17, [0xac120064], [0x0a60000a], b, 20, 32)).toBe(true);
    b[31] ^= 1;
    expect(l4ChecksumOk('ipv4', 17, [0xac120064], [0x0a60000a], b, 20, 32)).toBe(false);
  });
  it('a zero UDP checksum over IPv4 means none', () => {
    const b = udpPacket();
    expect(l4ChecksumOk('ipv4', 17, [0xac120064], [0x0a60000a], b, 20, 32)).toBe(true);
    expect(parseUdp(b, 20)).toEqual({ sport: 40000, dport: 53, length: 12, checksum: 0 });
  });
  it('NAT-style incremental update of the UDP checksum (address in the pseudo-header, port in the header)', () => {
    const b = udpPacket();
    fillL4Checksum('ipv4', 17, [0xac120064], [0x0a60000a], b, 20, 32);
    let c = readU16(b, 26);
    c = adjust32(c, 0x0a60000a, 0x0af40005);
    c = adjust16(c, 53, 5353);
    writeU16(b, 22, 5353);
    writeU16(b, 26, c);
    expect(l4ChecksumOk('ipv4', 17, [0xac120064], [0x0af40005], b, 20, 32)).toBe(true);
  });
  it('TCP header round trip with flags and options', () => {
    const b = new Uint8Array(24);
    emitTcp({ sport: 1234, dport: 80, seq: 0xdeadbeef, ack: 0, headerLength: 24, flags: TCP_FLAG.SYN, reserved: 0, window: 64240, checksum: 0, urgent: 0, options: hex('020405b4') }, b, 0);
    const h = parseTcp(b, 0)!;
    expect(h).toMatchObject({ sport: 1234, dport: 80, seq: 0xdeadbeef, headerLength: 24, flags: 2, window: 64240 });
    expect(h.options).toEqual(hex('020405b4'));
    expect(parseTcp(b, 0, 19)).toBeNull();
  });
  it('CRC32c of the standard check string', () => {
    expect(crc32c(new TextEncoder().encode('123456789'), 0, 9)).toBe(0xe3069283);
  });
});

describe('IPv6 and Ethernet', () => {
  it('walks extension headers to the transport header and reads a fragment header', () => {
    const b = new Uint8Array(40 + 8 + 8 + 8);
    emitIpv6({ trafficClass: 0, flowLabel: 0x12345, payloadLength: 24, nextHeader: 0, hopLimit: 64, src: parseIPv6('2001:db8::1')!, dst: parseIPv6('2001:db8::2')! }, b);
    b.set([44, 0, 0, 0, 0, 0, 0, 0], 40); // hop-by-hop, next: fragment
    b.set([17, 0, 0x00, 0x01, 0, 0, 0, 7], 48); // fragment offset 0, M=1, id 7; next: UDP
    const h = parseIpv6(b);
    if (typeof h === 'string') throw new Error(h);
    expect(h.extensions).toEqual([0, 44]);
    expect(h.protocol).toBe(17);
    expect(h.transportOffset).toBe(56);
    expect(h.fragment).toEqual({ offset: 0, more: true, id: 7 });
    expect(h.flowLabel).toBe(0x12345);
  });
  it('Ethernet with a VLAN tag', () => {
    const b = new Uint8Array(18);
    emitEthernet({ dst: parseMac('ff:ff:ff:ff:ff:ff')!, src: parseMac('02:00:00:AA:bb:01')!, vlans: [{ tpid: 0x8100, pcp: 3, dei: false, vid: 42 }], ethertype: 0x0800 }, b);
    const e = parseEthernet(b)!;
    expect(formatMac(e.src)).toBe('02:00:00:aa:bb:01');
    expect(e.vlans).toEqual([{ tpid: 0x8100, pcp: 3, dei: false, vid: 42 }]);
    expect(e.ethertype).toBe(0x0800);
    expect(e.payloadOffset).toBe(18);
  });
});
