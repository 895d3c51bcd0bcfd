/** Defragmentation (engine/defrag.ts): IPv4 and IPv6 reassembly as netfilter's -400 hooks do it. */
import { describe, expect, it } from 'vitest';
import { Defragmenter, defaultTruesize, type DefragResult } from '../engine/defrag.js';
import { buildPacketBytes, decodePacket, type Packet } from '../engine/packet.js';
import { parseIPv4Strict, parseIPv6 } from '../engine/net/addr.js';
import { ipv4ChecksumOk, readU16, writeU16 } from '../engine/wire/ipv4.js';
import { finish, sumBytes } from '../engine/wire/checksum.js';

const v4 = (s: string): number[] => [parseIPv4Strict(s)!];
const v6 = (s: string): number[] => parseIPv6(s)!;

/** A UDP datagram with `n` payload bytes (0, 1, 2, ...). */
function udp4(n: number, o: { id?: number; tos?: number; df?: boolean; src?: string; dst?: string } = {}): Uint8Array {
  const payload = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
  return buildPacketBytes({ src: v4(o.src ?? '198.51.100.7'), dst: v4(o.dst ?? '192.0.2.1'), proto: 17, sport: 4000, dport: 53, payload, ipId: o.id ?? 0x1234, tos: o.tos ?? 0, df: o.df ?? false });
}

interface Piece4 { off: number; len: number; more: boolean; df?: boolean; tos?: number; proto?: number; id?: number; options?: number }

/** An IPv4 fragment of `whole` (its data [off, off+len)) with its own header fields. */
function frag4(whole: Uint8Array, p: Piece4): Packet {
  const ihl = 20 + (p.options ?? 0);
  const data = whole.subarray(20 + p.off, 20 + p.off + p.len);
  const b = new Uint8Array(ihl + data.length);
  b.set(whole.subarray(0, 20), 0);
  b[0] = 0x40 | (ihl / 4);
  for (let i = 20; i < ihl; i++) b[i] = 1; // NOP options
  writeU16(b, 2, b.length);
  writeU16(b, 6, (p.df ? 0x4000 : 0) | (p.more ? 0x2000 : 0) | (p.off / 8));
  if (p.tos !== undefined) b[1] = p.tos;
  if (p.proto !== undefined) b[9] = p.proto;
  if (p.id !== undefined) writeU16(b, 4, p.id);
  b.set(data, ihl);
  writeU16(b, 10, 0);
  writeU16(b, 10, finish(sumBytes(b, 0, ihl)));
  return decodePacket('ipv4', b);
}

/** Split `whole` (IPv4) into fragments of `size` data bytes (a multiple of 8). */
function split4(whole: Uint8Array, size: number, extra: Partial<Piece4> = {}): Packet[] {
  const n = whole.length - 20;
  const out: Packet[] = [];
  for (let off = 0; off < n; off += size) out.push(frag4(whole, { off, len: Math.min(size, n - off), more: off + size < n, ...extra }));
  return out;
}

function feed(d: Defragmenter, pkts: Packet[], now = 0, ctx = {}): DefragResult[] {
  return pkts.map((p) => d.add(p, now, ctx));
}

function complete(r: DefragResult | undefined): Extract<DefragResult, { kind: 'complete' }> {
  expect(r?.kind).toBe('complete');
  return r as Extract<DefragResult, { kind: 'complete' }>;
}

/** The datagram the kernel rebuilds from `whole`: flags word as given, checksum recomputed. */
function expected4(whole: Uint8Array, flags = 0): Uint8Array {
  const b = whole.slice();
  writeU16(b, 6, flags);
  writeU16(b, 10, 0);
  writeU16(b, 10, finish(sumBytes(b, 0, 20)));
  return b;
}

describe('IPv4 reassembly', () => {
  it('leaves a packet that is not a fragment alone', () => {
    const d = new Defragmenter();
    expect(d.add(decodePacket('ipv4', udp4(100)), 0)).toEqual({ kind: 'not-fragment' });
    expect(d.queueCount()).toBe(0);
  });

  it('reassembles in order: first header, MF cleared, offset 0, length and checksum fixed, fragments recorded', () => {
    const whole = udp4(100);
    const d = new Defragmenter();
    const rs = feed(d, split4(whole, 40));
    expect(rs.slice(0, 2).map((r) => r.kind)).toEqual(['queued', 'queued']);
    const c = complete(rs[2]);
    expect(c.fragments).toBe(3);
    expect(c.packet.data).toEqual(expected4(whole));
    expect(ipv4ChecksumOk(c.packet.data)).toBe(true);
    expect(c.packet).toMatchObject({ length: 128, fragOffset: 0, moreFragments: false, proto: 17, sport: 4000, dport: 53, l4Offset: 20 });
    expect(c.reassembly.pieces).toEqual([
      { offset: 0, dataLength: 40, size: 60, more: true },
      { offset: 40, dataLength: 40, size: 60, more: true },
      { offset: 80, dataLength: 28, size: 48, more: false },
    ]);
    expect(c.reassembly.fragMaxSize).toBe(60);
    expect(d.queueCount()).toBe(0);
    expect(d.memory('ipv4')).toBe(0);
    expect(d.counters).toMatchObject({ ReasmReqds: 3, ReasmOKs: 1, ReasmFails: 0 });
  });

  it('reassembles in any order to the same bytes', () => {
    const whole = udp4(200);
    const fr = split4(whole, 32); // 7 fragments
    for (const order of [[6, 5, 4, 3, 2, 1, 0], [3, 0, 6, 1, 5, 2, 4], [1, 2, 3, 4, 5, 6, 0]]) {
      const d = new Defragmenter();
      const rs = feed(d, order.map((i) => fr[i]!));
      expect(rs.slice(0, 6).every((r) => r.kind === 'queued')).toBe(true);
      expect(complete(rs[6]).packet.data).toEqual(expected4(whole));
    }
  });

  it('drops a duplicate without touching the queue, including one inside a run of appended fragments', () => {
    const whole = udp4(100);
    const [a, b, c] = split4(whole, 40);
    const d = new Defragmenter();
    d.add(a!, 0);
    expect(d.add(a!, 0)).toMatchObject({ kind: 'dropped', reason: 'duplicate', verdict: 'STOLEN', queueDiscarded: false });
    d.add(b!, 0); // appended to the run [0, 80)
    // 16 bytes straddling the boundary of two fragments of the same run: a duplicate.
    expect(d.add(frag4(whole, { off: 32, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'duplicate' });
    expect(complete(d.add(c!, 0)).packet.data).toEqual(expected4(whole));
  });

  it('discards the whole queue on an overlap (Linux since the FragmentSmack fixes)', () => {
    const whole = udp4(100);
    const [a, b, c] = split4(whole, 40);
    const d = new Defragmenter();
    d.add(a!, 0);
    expect(d.add(frag4(whole, { off: 32, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'overlap', verdict: 'STOLEN', queueDiscarded: true });
    expect(d.queueCount()).toBe(0);
    expect(d.counters.ReasmOverlaps).toBe(1);
    // The rest starts a new queue that cannot complete without the first fragment.
    expect(d.add(b!, 0).kind).toBe('queued');
    expect(d.add(c!, 0).kind).toBe('queued');
    // Observed on Linux 6.18 too: resending the first fragment then completes the new queue.
    expect(complete(d.add(a!, 0)).packet.data).toEqual(expected4(whole));
  });

  it('calls a fragment spanning two separately queued runs an overlap, not a duplicate', () => {
    const whole = udp4(100);
    const [, b, c] = split4(whole, 40);
    const d = new Defragmenter();
    d.add(c!, 0); // [80, 108): the tail
    d.add(b!, 0); // [40, 80): before the tail, so a run of its own
    expect(d.add(frag4(whole, { off: 48, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'duplicate' });
    // [40, 88) holds only queued data, but across two runs: the kernel calls it an overlap.
    expect(d.add(frag4(whole, { off: 40, len: 48, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'overlap', queueDiscarded: true });
  });

  it('lets the last fragment fix the length: data past it, or another end, discards the queue', () => {
    const whole = udp4(100);
    const [a, , c] = split4(whole, 40);
    let d = new Defragmenter();
    d.add(a!, 0); d.add(c!, 0);
    const longer = udp4(200);
    expect(d.add(frag4(longer, { off: 96, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'bad-length', queueDiscarded: true });
    expect(d.queueCount()).toBe(0);
    d = new Defragmenter();
    d.add(a!, 0); d.add(c!, 0);
    expect(d.add(frag4(whole, { off: 40, len: 16, more: false }), 0)).toMatchObject({ kind: 'dropped', reason: 'bad-length', queueDiscarded: true });
    // A last fragment ending before data already queued.
    d = new Defragmenter();
    d.add(frag4(whole, { off: 40, len: 40, more: true }), 0);
    expect(d.add(frag4(whole, { off: 8, len: 16, more: false }), 0)).toMatchObject({ kind: 'dropped', reason: 'bad-length' });
  });

  it('trims a non-last fragment to a multiple of 8 and refuses an empty one', () => {
    const whole = udp4(100);
    const d = new Defragmenter();
    expect(d.add(frag4(whole, { off: 0, len: 45, more: true }), 0).kind).toBe('queued'); // kept as [0, 40)
    const c = complete(d.add(frag4(whole, { off: 40, len: 68, more: false }), 0));
    expect(c.packet.data).toEqual(expected4(whole));
    expect(c.reassembly.pieces[0]).toEqual({ offset: 0, dataLength: 40, size: 65, more: true });
    expect(d.add(frag4(whole, { off: 8, len: 5, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'empty', queueDiscarded: true });
  });

  it('keys queues by source, destination, id, protocol and defrag user (hook, zone)', () => {
    const whole = udp4(60);
    const [a, b] = split4(whole, 40);
    const d = new Defragmenter();
    d.add(a!, 0);
    expect(d.add(frag4(whole, { off: 40, len: 28, more: false, id: 9 }), 0).kind).toBe('queued');
    expect(d.add(frag4(whole, { off: 40, len: 28, more: false, proto: 6 }), 0).kind).toBe('queued');
    expect(d.add(b!, 0, { hook: 'OUTPUT' }).kind).toBe('queued');
    expect(d.add(b!, 0, { zone: 1 }).kind).toBe('queued');
    expect(d.queueCount('ipv4')).toBe(5);
    expect(complete(d.add(b!, 0)).packet.data).toEqual(expected4(whole));
  });

  it('expires a queue ipfrag_time (30 s) after its creation, whatever arrives meanwhile', () => {
    const whole = udp4(100);
    const [a, b, c] = split4(whole, 40);
    const d = new Defragmenter({ recordExpired: true });
    d.add(a!, 1000);
    d.add(b!, 30_000); // does not extend the deadline
    expect(d.expire(30_999)).toBe(0);
    expect(d.expire(31_000)).toBe(1);
    expect(d.memory('ipv4')).toBe(0);
    const [e] = d.takeExpired();
    expect(e).toMatchObject({ family: 'ipv4', id: 0x1234, hook: 'PREROUTING', at: 31_000 });
    expect(e!.first).toBe(a);
    expect(d.counters).toMatchObject({ ReasmTimeout: 1, ReasmFails: 1 });
    expect(d.add(c!, 31_000).kind).toBe('queued');
    // add() expires by itself.
    const d2 = new Defragmenter();
    d2.add(a!, 0); d2.add(b!, 0);
    expect(d2.add(c!, 30_000).kind).toBe('queued');
    expect(d2.queueCount()).toBe(1);
    const d3 = new Defragmenter({ ipv4: { timeoutMs: 5000 } });
    d3.add(a!, 0);
    expect(d3.nextDeadline()).toBe(5000);
  });

  it('drops fragments while the pool is above ipfrag_high_thresh, and frees it on completion', () => {
    const ts = defaultTruesize(60);
    expect(ts).toBe(768);
    // Room for one queue (200) + one fragment: the second fragment finds the pool above the threshold.
    const d = new Defragmenter({ ipv4: { highThresh: 200 + ts - 1 } });
    const whole = udp4(100);
    const [a, b] = split4(whole, 40);
    expect(d.add(a!, 0).kind).toBe('queued');
    expect(d.memory('ipv4')).toBe(200 + ts);
    expect(d.add(b!, 0)).toMatchObject({ kind: 'dropped', reason: 'memory', verdict: 'STOLEN', queueDiscarded: false });
    expect(d.add(split4(udp4(100, { id: 7 }), 40)[0]!, 0)).toMatchObject({ kind: 'dropped', reason: 'memory' });
    // Exactly at the threshold is still accepted (the test is "above").
    const d2 = new Defragmenter({ ipv4: { highThresh: 200 + ts } });
    d2.add(a!, 0);
    expect(d2.add(b!, 0).kind).toBe('queued');
    expect(d2.add(split4(whole, 40)[2]!, 0).kind).toBe('dropped');
    // 0 turns reassembly off.
    expect(new Defragmenter({ ipv4: { highThresh: 0 } }).add(a!, 0)).toMatchObject({ kind: 'dropped', reason: 'memory' });
    // A custom truesize.
    const d3 = new Defragmenter({ truesize: () => 1000 });
    d3.add(a!, 0);
    expect(d3.memory('ipv4')).toBe(1200);
  });

  it('drops a reassembled datagram larger than 65535 bytes with its queue', () => {
    const whole = udp4(100);
    const d = new Defragmenter();
    const big = new Uint8Array(20 + 65528 + 16);
    big.set(whole.subarray(0, 20));
    d.add(frag4(whole, { off: 0, len: 40, more: true }), 0);
    // Fill [40, 65528) with fragments of 1480 bytes: fake data from a large buffer.
    for (let off = 40; off < 65528; off += 1480) {
      const len = Math.min(1480, 65528 - off);
      d.add(frag4(big, { off, len, more: true }), 0);
    }
    expect(d.add(frag4(big, { off: 65528, len: 16, more: false }), 0)).toMatchObject({ kind: 'dropped', reason: 'oversize', queueDiscarded: true });
    expect(d.queueCount()).toBe(0);
    expect(d.memory('ipv4')).toBe(0);
  });

  it('sets DF on the result only when the largest fragment had DF; frag_max_size is the largest', () => {
    const whole = udp4(100);
    const d = new Defragmenter();
    const c = complete(feed(d, split4(whole, 40, { df: true }))[2]);
    expect(readU16(c.packet.data, 6)).toBe(0x4000);
    expect(c.reassembly).toMatchObject({ pmtu: true, fragMaxSize: 60 });
    const d2 = new Defragmenter();
    d2.add(frag4(whole, { off: 0, len: 16, more: true, df: true }), 0);
    const c2 = complete(d2.add(frag4(whole, { off: 16, len: 92, more: false }), 0));
    expect(readU16(c2.packet.data, 6)).toBe(0);
    expect(c2.reassembly).toMatchObject({ pmtu: false, fragMaxSize: 112 });
  });

  it('combines ECN as RFC 3168 §5.3: CE with ECT gives CE, Not-ECT with ECN fails', () => {
    const whole = udp4(60, { tos: 0x02 });
    const d = new Defragmenter();
    d.add(frag4(whole, { off: 0, len: 40, more: true, tos: 0x02 }), 0);
    const c = complete(d.add(frag4(whole, { off: 40, len: 28, more: false, tos: 0x03 }), 0));
    expect(c.packet.tos).toBe(0x03);
    const d2 = new Defragmenter();
    d2.add(frag4(whole, { off: 0, len: 40, more: true, tos: 0x00 }), 0);
    expect(d2.add(frag4(whole, { off: 40, len: 28, more: false, tos: 0x03 }), 0)).toMatchObject({ kind: 'dropped', reason: 'ecn', queueDiscarded: true });
  });

  it('keeps the first fragment header (options) and metadata, the input device of the last', () => {
    const whole = udp4(60);
    const d = new Defragmenter();
    const a = frag4(whole, { off: 0, len: 40, more: true, options: 4 });
    a.mark = 7; a.inIface = 'eth0';
    const b = frag4(whole, { off: 40, len: 28, more: false });
    b.mark = 9; b.inIface = 'eth1';
    d.add(b, 0);
    const c = complete(d.add(a, 0));
    expect(c.packet.data.length).toBe(24 + 68);
    expect(c.packet.l4Offset).toBe(24);
    expect(c.packet.data.subarray(20, 24)).toEqual(Uint8Array.of(1, 1, 1, 1));
    expect(ipv4ChecksumOk(c.packet.data)).toBe(true);
    expect(c.packet).toMatchObject({ mark: 7, inIface: 'eth0', length: 92, sport: 4000 });
    expect(c.reassembly.headerLength).toBe(24);
  });

  it('restarts a queue that fell more than ipfrag_max_dist fragments behind its source', () => {
    const whole = udp4(100);
    const [a, b, c] = split4(whole, 40);
    const d = new Defragmenter();
    d.add(a!, 0);
    // The kernel compares the counter difference, which counts this fragment too: 64 in between is too far.
    for (let i = 0; i < 64; i++) d.add(split4(udp4(100, { id: 100 + i }), 40)[0]!, 0);
    expect(d.add(b!, 10)).toEqual({ kind: 'queued', held: 1, restarted: true });
    expect(d.add(c!, 10).kind).toBe('queued'); // the first fragment was flushed
    // 63 in between is still fine, and maxDist 0 turns the check off.
    for (const [maxDist, between] of [[64, 63], [0, 500]] as const) {
      const d2 = new Defragmenter({ ipv4: { maxDist } });
      d2.add(a!, 0);
      for (let i = 0; i < between; i++) d2.add(split4(udp4(100, { id: 100 + i }), 40)[0]!, 0);
      d2.add(b!, 0);
      expect(d2.add(c!, 0).kind).toBe('complete');
    }
  });

  it('refuses to reassemble bytes a capture cut short', () => {
    const whole = udp4(100);
    const [a] = split4(whole, 40);
    const cut = decodePacket('ipv4', a!.data.slice(0, 30), a!.data.length);
    expect(new Defragmenter().add(cut, 0)).toMatchObject({ kind: 'dropped', reason: 'capture-truncated' });
  });
});

// --- IPv6 ---

/** A UDP datagram over IPv6 with `n` payload bytes, optionally a destination-options header first. */
function udp6(n: number, o: { dst?: string; tc?: number } = {}): Uint8Array {
  const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
  return buildPacketBytes({ src: v6('2001:db8::7'), dst: v6(o.dst ?? '2001:db8::1'), proto: 17, sport: 4000, dport: 53, payload, tos: o.tc ?? 0 });
}

interface Piece6 { off: number; len: number; more: boolean; id?: number; destopts?: boolean; tc?: number; inIface?: string }

/**
 * An IPv6 fragment of `whole` (a datagram with no extension headers): the unfragmentable part is
 * the fixed header (plus an 8-byte destination-options header when asked), then a fragment
 * header, then data [off, off+len) of the fragmentable part.
 */
function frag6(whole: Uint8Array, p: Piece6): Packet {
  const ext = p.destopts ? 8 : 0;
  const data = whole.subarray(40 + p.off, 40 + p.off + p.len);
  const b = new Uint8Array(40 + ext + 8 + data.length);
  b.set(whole.subarray(0, 40), 0);
  if (p.tc !== undefined) { b[0] = 0x60 | (p.tc >>> 4); b[1] = ((p.tc & 0x0f) << 4) | (b[1]! & 0x0f); }
  writeU16(b, 4, b.length - 40);
  const inner = whole[6]!;
  if (p.destopts) {
    b[6] = 60;
    b[40] = 44; b[41] = 0; b[42] = 1; b[43] = 4; // PadN of 4 bytes
  } else {
    b[6] = 44;
  }
  const fh = 40 + ext;
  b[fh] = inner;
  writeU16(b, fh + 2, p.off | (p.more ? 1 : 0));
  const id = p.id ?? 0xabcdef01;
  b[fh + 4] = id >>> 24; b[fh + 5] = (id >>> 16) & 0xff; b[fh + 6] = (id >>> 8) & 0xff; b[fh + 7] = id & 0xff;
  b.set(data, fh + 8);
  const pkt = decodePacket('ipv6', b);
  if (p.inIface) pkt.inIface = p.inIface;
  return pkt;
}

function split6(whole: Uint8Array, size: number, extra: Partial<Piece6> = {}): Packet[] {
  const n = whole.length - 40;
  const out: Packet[] = [];
  for (let off = 0; off < n; off += size) out.push(frag6(whole, { off, len: Math.min(size, n - off), more: off + size < n, ...extra }));
  return out;
}

describe('IPv6 reassembly', () => {
  it('leaves non-fragments and jumbograms alone', () => {
    const d = new Defragmenter();
    expect(d.add(decodePacket('ipv6', udp6(10)), 0)).toEqual({ kind: 'not-fragment' });
    const jumbo = udp6(10);
    writeU16(jumbo, 4, 0);
    jumbo[6] = 44;
    expect(d.add(decodePacket('ipv6', jumbo), 0)).toEqual({ kind: 'not-fragment' });
  });

  it('removes the fragment header and fixes the next header and payload length, in any order', () => {
    const whole = udp6(100);
    const fr = split6(whole, 32); // data of 108 bytes: 4 fragments
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
      const d = new Defragmenter();
      const rs = feed(d, order.map((i) => fr[i]!));
      const c = complete(rs[3]);
      expect(c.packet.data).toEqual(whole);
      expect(c.packet).toMatchObject({ proto: 17, sport: 4000, dport: 53, length: 148, fragOffset: 0, moreFragments: false, ipId: 0 });
      expect(c.fragments).toBe(4);
      expect(c.reassembly.fragMaxSize).toBe(40 + 8 + 32);
      expect(d.memory('ipv6')).toBe(0);
    }
  });

  it('keeps the extension headers before the fragment header, fixing the one that named it', () => {
    const whole = udp6(60);
    const d = new Defragmenter();
    feed(d, split6(whole, 32, { destopts: true }).slice(1));
    const c = complete(d.add(split6(whole, 32, { destopts: true })[0]!, 0));
    const want = new Uint8Array(whole.length + 8);
    want.set(whole.subarray(0, 40));
    want[6] = 60;
    want.set([17, 0, 1, 4, 0, 0, 0, 0], 40);
    want.set(whole.subarray(40), 48);
    writeU16(want, 4, whole.length - 40 + 8);
    expect(c.packet.data).toEqual(want);
    expect(c.packet.l4Offset).toBe(48);
    expect(c.reassembly.headerLength).toBe(48);
  });

  it('discards the whole queue on an overlap (RFC 5722) and drops duplicates quietly', () => {
    const whole = udp6(100);
    const [a, b, c, e] = split6(whole, 32);
    const d = new Defragmenter();
    d.add(a!, 0); d.add(b!, 0);
    expect(d.add(b!, 0)).toMatchObject({ kind: 'dropped', reason: 'duplicate', verdict: 'STOLEN', queueDiscarded: false });
    expect(d.add(frag6(whole, { off: 24, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'duplicate' });
    expect(d.add(frag6(whole, { off: 56, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'overlap', verdict: 'DROP', queueDiscarded: true });
    expect(d.queueCount('ipv6')).toBe(0);
    expect(d.add(c!, 0).kind).toBe('queued');
    expect(d.add(e!, 0).kind).toBe('queued');
  });

  it('lets a non-last fragment not a multiple of 8 through unreassembled, discarding its queue', () => {
    const whole = udp6(100);
    const [a] = split6(whole, 32);
    const d = new Defragmenter();
    d.add(a!, 0);
    expect(d.add(frag6(whole, { off: 32, len: 12, more: true }), 0)).toMatchObject({ kind: 'pass-through' });
    expect(d.queueCount()).toBe(0);
  });

  it('drops (NF_DROP) a fragment inconsistent with the last one but keeps the queue', () => {
    const whole = udp6(100);
    const fr = split6(whole, 32);
    const d = new Defragmenter();
    d.add(fr[3]!, 0);
    expect(d.add(frag6(udp6(200), { off: 96, len: 16, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'bad-length', verdict: 'DROP', queueDiscarded: false });
    expect(d.add(frag6(whole, { off: 64, len: 16, more: false }), 0)).toMatchObject({ kind: 'dropped', reason: 'bad-length' });
    expect(d.add(frag6(whole, { off: 32, len: 0, more: true }), 0)).toMatchObject({ kind: 'dropped', reason: 'empty', verdict: 'DROP', queueDiscarded: false });
    d.add(fr[0]!, 0); d.add(fr[1]!, 0);
    expect(complete(d.add(fr[2]!, 0)).packet.data).toEqual(whole);
  });

  it('lets a first fragment without its whole transport header pass unreassembled (RFC 8200 §4.5)', () => {
    const whole = buildPacketBytes({ src: v6('2001:db8::7'), dst: v6('2001:db8::1'), proto: 6, sport: 1, dport: 2, payload: new Uint8Array(40) });
    const d = new Defragmenter();
    expect(d.add(frag6(whole, { off: 0, len: 16, more: true }), 0)).toMatchObject({ kind: 'pass-through' });
    expect(d.add(frag6(whole, { off: 0, len: 24, more: true }), 0).kind).toBe('queued');
  });

  it('reassembles an atomic fragment at once and drops one ending past 65535', () => {
    const whole = udp6(20);
    const d = new Defragmenter();
    const c = complete(d.add(frag6(whole, { off: 0, len: 28, more: false }), 0));
    expect(c.packet.data).toEqual(whole);
    expect(c.fragments).toBe(1);
    const big = new Uint8Array(40 + 65536);
    big.set(whole.subarray(0, 40));
    expect(d.add(frag6(big, { off: 65528, len: 16, more: false }), 0)).toMatchObject({ kind: 'dropped', reason: 'oversize', verdict: 'DROP' });
  });

  it('expires after nf_conntrack_frag6_timeout (60 s)', () => {
    const whole = udp6(100);
    const fr = split6(whole, 32);
    const d = new Defragmenter();
    d.add(fr[0]!, 0);
    expect(d.expire(59_999)).toBe(0);
    expect(d.expire(60_000)).toBe(1);
    expect(d.counters.ReasmTimeout).toBe(0); // IPv4 counters only
  });

  it('keys on the input interface only for link-local and multicast destinations', () => {
    for (const [dst, sameQueue] of [['2001:db8::1', true], ['fe80::1', false], ['ff02::1', false]] as const) {
      const whole = udp6(60, { dst });
      const [a, b] = split6(whole, 32);
      const d = new Defragmenter();
      d.add(frag6(whole, { off: 0, len: 32, more: true, inIface: 'eth0' }), 0);
      const r = d.add(frag6(whole, { off: 32, len: 36, more: false, inIface: 'eth1' }), 0);
      expect(r.kind).toBe(sameQueue ? 'complete' : 'queued');
      expect(a && b).toBeTruthy();
    }
  });

  it('ORs CE into the traffic class and fails on Not-ECT mixed with ECN', () => {
    const whole = udp6(60, { tc: 0x01 });
    const d = new Defragmenter();
    d.add(frag6(whole, { off: 0, len: 32, more: true, tc: 0x01 }), 0);
    const c = complete(d.add(frag6(whole, { off: 32, len: 36, more: false, tc: 0x03 }), 0));
    expect(c.packet.tos).toBe(0x03);
    const d2 = new Defragmenter();
    d2.add(frag6(whole, { off: 0, len: 32, more: true, tc: 0x00 }), 0);
    expect(d2.add(frag6(whole, { off: 32, len: 36, more: false, tc: 0x02 }), 0)).toMatchObject({ kind: 'dropped', reason: 'ecn', verdict: 'STOLEN' });
  });

  it('keeps the IPv4 and IPv6 pools apart', () => {
    const d = new Defragmenter({ ipv4: { highThresh: 1 } });
    d.add(split4(udp4(100), 40)[0]!, 0);
    expect(d.add(split6(udp6(100), 32)[0]!, 0).kind).toBe('queued');
    expect(d.memory('ipv6')).toBe(200 + defaultTruesize(80));
  });
});
