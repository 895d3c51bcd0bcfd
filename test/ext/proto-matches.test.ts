/**
 * Packet behaviour of the transport matches: tcp, udp, sctp, icmp, icmp6, multiport, tcpmss
 * (xt_tcpudp.c, xt_sctp.c, ip6_tables.c icmp6_match, xt_multiport.c, xt_tcpmss.c).
 */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../../engine/errors.js';
import { icmpBytes, ip, ipv4, ipv6, outcome, sctpBytes, tcpBytes, udpBytes } from '../helpers/raw-ip.js';
import type { Family } from '../../engine/net/addr.js';

const FAMILIES: Family[] = ['ipv4', 'ipv6'];
const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;
const MSS = (v: number): number[] => [2, 4, v >>> 8, v & 0xff];

describe('tcp', () => {
  for (const fam of FAMILIES) {
    const tcp = (o: Parameters<typeof tcpBytes>[0] = {}, ipo = {}) => ip(fam, 6, tcpBytes(o), ipo);

    it(`${fam}: port ranges are inclusive, each inverted on its own`, () => {
      expect(outcome('-p tcp --dport 80', tcp({ dport: 80 }))).toBe('match');
      expect(outcome('-p tcp --dport 80', tcp({ dport: 81 }))).toBe('no');
      expect(outcome('-p tcp --dport 1000:2000', tcp({ dport: 1000 }))).toBe('match');
      expect(outcome('-p tcp --dport 1000:2000', tcp({ dport: 2000 }))).toBe('match');
      expect(outcome('-p tcp --dport 1000:2000', tcp({ dport: 2001 }))).toBe('no');
      expect(outcome('-p tcp ! --dport 80', tcp({ dport: 80 }))).toBe('no');
      expect(outcome('-p tcp ! --dport 80', tcp({ dport: 443 }))).toBe('match');
      expect(outcome('-p tcp --sport 40000 --dport 80', tcp({ sport: 40000, dport: 80 }))).toBe('match');
      expect(outcome('-p tcp --sport :1023', tcp({ sport: 40000 }))).toBe('no');
      expect(outcome('-p tcp ! --sport :1023 --dport 80', tcp({ sport: 40000, dport: 80 }))).toBe('match');
      expect(outcome('-p tcp ! --sport :1023 ! --dport 80', tcp({ sport: 40000, dport: 80 }))).toBe('no');
    });

    it(`${fam}: --tcp-flags and --syn compare (byte 13 & mask) with comp`, () => {
      expect(outcome('-p tcp --syn', tcp({ flags: SYN }))).toBe('match');
      expect(outcome('-p tcp --syn', tcp({ flags: SYN | ACK }))).toBe('no');
      expect(outcome('-p tcp --syn', tcp({ flags: SYN | PSH }))).toBe('match');
      expect(outcome('-p tcp ! --syn', tcp({ flags: SYN | ACK }))).toBe('match');
      expect(outcome('-p tcp ! --syn', tcp({ flags: SYN }))).toBe('no');
      expect(outcome('-p tcp --tcp-flags ALL NONE', tcp({ flags: 0 }))).toBe('match');
      // ECE/CWR (0xc0) are outside ALL.
      expect(outcome('-p tcp --tcp-flags ALL NONE', tcp({ flags: 0xc0 }))).toBe('match');
      expect(outcome('-p tcp --tcp-flags SYN,FIN SYN,FIN', tcp({ flags: SYN | FIN }))).toBe('match');
      expect(outcome('-p tcp --tcp-flags RST RST', tcp({ flags: ACK }))).toBe('no');
      expect(outcome('-p tcp ! --tcp-flags RST RST', tcp({ flags: ACK }))).toBe('match');
      expect(outcome('-p tcp --tcp-flags RST RST', tcp({ flags: RST | ACK }))).toBe('match');
    });

    it(`${fam}: --tcp-option walks the options (NOP/EOL one byte, others by length)`, () => {
      const opts = [1, 1, ...MSS(1460), 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7];
      expect(outcome('-p tcp --tcp-option 2', tcp({ options: opts }))).toBe('match');
      expect(outcome('-p tcp --tcp-option 4', tcp({ options: opts }))).toBe('match');
      expect(outcome('-p tcp --tcp-option 8', tcp({ options: opts }))).toBe('match');
      expect(outcome('-p tcp --tcp-option 3', tcp({ options: opts }))).toBe('match');
      // Inside an option's data: not an option kind.
      expect(outcome('-p tcp --tcp-option 10', tcp({ options: opts }))).toBe('no');
      expect(outcome('-p tcp --tcp-option 5', tcp({ options: opts }))).toBe('no');
      expect(outcome('-p tcp ! --tcp-option 5', tcp({ options: opts }))).toBe('match');
      expect(outcome('-p tcp ! --tcp-option 2', tcp({ options: opts }))).toBe('no');
      // No options at all: the plain option test fails, the inverted one passes.
      expect(outcome('-p tcp --tcp-option 2', tcp())).toBe('no');
      expect(outcome('-p tcp ! --tcp-option 2', tcp())).toBe('match');
      // EOL does not stop the walk; a zero length counts as one byte.
      expect(outcome('-p tcp --tcp-option 8', tcp({ options: [0, 8, 10, 0] }))).toBe('match');
      expect(outcome('-p tcp --tcp-option 5', tcp({ options: [3, 0, 5, 0] }))).toBe('match');
    });

    it(`${fam}: --tcp-option with a data offset below 5 or options beyond the packet hot-drops`, () => {
      expect(outcome('-p tcp --tcp-option 2', tcp({ doff: 4 }))).toBe('hotdrop');
      // Without --tcp-option a bad data offset is not looked at: the ports still match.
      expect(outcome('-p tcp --dport 80', tcp({ doff: 4 }))).toBe('match');
      expect(outcome('-p tcp --tcp-option 2', tcp({ doff: 10 }))).toBe('hotdrop');
      expect(outcome('-p tcp --dport 80', tcp({ doff: 10 }))).toBe('match');
      // The walk is not reached when the ports already fail.
      expect(outcome('-p tcp --dport 81 --tcp-option 2', tcp({ doff: 4 }))).toBe('no');
    });

    it(`${fam}: a transport header cut short hot-drops, even for a rule that would not match`, () => {
      expect(outcome('-p tcp --dport 80', ip(fam, 6, tcpBytes().slice(0, 19)))).toBe('hotdrop');
      expect(outcome('-p tcp ! --dport 80', ip(fam, 6, tcpBytes().slice(0, 10)))).toBe('hotdrop');
      // Exactly 20 bytes is enough.
      expect(outcome('-p tcp --dport 80', ip(fam, 6, tcpBytes()))).toBe('match');
    });

    it(`${fam}: a non-first fragment never matches, even inverted`, () => {
      expect(outcome('-p tcp ! --dport 80', tcp({ dport: 443 }, { fragOffset: 16 }))).toBe('no');
      expect(outcome('-p tcp --tcp-flags NONE NONE', tcp({}, { fragOffset: 1480 }))).toBe('no');
      // A first fragment is matched as a whole packet.
      expect(outcome('-p tcp --dport 80', tcp({ dport: 80 }, { more: true }))).toBe('match');
    });
  }

  it('an IPv4 fragment at offset field 1 (8 bytes) is hot-dropped; IPv6 offsets are bytes and never 1', () => {
    expect(outcome('-p tcp --dport 80', ipv4(6, tcpBytes(), { fragOffset: 8 }))).toBe('hotdrop');
    expect(outcome('-p tcp ! --dport 80', ipv4(6, tcpBytes(), { fragOffset: 8 }))).toBe('hotdrop');
    expect(outcome('-p tcp --dport 80', ipv4(6, tcpBytes(), { fragOffset: 16 }))).toBe('no');
    expect(outcome('-p tcp --dport 80', ipv6(6, tcpBytes(), { fragOffset: 8 }))).toBe('no');
  });

  it('reads the transport header after IPv6 extension headers (first fragment)', () => {
    expect(outcome('-p tcp --dport 80', ipv6(6, tcpBytes({ dport: 80 }), { fragHeader: true, more: true }))).toBe('match');
    expect(outcome('-p tcp --dport 81', ipv6(6, tcpBytes({ dport: 80 }), { fragHeader: true, more: true }))).toBe('no');
  });

  it('bytes within the packet that a capture cut off stop natsim loudly', () => {
    const p = ipv4(6, tcpBytes({ options: MSS(1400) }), { snap: 30 });
    expect(() => outcome('-p tcp --dport 80', p)).toThrow(NatsimError);
    expect(() => outcome('-p tcp --dport 80', p)).toThrow(/capture cut off at 30 bytes/);
  });
});

describe('udp', () => {
  for (const fam of FAMILIES) {
    it(`${fam}: ports, ranges and inversion`, () => {
      const u = (s: number, d: number, o = {}) => ip(fam, 17, udpBytes(s, d), o);
      expect(outcome('-p udp --dport 53', u(40000, 53))).toBe('match');
      expect(outcome('-p udp --dport 53', u(40000, 54))).toBe('no');
      expect(outcome('-p udp ! --dport 53', u(40000, 54))).toBe('match');
      expect(outcome('-p udp --sport 1024:65535 --dport 53', u(40000, 53))).toBe('match');
      expect(outcome('-p udp --sport 1024:65535 --dport 53', u(1000, 53))).toBe('no');
      expect(outcome('-p udp ! --sport 1024:65535 --dport 53', u(1000, 53))).toBe('match');
      // udp's parser keeps min > max as given: such a range holds no port.
      expect(outcome('-p udp --dport 60:50', u(40000, 55))).toBe('no');
      expect(outcome('-p udp ! --dport 60:50', u(40000, 55))).toBe('match');
      expect(outcome('-p udp --dport 53', u(40000, 53, { fragOffset: 24 }))).toBe('no');
      expect(outcome('-p udp ! --dport 53', u(40000, 54, { fragOffset: 24 }))).toBe('no');
      expect(outcome('-p udp --dport 53', ip(fam, 17, udpBytes().slice(0, 7)))).toBe('hotdrop');
    });
  }

  it('an IPv4 UDP fragment at offset 8 is not hot-dropped (only tcp does that)', () => {
    expect(outcome('-p udp --dport 53', ipv4(17, udpBytes(), { fragOffset: 8 }))).toBe('no');
  });
});

describe('sctp', () => {
  const DATA = 0, INIT = 1, SACK = 3, ABORT = 6, SHUTDOWN_COMPLETE = 14;
  for (const fam of FAMILIES) {
    const s = (chunks: [number, number, number][], sp = 5000, dp = 38412, o = {}) => ip(fam, 132, sctpBytes(sp, dp, chunks), o);

    it(`${fam}: ports and inversion`, () => {
      expect(outcome('-p sctp --dport 38412', s([[INIT, 0, 16]]))).toBe('match');
      expect(outcome('-p sctp --dport 38413', s([[INIT, 0, 16]]))).toBe('no');
      expect(outcome('-p sctp ! --dport 38413', s([[INIT, 0, 16]]))).toBe('match');
      expect(outcome('-p sctp --sport 4000:6000 --dport 38412', s([[INIT, 0, 16]]))).toBe('match');
      expect(outcome('-p sctp ! --sport 4000:6000', s([[INIT, 0, 16]]))).toBe('no');
      // Ports only: a packet without chunks is not looked into.
      expect(outcome('-p sctp --dport 38412', s([]))).toBe('match');
    });

    it(`${fam}: --chunk-types any / all / only`, () => {
      const pkt = s([[DATA, 0x03, 20], [SACK, 0, 12]]);
      expect(outcome('-p sctp --chunk-types any INIT,SACK', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types any INIT', pkt)).toBe('no');
      expect(outcome('-p sctp ! --chunk-types any INIT', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types all DATA,SACK', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types all DATA,SACK,INIT', pkt)).toBe('no');
      expect(outcome('-p sctp --chunk-types only DATA,SACK,INIT', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types only DATA', pkt)).toBe('no');
      expect(outcome('-p sctp ! --chunk-types only DATA', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types any ALL', pkt)).toBe('match');
      // all ALL would need all 256 chunk types in one packet.
      expect(outcome('-p sctp --chunk-types all ALL', pkt)).toBe('no');
      expect(outcome('-p sctp --chunk-types only ALL', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types any NONE', pkt)).toBe('no');
      expect(outcome('-p sctp --chunk-types all NONE', pkt)).toBe('match');
      expect(outcome('-p sctp --chunk-types only NONE', pkt)).toBe('no');
    });

    it(`${fam}: chunk flags (upper case = set, lower case = clear)`, () => {
      const data = (flags: number) => s([[DATA, flags, 8]]);
      // DATA flags ----IUBE: E=0x01 B=0x02 U=0x04 I=0x08.
      expect(outcome('-p sctp --chunk-types any DATA:BE', data(0x03))).toBe('match');
      expect(outcome('-p sctp --chunk-types any DATA:BE', data(0x02))).toBe('no');
      expect(outcome('-p sctp --chunk-types any DATA:Be', data(0x02))).toBe('match');
      expect(outcome('-p sctp --chunk-types any DATA:Be', data(0x03))).toBe('no');
      // Bits outside the mask are ignored.
      expect(outcome('-p sctp --chunk-types any DATA:B', data(0x0f))).toBe('match');
      expect(outcome('-p sctp --chunk-types any ABORT:T', s([[ABORT, 1, 0]]))).toBe('match');
      expect(outcome('-p sctp --chunk-types any ABORT:t', s([[ABORT, 1, 0]]))).toBe('no');
      expect(outcome('-p sctp --chunk-types any SHUTDOWN_COMPLETE:T', s([[SHUTDOWN_COMPLETE, 1, 0]]))).toBe('match');
      // all: the listed type counts as seen only when a chunk of it passes its flag test.
      expect(outcome('-p sctp --chunk-types all DATA:E,SACK', s([[DATA, 0, 8], [SACK, 0, 12]]))).toBe('no');
      expect(outcome('-p sctp --chunk-types all DATA:E,SACK', s([[DATA, 0, 8], [DATA, 1, 8], [SACK, 0, 12]]))).toBe('match');
      // only: every chunk must be listed and pass.
      expect(outcome('-p sctp --chunk-types only DATA:E', s([[DATA, 1, 8], [DATA, 0, 8]]))).toBe('no');
      expect(outcome('-p sctp --chunk-types only DATA:E', s([[DATA, 1, 8], [DATA, 1, 8]]))).toBe('match');
    });

    it(`${fam}: a bad chunk walk hot-drops, only when the chunk test is reached`, () => {
      // No chunk after the common header.
      expect(outcome('-p sctp --chunk-types any INIT', s([]))).toBe('hotdrop');
      expect(outcome('-p sctp ! --chunk-types any INIT', s([]))).toBe('hotdrop');
      // A chunk of length 0.
      const zero = sctpBytes(5000, 38412, [[INIT, 0, 16]]);
      zero[14] = 0; zero[15] = 0;
      expect(outcome('-p sctp --chunk-types any INIT', ip(fam, 132, zero))).toBe('hotdrop');
      // A chunk length that runs past the end stops the walk there (no next header read).
      const long = sctpBytes(5000, 38412, [[INIT, 0, 4]]);
      long[15] = 200;
      expect(outcome('-p sctp --chunk-types any INIT', ip(fam, 132, long))).toBe('match');
      // The ports fail first: no walk, no hotdrop.
      expect(outcome('-p sctp --dport 1 --chunk-types any INIT', s([]))).toBe('no');
      // A short common header.
      expect(outcome('-p sctp --dport 38412', ip(fam, 132, sctpBytes(1, 38412, []).slice(0, 11)))).toBe('hotdrop');
      // Non-first fragments never match.
      expect(outcome('-p sctp ! --dport 1', s([[INIT, 0, 16]], 1, 2, { fragOffset: 64 }))).toBe('no');
    });
  }
});

describe('icmp', () => {
  it('type, code range, any, inversion', () => {
    const i = (t: number, c = 0, o = {}) => ipv4(1, icmpBytes(t, c), o);
    expect(outcome('-p icmp --icmp-type echo-request', i(8))).toBe('match');
    expect(outcome('-p icmp --icmp-type echo-request', i(0))).toBe('no');
    expect(outcome('-p icmp --icmp-type 8', i(8, 5))).toBe('match');
    expect(outcome('-p icmp --icmp-type port-unreachable', i(3, 3))).toBe('match');
    expect(outcome('-p icmp --icmp-type port-unreachable', i(3, 1))).toBe('no');
    expect(outcome('-p icmp --icmp-type 3/1:4', i(3, 4))).toBe('match');
    expect(outcome('-p icmp --icmp-type 3/1:4', i(3, 5))).toBe('no');
    expect(outcome('-p icmp ! --icmp-type echo-request', i(0))).toBe('match');
    expect(outcome('-p icmp ! --icmp-type echo-request', i(8))).toBe('no');
    expect(outcome('-p icmp --icmp-type any', i(42, 9))).toBe('match');
    expect(outcome('-p icmp ! --icmp-type any', i(42, 9))).toBe('no');
    expect(outcome('-p icmp --icmp-type any', i(8, 0, { fragOffset: 8 }))).toBe('no');
    expect(outcome('-p icmp ! --icmp-type 0', i(8, 0, { fragOffset: 8 }))).toBe('no');
    expect(outcome('-p icmp --icmp-type any', ipv4(1, icmpBytes(8).slice(0, 7)))).toBe('hotdrop');
    expect(outcome('-p icmp --icmp-type any', ipv4(1, icmpBytes(8)))).toBe('match');
  });
});

describe('icmp6', () => {
  it('type, code range, inversion; 255 is an ordinary type', () => {
    const i = (t: number, c = 0, o = {}) => ipv6(58, icmpBytes(t, c), o);
    const r = (spec: string) => `-p ipv6-icmp -m icmp6 --icmpv6-type ${spec}`;
    expect(outcome(r('echo-request'), i(128))).toBe('match');
    expect(outcome(r('echo-request'), i(129))).toBe('no');
    expect(outcome(r('port-unreachable'), i(1, 4))).toBe('match');
    expect(outcome(r('port-unreachable'), i(1, 3))).toBe('no');
    expect(outcome(r('1'), i(1, 200))).toBe('match');
    expect(outcome(r('1/2:3'), i(1, 3))).toBe('match');
    expect(outcome(r('1/2:3'), i(1, 4))).toBe('no');
    expect(outcome(`-p ipv6-icmp -m icmp6 ! --icmpv6-type 128`, i(135))).toBe('match');
    expect(outcome(`-p ipv6-icmp -m icmp6 ! --icmpv6-type 128`, i(128))).toBe('no');
    expect(outcome(r('255'), i(1))).toBe('no');
    expect(outcome(r('255'), i(255, 7))).toBe('match');
    expect(outcome(r('128'), i(128, 0, { fragOffset: 16 }))).toBe('no');
    expect(outcome(r('128'), i(128, 0, { fragHeader: true, more: true }))).toBe('match');
    expect(outcome(r('128'), ipv6(58, icmpBytes(128).slice(0, 4)))).toBe('hotdrop');
  });
});

describe('multiport', () => {
  for (const fam of FAMILIES) {
    it(`${fam}: --dports/--sports/--ports with single ports and ranges, one ! for all`, () => {
      const t = (s: number, d: number, o = {}) => ip(fam, 6, tcpBytes({ sport: s, dport: d }), o);
      expect(outcome('-p tcp -m multiport --dports 22,80,443', t(40000, 80))).toBe('match');
      expect(outcome('-p tcp -m multiport --dports 22,80,443', t(40000, 81))).toBe('no');
      expect(outcome('-p tcp -m multiport --dports 22,8000:8080,443', t(40000, 8000))).toBe('match');
      expect(outcome('-p tcp -m multiport --dports 22,8000:8080,443', t(40000, 8080))).toBe('match');
      expect(outcome('-p tcp -m multiport --dports 22,8000:8080,443', t(40000, 8081))).toBe('no');
      expect(outcome('-p tcp -m multiport ! --dports 22,8000:8080', t(40000, 8081))).toBe('match');
      expect(outcome('-p tcp -m multiport ! --dports 22,8000:8080', t(40000, 8001))).toBe('no');
      expect(outcome('-p tcp -m multiport --sports 40000', t(40000, 1))).toBe('match');
      expect(outcome('-p tcp -m multiport --sports 40000', t(1, 40000))).toBe('no');
      expect(outcome('-p tcp -m multiport --ports 40000', t(1, 40000))).toBe('match');
      expect(outcome('-p tcp -m multiport --ports 40000', t(40000, 1))).toBe('match');
      expect(outcome('-p tcp -m multiport --ports 30000:50000', t(1, 40000))).toBe('match');
      expect(outcome('-p tcp -m multiport ! --ports 30000:50000', t(40000, 1))).toBe('no');
      expect(outcome('-p tcp -m multiport ! --ports 30000:50000', t(2, 1))).toBe('match');
      expect(outcome('-p tcp -m multiport ! --dports 80', t(1, 81, { fragOffset: 16 }))).toBe('no');
      expect(outcome('-p udp -m multiport --dports 53,123', ip(fam, 17, udpBytes(40000, 123)))).toBe('match');
      expect(outcome('-p sctp -m multiport --dports 38412', ip(fam, 132, sctpBytes(1, 38412, [])))).toBe('match');
      // Only the 4 port bytes are needed.
      expect(outcome('-p tcp -m multiport --dports 80', ip(fam, 6, tcpBytes({ dport: 80 }).slice(0, 4)))).toBe('match');
      expect(outcome('-p tcp -m multiport --dports 80', ip(fam, 6, tcpBytes({ dport: 80 }).slice(0, 3)))).toBe('hotdrop');
    });
  }
});

describe('tcpmss', () => {
  for (const fam of FAMILIES) {
    const t = (o: Parameters<typeof tcpBytes>[0], ipo = {}) => ip(fam, 6, tcpBytes(o), ipo);
    it(`${fam}: the first well-formed MSS option within the range, XOR !`, () => {
      expect(outcome('-p tcp -m tcpmss --mss 1460', t({ options: MSS(1460) }))).toBe('match');
      expect(outcome('-p tcp -m tcpmss --mss 1460', t({ options: MSS(1400) }))).toBe('no');
      expect(outcome('-p tcp -m tcpmss --mss 1000:1500', t({ options: [1, 1, ...MSS(1400)] }))).toBe('match');
      expect(outcome('-p tcp -m tcpmss --mss 1000:1500', t({ options: MSS(1501) }))).toBe('no');
      expect(outcome('-p tcp -m tcpmss ! --mss 1000:1500', t({ options: MSS(1501) }))).toBe('match');
      expect(outcome('-p tcp -m tcpmss ! --mss 1000:1500', t({ options: MSS(1400) }))).toBe('no');
      // The kernel does not look at the flags: an ACK carrying MSS is read too.
      expect(outcome('-p tcp -m tcpmss --mss 1460', t({ flags: ACK, options: MSS(1460) }))).toBe('match');
      // The first MSS decides.
      expect(outcome('-p tcp -m tcpmss --mss 536', t({ options: [...MSS(536), ...MSS(1460)] }))).toBe('match');
      // A kind-2 option whose length byte is not 4 is skipped by its length.
      expect(outcome('-p tcp -m tcpmss --mss 1460', t({ options: [2, 6, 0, 0, 0, 0, ...MSS(1460)] }))).toBe('match');
    });

    it(`${fam}: without an MSS option the result is the ! flag`, () => {
      expect(outcome('-p tcp -m tcpmss --mss 1:65535', t({}))).toBe('no');
      expect(outcome('-p tcp -m tcpmss ! --mss 1:65535', t({}))).toBe('match');
      expect(outcome('-p tcp -m tcpmss --mss 1:65535', t({ options: [1, 1, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1] }))).toBe('no');
      // An MSS option cut by the end of the options does not count.
      expect(outcome('-p tcp -m tcpmss --mss 1:65535', t({ options: [1, 1, 2, 4] }))).toBe('no');
    });

    it(`${fam}: a short header, a data offset below 5 or options beyond the packet hot-drop`, () => {
      expect(outcome('-p tcp -m tcpmss --mss 1460', ip(fam, 6, tcpBytes().slice(0, 19)))).toBe('hotdrop');
      expect(outcome('-p tcp -m tcpmss --mss 1460', t({ doff: 4 }))).toBe('hotdrop');
      expect(outcome('-p tcp -m tcpmss ! --mss 1460', t({ doff: 6 }))).toBe('hotdrop');
    });
  }

  it('a non-first fragment is read as if a TCP header started at thoff (IPv4 after the IP header, IPv6 at 0)', () => {
    // IPv4: the fragment's data holds bytes that look like a header with an MSS option.
    expect(outcome('-p tcp -m tcpmss --mss 1460', ipv4(6, tcpBytes({ options: MSS(1460) }), { fragOffset: 16 }))).toBe('match');
    // IPv6: offset 0 is the IPv6 header; byte 12 (source address byte 4) is 0 here, so the data
    // offset reads as 0 and the packet is hot-dropped.
    expect(outcome('-p tcp -m tcpmss --mss 1460', ipv6(6, tcpBytes({ options: MSS(1460) }), { fragOffset: 16 }))).toBe('hotdrop');
  });
});
