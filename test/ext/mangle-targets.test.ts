/** TOS, DSCP, TTL, HL, CHECKSUM and TCPMSS packet behaviour: header rewrites with checksum updates. */
import { describe, expect, it } from 'vitest';
import { decodePacket, type Packet } from '../../engine/packet.js';
import { ipv4ChecksumOk } from '../../engine/wire/ipv4.js';
import { l4ChecksumOk } from '../../engine/wire/transport.js';
import { packet, testContext } from '../helpers/engine.js';
import { runRule } from './target-helpers.js';
import { TCPMSS } from '../../engine/ext/target/tcpmss.js';

const m4 = (hook: 'PREROUTING' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING' = 'PREROUTING') => testContext({ table: 'mangle', hook });
const m6 = (hook: 'PREROUTING' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING' = 'PREROUTING') => testContext({ family: 'ipv6', table: 'mangle', hook });
const udp4 = (tos = 0, ttl = 64) => packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, tos, ttl, in: 'eth0' });
const udp6 = (tos = 0, ttl = 64) => packet({ src: '2001:db8::2', dst: '2001:db8::1', proto: 17, sport: 1, dport: 2, tos, ttl, in: 'eth0' });
/** The decoded fields agree with a fresh decode of the bytes. */
function inSync(p: Packet): void {
  const q = decodePacket(p.family, p.data);
  expect({ tos: p.tos, ttl: p.ttl, length: p.length, l4: p.l4 }).toEqual({ tos: q.tos, ttl: q.ttl, length: q.length, l4: q.l4 });
}

describe('TOS', () => {
  it('IPv4: (tos & ~mask) ^ value with an incremental header checksum; continues', () => {
    const p = udp4(0x03);
    const r = runRule('-j TOS --set-tos 0x10/0x3f', p, m4());
    expect(r.verdict).toBe('ACCEPT');
    expect(p.data[1]).toBe(0x10);
    expect(ipv4ChecksumOk(p.data)).toBe(true);
    inSync(p);
    const q = udp4(0xff);
    runRule('-j TOS --and-tos 0x0f', q, m4());
    expect(q.tos).toBe(0x0f);
    expect(ipv4ChecksumOk(q.data)).toBe(true);
    const x = udp4(0x0f);
    runRule('-j TOS --xor-tos 0xff', x, m4());
    expect(x.tos).toBe(0xf0);
    expect(ipv4ChecksumOk(x.data)).toBe(true);
  });

  it('IPv6: traffic class rewritten, version and flow label kept', () => {
    const p = udp6(0x00);
    p.data[1] |= 0x0a; p.data[3] = 0x55; // flow label bits
    runRule('-j TOS --or-tos 0x88', p, m6());
    expect(p.tos).toBe(0x88);
    expect(p.data[0]! >>> 4).toBe(6);
    expect(p.data[1]! & 0x0f).toBe(0x0a);
    expect(p.data[3]).toBe(0x55);
  });

  it('every TOS value keeps the IPv4 checksum right', () => {
    for (let v = 0; v < 256; v += 7) {
      const p = udp4(0xa5);
      runRule(`-j TOS --set-tos ${v}`, p, m4());
      expect(p.tos).toBe(v);
      expect(ipv4ChecksumOk(p.data)).toBe(true);
    }
  });
});

describe('DSCP', () => {
  it('replaces the six DSCP bits and keeps ECN (IPv4 checksum updated, IPv6 too)', () => {
    const p = udp4(0x03);
    runRule('-j DSCP --set-dscp-class EF', p, m4());
    expect(p.tos).toBe((46 << 2) | 3);
    expect(ipv4ChecksumOk(p.data)).toBe(true);
    inSync(p);
    const q = udp6(0x01);
    runRule('-j DSCP --set-dscp 10', q, m6());
    expect(q.tos).toBe((10 << 2) | 1);
    inSync(q);
  });
});

describe('TTL / HL', () => {
  it('TTL set, inc (clamped at 255) and dec (clamped at 0), checksum right', () => {
    const cases: [string, number, number][] = [['--ttl-set 1', 64, 1], ['--ttl-inc 10', 250, 255], ['--ttl-dec 5', 3, 0], ['--ttl-dec 1', 64, 63]];
    for (const [opt, from, to] of cases) {
      const p = udp4(0, from);
      runRule(`-j TTL ${opt}`, p, m4());
      expect(p.ttl).toBe(to);
      expect(p.data[8]).toBe(to);
      expect(ipv4ChecksumOk(p.data)).toBe(true);
    }
  });

  it('HL rewrites the hop limit (no header checksum in IPv6)', () => {
    const p = udp6(0, 64);
    runRule('-j HL --hl-inc 2', p, m6());
    expect(p.ttl).toBe(66);
    expect(p.data[7]).toBe(66);
    expect(l4ChecksumOk('ipv6', 17, p.src, p.dst, p.data, 40, p.data.length)).toBe(true);
  });
});

describe('CHECKSUM', () => {
  it('fills the TCP/UDP checksum of a locally sent packet; leaves received packets alone', () => {
    const out = packet({ src: '192.0.2.1', dst: '10.0.0.2', proto: 6, sport: 1, dport: 2, out: 'eth0' });
    out.data[36] = 0; out.data[37] = 0;
    runRule('-j CHECKSUM --checksum-fill', out, m4('POSTROUTING'));
    expect(l4ChecksumOk('ipv4', 6, out.src, out.dst, out.data, 20, out.data.length)).toBe(true);
    inSync(out);
    const rx = udp4();
    rx.data[27] ^= 0xff;
    const before = rx.data.slice();
    runRule('-j CHECKSUM --checksum-fill', rx, m4());
    expect(rx.data).toEqual(before);
    const none = packet({ src: '192.0.2.1', dst: '10.0.0.2', proto: 17, sport: 1, dport: 2, out: 'eth0' });
    none.data[26] = 0; none.data[27] = 0;
    runRule('-j CHECKSUM --checksum-fill', none, m4('OUTPUT'));
    expect(none.data[26]! | none.data[27]!).toBe(0);
  });
});

/** A SYN whose header carries `opts` (padded to 4 bytes) and `data` bytes after it. */
function syn(family: 'ipv4' | 'ipv6', opts: number[], data = 0): Packet {
  const base = family === 'ipv4'
    ? packet({ src: '10.0.0.1', dst: '198.51.100.9', proto: 6, sport: 1000, dport: 80, tcpFlags: 0x02, in: 'eth0', out: 'eth1' })
    : packet({ src: '2001:db8::2', dst: '2001:db8:1::9', proto: 6, sport: 1000, dport: 80, tcpFlags: 0x02, in: 'eth0', out: 'eth0' });
  const l3 = family === 'ipv4' ? 20 : 40;
  const o = opts.concat(new Array((4 - (opts.length % 4)) % 4).fill(1));
  const b = new Uint8Array(l3 + 20 + o.length + data);
  b.set(base.data.subarray(0, l3 + 20));
  b.set(o, l3 + 20);
  b[l3 + 12] = ((20 + o.length) / 4) << 4;
  if (family === 'ipv4') { b[2] = b.length >>> 8; b[3] = b.length & 0xff; } else { const pl = b.length - 40; b[4] = pl >>> 8; b[5] = pl & 0xff; }
  const p = decodePacket(family, b);
  // Fix the checksums after the surgery.
  if (family === 'ipv4') { b[10] = 0; b[11] = 0; let s = 0; for (let i = 0; i < 20; i += 2) s += (b[i]! << 8) | b[i + 1]!; while (s > 0xffff) s = (s & 0xffff) + (s >>> 16); const c = ~s & 0xffff; b[10] = c >>> 8; b[11] = c & 0xff; }
  b[l3 + 16] = 0; b[l3 + 17] = 0;
  let acc = 0;
  for (const w of [...p.src, ...p.dst]) acc += (w >>> 16) + (w & 0xffff);
  acc += 6 + (b.length - l3);
  for (let i = l3; i < b.length; i += 2) acc += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  const c = ~acc & 0xffff; b[l3 + 16] = c >>> 8; b[l3 + 17] = c & 0xff;
  const q = decodePacket(family, b);
  q.inIface = base.inIface; q.outIface = base.outIface;
  return q;
}

const tcpOk = (p: Packet) => l4ChecksumOk(p.family, 6, p.src, p.dst, p.data, p.l4Offset, p.data.length);

describe('TCPMSS', () => {
  it('--set-mss lowers a larger MSS option (never raises it), checksum updated', () => {
    const p = syn('ipv4', [2, 4, 0x05, 0xb4, 1, 1, 4, 2]);
    expect(tcpOk(p)).toBe(true);
    runRule('-p tcp --syn -j TCPMSS --set-mss 1400', p, m4('FORWARD'));
    expect((p.data[42]! << 8) | p.data[43]!).toBe(1400);
    expect(tcpOk(p)).toBe(true);
    inSync(p);
    const q = syn('ipv4', [2, 4, 0x02, 0x00]);
    runRule('-p tcp --syn -j TCPMSS --set-mss 1400', q, m4('FORWARD'));
    expect((q.data[42]! << 8) | q.data[43]!).toBe(512);
  });

  it('inserts MSS min(N, 536) when the SYN has none and no data; lengths and checksums follow', () => {
    const p = syn('ipv4', [4, 2]);
    const len = p.length;
    runRule('-p tcp --syn -j TCPMSS --set-mss 1400', p, m4('FORWARD'));
    expect(p.length).toBe(len + 4);
    expect(p.data.length).toBe(len + 4);
    expect(Array.from(p.data.subarray(40, 48))).toEqual([2, 4, 0x02, 0x18, 4, 2, 1, 1]);
    expect(ipv4ChecksumOk(p.data)).toBe(true);
    expect(tcpOk(p)).toBe(true);
    inSync(p);
    expect(p.l4).toMatchObject({ kind: 'tcp', h: { headerLength: 28 } });
    // Data after the header: unchanged.
    const d = syn('ipv4', [4, 2], 4);
    const before = d.data.slice();
    runRule('-p tcp --syn -j TCPMSS --set-mss 1400', d, m4('FORWARD'));
    expect(d.data).toEqual(before);
  });

  it('--clamp-mss-to-pmtu: 1500 - 40 (IPv4) and 1500 - 60 (IPv6); IPv6 inserts at most 1220', () => {
    const p = syn('ipv4', [2, 4, 0xff, 0xff]);
    runRule('-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu', p, m4('FORWARD'));
    expect((p.data[42]! << 8) | p.data[43]!).toBe(1460);
    expect(tcpOk(p)).toBe(true);
    const q = syn('ipv6', [2, 4, 0xff, 0xff]);
    runRule('-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu', q, m6('FORWARD'));
    expect((q.data[62]! << 8) | q.data[63]!).toBe(1440);
    expect(tcpOk(q)).toBe(true);
    const r = syn('ipv6', []);
    runRule('-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu', r, m6('FORWARD'));
    expect((r.data[62]! << 8) | r.data[63]!).toBe(1220);
    expect(r.length).toBe(64);
    expect((r.data[4]! << 8) | r.data[5]!).toBe(24);
    expect(tcpOk(r)).toBe(true);
  });

  it('a TCP header shorter than its data offset drops the packet; a non-first fragment is left alone', () => {
    const p = syn('ipv4', []);
    p.data[32] = 0xf0; // doff 15 > segment length
    const bad = decodePacket('ipv4', p.data);
    expect(TCPMSS.target!({ mss: 1000 }, bad, null, m4('FORWARD'))).toEqual({ kind: 'drop' });
    const short = decodePacket('ipv4', p.data.slice(0, 30), 30);
    short.length = 30;
    expect(TCPMSS.target!({ mss: 1000 }, short, null, m4('FORWARD'))).toEqual({ kind: 'drop' });
    const frag = syn('ipv4', [2, 4, 0x05, 0xb4]);
    frag.fragOffset = 8;
    const before = frag.data.slice();
    expect(TCPMSS.target!({ mss: 1000 }, frag, null, m4('FORWARD'))).toEqual({ kind: 'continue' });
    expect(frag.data).toEqual(before);
  });
});
