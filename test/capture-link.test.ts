/**
 * Link layers: every supported link type gives the datagram and its header (Ethernet with 802.1Q
 * and 802.1ad tags, raw IP, SLL, SLL2, NULL in both host byte orders, LOOP), padding and FCS are
 * trimmed to the IP length, a snap-length cut is flagged, non-IP frames come back with a reason;
 * `encapsulate` and `decodeLink` are inverse; `fillChecksums` makes every checksum good.
 */
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../engine/packet.js';
import { ipv4ChecksumOk } from '../engine/wire/ipv4.js';
import { l4ChecksumOk } from '../engine/wire/transport.js';
import { fillChecksums } from '../sim/capture/checksums.js';
import { decodeLink, decodeLinkInto, encapsulate, LINKTYPE, linkSlot, linkTypeName, linkTypeSupported, type LinkFrame } from '../sim/capture/link.js';
import { concat, sampleDatagrams } from './helpers/capture.js';

const [udp4, tcp4, udp6] = sampleDatagrams();
const ip = (f: LinkFrame): Extract<LinkFrame, { kind: 'ip' }> => { if (f.kind !== 'ip') throw new Error(`not IP: ${f.reason}`); return f; };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('link types', () => {
  const all = [LINKTYPE.NULL, LINKTYPE.ETHERNET, LINKTYPE.RAW_BSD, LINKTYPE.RAW_OPENBSD, LINKTYPE.RAW, LINKTYPE.LOOP, LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2];
  for (const lt of all) {
    for (const d of [udp4!, udp6!]) {
      it(`${lt} (${linkTypeName(lt)}) carrying ${d.family}: encapsulate then decode gives the datagram back`, () => {
        const f = ip(decodeLink(lt, encapsulate(lt, d.family, d.bytes)));
        expect(f.family).toBe(d.family);
        expect(hex(f.datagram)).toBe(hex(d.bytes));
        expect(f.wireLength).toBe(d.bytes.length);
        expect(f.truncated).toBe(false);
        expect(decodePacket(f.family, f.datagram, f.wireLength).dport).toBe(53);
      });
    }
  }

  it('228 and 229 carry only their own family', () => {
    expect(ip(decodeLink(LINKTYPE.IPV4, udp4!.bytes)).family).toBe('ipv4');
    expect(ip(decodeLink(LINKTYPE.IPV6, udp6!.bytes)).family).toBe('ipv6');
    expect(decodeLink(LINKTYPE.IPV4, udp6!.bytes)).toEqual({ kind: 'other', reason: 'IP version 6' });
    expect(decodeLink(LINKTYPE.RAW, Uint8Array.of(0x50, 0, 0, 0))).toEqual({ kind: 'other', reason: 'IP version 5' });
  });

  it('Ethernet with an 802.1ad outer and an 802.1Q inner tag', () => {
    const frame = encapsulate(LINKTYPE.ETHERNET, 'ipv4', tcp4!.bytes, {
      ethernet: { dst: Uint8Array.of(0, 1, 2, 3, 4, 5), src: Uint8Array.of(6, 7, 8, 9, 10, 11), vlans: [{ tpid: 0x88a8, pcp: 5, dei: false, vid: 100 }, { tpid: 0x8100, pcp: 0, dei: true, vid: 42 }] },
    });
    const f = ip(decodeLink(LINKTYPE.ETHERNET, frame));
    expect(hex(f.datagram)).toBe(hex(tcp4!.bytes));
    expect(f.ethernet!.vlans).toEqual([{ tpid: 0x88a8, pcp: 5, dei: false, vid: 100 }, { tpid: 0x8100, pcp: 0, dei: true, vid: 42 }]);
    expect(hex(f.ethernet!.src)).toBe('060708090a0b');
    expect(f.link.kind).toBe('ethernet');
  });

  it('Ethernet padding and FCS are trimmed to the IP length', () => {
    const small = udp4!.bytes.subarray(0, 20); // not a real datagram: header only, fix the length
    const d = small.slice(); d[2] = 0; d[3] = 20; d[9] = 253;
    const frame = concat(encapsulate(LINKTYPE.ETHERNET, 'ipv4', d), new Uint8Array(26), Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    const f = ip(decodeLink(LINKTYPE.ETHERNET, frame));
    expect(f.datagram.length).toBe(20);
    expect(f.wireLength).toBe(20);
    expect(f.truncated).toBe(false);
    const v6 = concat(encapsulate(LINKTYPE.ETHERNET, 'ipv6', udp6!.bytes), new Uint8Array(4));
    expect(ip(decodeLink(LINKTYPE.ETHERNET, v6)).datagram.length).toBe(udp6!.bytes.length);
  });

  it('a frame cut by the snap length is flagged, with the wire length kept', () => {
    const frame = encapsulate(LINKTYPE.ETHERNET, 'ipv4', udp4!.bytes);
    const f = ip(decodeLink(LINKTYPE.ETHERNET, frame.subarray(0, 44), frame.length));
    expect(f.truncated).toBe(true);
    expect(f.datagram.length).toBe(30);
    expect(f.wireLength).toBe(udp4!.bytes.length);
    const p = decodePacket('ipv4', f.datagram, f.wireLength);
    expect(p.sport).toBe(40001);
  });

  it('non-IP frames come back with a reason to count', () => {
    const arp = concat(new Uint8Array(12), Uint8Array.of(0x08, 0x06), new Uint8Array(28));
    expect(decodeLink(LINKTYPE.ETHERNET, arp)).toEqual({ kind: 'other', reason: 'ARP' });
    expect(decodeLink(LINKTYPE.ETHERNET, concat(new Uint8Array(12), Uint8Array.of(0x88, 0xcc)))).toEqual({ kind: 'other', reason: 'LLDP' });
    expect(decodeLink(LINKTYPE.ETHERNET, concat(new Uint8Array(12), Uint8Array.of(0x00, 0x26), new Uint8Array(38)))).toEqual({ kind: 'other', reason: 'IEEE 802.3 (LLC)' });
    expect(decodeLink(LINKTYPE.ETHERNET, concat(new Uint8Array(12), Uint8Array.of(0x12, 0x34)))).toEqual({ kind: 'other', reason: 'EtherType 0x1234' });
    expect(decodeLink(LINKTYPE.ETHERNET, new Uint8Array(10))).toEqual({ kind: 'other', reason: 'frame shorter than its link header' });
    expect(decodeLink(LINKTYPE.NULL, Uint8Array.of(7, 0, 0, 0))).toEqual({ kind: 'other', reason: 'address family 7' });
    const sllArp = new Uint8Array(16 + 28); sllArp[14] = 0x08; sllArp[15] = 0x06;
    expect(decodeLink(LINKTYPE.LINUX_SLL, sllArp)).toEqual({ kind: 'other', reason: 'ARP' });
  });

  it('SLL and SLL2 headers: packet type, ARPHRD type, address, interface index', () => {
    const addr = Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff);
    const s1 = ip(decodeLink(LINKTYPE.LINUX_SLL, encapsulate(LINKTYPE.LINUX_SLL, 'ipv4', udp4!.bytes, { cooked: { packetType: 0, address: addr } })));
    expect(s1.link).toEqual({ kind: 'sll', packetType: 0, arphrdType: 1, address: addr, protocol: 0x0800, ifIndex: -1 });
    const s2 = ip(decodeLink(LINKTYPE.LINUX_SLL2, encapsulate(LINKTYPE.LINUX_SLL2, 'ipv6', udp6!.bytes, { cooked: { packetType: 4, address: addr, ifIndex: 7, arphrdType: 772 } })));
    expect(s2.link).toEqual({ kind: 'sll2', packetType: 4, arphrdType: 772, address: addr, protocol: 0x86dd, ifIndex: 7 });
    expect(s2.ethernet).toBeNull();
  });

  it('NULL in either host byte order, LOOP in network order, and every BSD AF_INET6 value', () => {
    const le = encapsulate(LINKTYPE.NULL, 'ipv4', udp4!.bytes, { nullByteOrder: 'little' });
    const be = encapsulate(LINKTYPE.NULL, 'ipv4', udp4!.bytes, { nullByteOrder: 'big' });
    expect(hex(le.subarray(0, 4))).toBe('02000000');
    expect(hex(be.subarray(0, 4))).toBe('00000002');
    expect(ip(decodeLink(LINKTYPE.NULL, le)).link).toEqual({ kind: 'null', af: 2, byteOrder: 'host-little' });
    expect(ip(decodeLink(LINKTYPE.NULL, be)).link).toEqual({ kind: 'null', af: 2, byteOrder: 'host-big' });
    expect(ip(decodeLink(LINKTYPE.LOOP, encapsulate(LINKTYPE.LOOP, 'ipv6', udp6!.bytes))).link).toEqual({ kind: 'null', af: 24, byteOrder: 'network' });
    for (const af of [10, 24, 28, 30]) {
      expect(ip(decodeLink(LINKTYPE.NULL, concat(Uint8Array.of(af, 0, 0, 0), udp6!.bytes))).family).toBe('ipv6');
    }
  });

  it('the fast path fills a slot with offsets and allocates nothing', () => {
    const frame = encapsulate(LINKTYPE.ETHERNET, 'ipv4', udp4!.bytes);
    const buf = concat(new Uint8Array(100), frame);
    const s = linkSlot();
    expect(decodeLinkInto(LINKTYPE.ETHERNET, buf, 100, buf.length, frame.length, s)).toBe(true);
    expect(s).toEqual({ ipVersion: 4, start: 114, end: buf.length, wireLength: udp4!.bytes.length, truncated: false, linkLength: 14, reason: 0, protocol: 0x0800 });
  });

  it('which link types are supported', () => {
    expect(linkTypeSupported(1)).toBe(true);
    expect(linkTypeSupported(105)).toBe(false);
    expect(linkTypeName(276)).toBe('LINUX_SLL2');
    expect(linkTypeName(4242)).toBeNull();
    expect(() => encapsulate(105, 'ipv4', udp4!.bytes)).toThrow('cannot write frames of link type 105 (IEEE802_11)');
  });
});

describe('fillChecksums', () => {
  const corrupt = (b: Uint8Array): Uint8Array => { const c = b.slice(); c[10] ^= 0xff; c[c.length - 1]! ^= 0x5a; return c; };

  for (const d of sampleDatagrams()) {
    it(`${d.family} proto ${d.family === 'ipv4' ? d.bytes[9] : d.bytes[6]}: rewritten bytes get good checksums again`, () => {
      const b = corrupt(d.bytes);
      if (d.family === 'ipv4') b[12] = 192; // a NAT-like rewrite of the source address
      expect(fillChecksums(d.family, b)).toBe('filled');
      const p = decodePacket(d.family, b);
      if (d.family === 'ipv4') expect(ipv4ChecksumOk(b)).toBe(true);
      expect(l4ChecksumOk(d.family, p.proto, p.src, p.dst, b, p.l4Offset, b.length)).toBe(true);
    });
  }

  it('keeps a UDP/IPv4 checksum of 0 (none) and leaves fragments and cut datagrams their transport checksum', () => {
    const b = udp4!.bytes.slice();
    b[26] = 0; b[27] = 0;
    expect(fillChecksums('ipv4', b)).toBe('filled');
    expect(b[26]! | b[27]!).toBe(0);
    const frag = udp4!.bytes.slice(); frag[6] = 0x20; // MF
    expect(fillChecksums('ipv4', frag)).toBe('header-only');
    expect(ipv4ChecksumOk(frag)).toBe(true);
    expect(fillChecksums('ipv4', udp4!.bytes.slice(0, 25))).toBe('header-only');
    expect(fillChecksums('ipv4', new Uint8Array(10))).toBe('unreadable');
    expect(fillChecksums('ipv6', udp6!.bytes.slice(0, 44))).toBe('header-only');
  });
});
