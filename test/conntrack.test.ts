/** Conntrack: tuples, the table (lookup, confirm, clashes, expiry, table full), UDP, ICMP, ICMPv6, generic, `conntrack -L` lines. */
import { describe, expect, it } from 'vitest';
import { ConntrackTable, NodeIndex, bucketOf, conntrackBuckets, packetTuple, tupleOf, type CtResult } from '../engine/conntrack/table.js';
import { CTINFO, IPS, counterOf, remainingSeconds, type ConntrackEntry, type CtPacket } from '../engine/conntrack/entry.js';
import {
  hashParts, hashWords4, icmpTuple, invertTuple, makeTuple, readTuple, tupleEqual, tupleHash, tupleKey,
} from '../engine/conntrack/tuple.js';
import { formatConntrackLine, formatConntrackList, conntrackSummary } from '../engine/conntrack/format.js';
import { ctPacketFromBytes, ctPacketFromPacket } from '../engine/conntrack/packet.js';
import { buildPacketBytes, decodePacket } from '../engine/packet.js';
import { icmp, ip, other, tcp, udp } from '../engine/conntrack/build.js';
import { emitIpv4, type Ipv4Header } from '../engine/wire/ipv4.js';
import { emitUdp, fillL4Checksum } from '../engine/wire/transport.js';

type Tracked = Extract<CtResult, { kind: 'tracked' }>;

function tracked(r: CtResult): Tracked {
  if (r.kind !== 'tracked') throw new Error(`expected tracked, got ${JSON.stringify(r)}`);
  return r;
}

/** Conntrack hook plus confirm, as a packet that is not dropped in between sees it. */
function pass(t: ConntrackTable, p: CtPacket, now: number): CtResult {
  const r = t.in(p, now);
  if (r.kind === 'tracked') {
    const c = t.confirm(r.entry, r.ctinfo, now);
    if (c.kind === 'drop') throw new Error(c.reason);
  }
  return r;
}

/** The hash seed the early-drop tests give their tables, and their bucket count. */
const SEED = 99;
const BUCKETS = 512;

/** The hash buckets of an entry's two nodes (original, reply) in a table seeded `SEED`. */
function nodeBuckets(e: ConntrackEntry, buckets = BUCKETS): number[] {
  return [tupleOf(e, 0), tupleOf(e, 1)].map((t) => bucketOf(tupleHash(t, SEED), buckets));
}

/** The buckets early drop searches for a new flow `p` (its original tuple's bucket and the 7 after). */
function walkOf(p: CtPacket, buckets = BUCKETS): number[] {
  const b = bucketOf(tupleHash(packetTuple(p)!, SEED), buckets);
  return Array.from({ length: 8 }, (_, k) => (b + k) % buckets);
}

/**
 * A new UDP flow from `src` whose early-drop walk meets a node of `target` and no node of any
 * entry in `others` (`target` null: meets none of them).
 */
function flowMeeting(target: ConntrackEntry | null, others: readonly ConntrackEntry[], src = '10.0.9.9', buckets = BUCKETS): CtPacket {
  const avoid = new Set(others.filter((e) => e !== target).flatMap((e) => nodeBuckets(e, buckets)));
  const want = target ? new Set(nodeBuckets(target, buckets)) : null;
  for (let port = 1; port < 65536; port++) {
    const p = udp(`${src}:${port}`, '10.0.0.2:99');
    const walk = walkOf(p, buckets);
    if (walk.some((b) => avoid.has(b))) continue;
    if (want ? walk.some((b) => want.has(b)) : true) return p;
  }
  throw new Error('no such flow');
}

describe('tuples', () => {
  const a = ip('10.0.0.1');
  const b = ip('10.0.0.2');
  it('inverts ports and addresses', () => {
    const t = makeTuple('ipv4', a, b, 17, 5000, 53);
    expect(invertTuple(t)).toEqual(makeTuple('ipv4', b, a, 17, 53, 5000));
    expect(tupleEqual(invertTuple(invertTuple(t)!)!, t)).toBe(true);
  });
  it('maps ICMP requests to replies and keeps the id (invmap)', () => {
    for (const [q, r] of [[8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [17, 18], [18, 17]] as const) {
      expect(invertTuple(icmpTuple('ipv4', a, b, q, 0, 77))).toEqual(icmpTuple('ipv4', b, a, r, 0, 77));
    }
    expect(invertTuple(icmpTuple('ipv4', a, b, 3, 3, 0))).toBeNull();
    expect(invertTuple(icmpTuple('ipv4', a, b, 9, 0, 0))).toBeNull();
  });
  it('maps ICMPv6 echo and node information', () => {
    const x = ip('fd00::1');
    const y = ip('fd00::2');
    expect(invertTuple(icmpTuple('ipv6', x, y, 128, 0, 9))).toEqual(icmpTuple('ipv6', y, x, 129, 0, 9));
    expect(invertTuple(icmpTuple('ipv6', x, y, 129, 0, 9))).toEqual(icmpTuple('ipv6', y, x, 128, 0, 9));
    expect(invertTuple(icmpTuple('ipv6', x, y, 139, 0, 9))).toEqual(icmpTuple('ipv6', y, x, 140, 0, 9));
    expect(invertTuple(icmpTuple('ipv6', x, y, 1, 4, 0))).toBeNull();
  });
  it('protocols without ports keep a zero L4 part', () => {
    expect(invertTuple(makeTuple('ipv4', a, b, 50))).toEqual(makeTuple('ipv4', b, a, 50));
  });
  it('keys and hashes are equal exactly for equal tuples', () => {
    const t1 = makeTuple('ipv4', a, b, 6, 1, 2);
    const t2 = makeTuple('ipv4', [...a], [...b], 6, 1, 2);
    const t3 = makeTuple('ipv4', a, b, 6, 2, 1);
    expect(tupleKey(t1)).toBe(tupleKey(t2));
    expect(tupleHash(t1)).toBe(tupleHash(t2));
    expect(tupleKey(t1)).not.toBe(tupleKey(t3));
    expect(tupleHash(t1)).not.toBe(tupleHash(t3));
  });
  it('reads a tuple from the first bytes of a transport header', () => {
    const bytes = Uint8Array.from([0x13, 0x88, 0x00, 0x35]);
    expect(readTuple('ipv4', a, b, 17, bytes, 0)).toEqual(makeTuple('ipv4', a, b, 17, 5000, 53));
    expect(readTuple('ipv4', a, b, 17, bytes, 1)).toBeNull();
    const echo = Uint8Array.from([8, 0, 0, 0, 0x12, 0x34, 0, 1]);
    expect(readTuple('ipv4', a, b, 1, echo, 0)).toEqual(icmpTuple('ipv4', a, b, 8, 0, 0x1234));
  });
});

describe('UDP', () => {
  it('a DNS query and its quick answer stay at 30 s and unassured', () => {
    const t = new ConntrackTable();
    const q = tracked(pass(t, udp('10.0.0.1:40000', '10.0.0.53:53'), 0));
    expect(q.ctinfo).toBe(CTINFO.NEW);
    expect(remainingSeconds(q.entry, 0)).toBe(30);
    const a = tracked(pass(t, udp('10.0.0.53:53', '10.0.0.1:40000'), 40));
    expect(a.ctinfo).toBe(CTINFO.ESTABLISHED_REPLY);
    expect(remainingSeconds(a.entry, 40)).toBe(30);
    expect(a.entry.status & IPS.ASSURED).toBe(0);
    expect(formatConntrackLine(a.entry, 1040)).toBe(
      'udp      17 29 src=10.0.0.1 dst=10.0.0.53 sport=40000 dport=53 src=10.0.0.53 dst=10.0.0.1 sport=53 dport=40000 mark=0 use=1');
  });

  it('a flow older than 2 s with a reply gets 120 s and ASSURED; the first reply still 30 s', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:4000', '10.0.0.2:4000'), 0)).entry;
    pass(t, udp('10.0.0.1:4000', '10.0.0.2:4000'), 2500); // no reply yet: 30 s
    expect(remainingSeconds(e, 2500)).toBe(30);
    const r = tracked(pass(t, udp('10.0.0.2:4000', '10.0.0.1:4000'), 3000)); // first reply: still 30 s
    expect(remainingSeconds(e, 3000)).toBe(30);
    expect(r.entry.status & IPS.ASSURED).toBe(0);
    pass(t, udp('10.0.0.1:4000', '10.0.0.2:4000'), 3100);
    expect(remainingSeconds(e, 3100)).toBe(120);
    expect(e.status & IPS.ASSURED).toBeTruthy();
  });

  it('within 2 s of the first packet a replied flow stays at 30 s', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:4000', '10.0.0.2:4000'), 0)).entry;
    pass(t, udp('10.0.0.2:4000', '10.0.0.1:4000'), 100);
    pass(t, udp('10.0.0.1:4000', '10.0.0.2:4000'), 2000); // not after stream_ts (strictly later needed)
    expect([remainingSeconds(e, 2000), e.status & IPS.ASSURED]).toEqual([30, 0]);
    pass(t, udp('10.0.0.1:4000', '10.0.0.2:4000'), 2001);
    expect(remainingSeconds(e, 2001)).toBe(120);
  });

  it('§5.6: an unreplied SNATed flow after a port clash', () => {
    const t = new ConntrackTable();
    // 10.99.0.1:40000 → server holds the tuple first.
    pass(t, udp('10.99.0.1:40000', '10.99.0.2:5353'), 0);
    const r = tracked(t.in(udp('10.99.0.3:40000', '10.99.0.2:5353'), 0));
    // SNAT to 10.99.0.1 keeping port 40000 would clash; NAT picks 47265.
    const keep = makeTuple('ipv4', ip('10.99.0.1'), ip('10.99.0.2'), 17, 40000, 5353);
    expect(t.natUsedTuple(keep, r.entry, 0)).toBe(true);
    const chosen = makeTuple('ipv4', ip('10.99.0.1'), ip('10.99.0.2'), 17, 47265, 5353);
    expect(t.natUsedTuple(chosen, r.entry, 0)).toBe(false);
    t.alterReply(r.entry, invertTuple(chosen)!);
    r.entry.status |= IPS.SRC_NAT | IPS.SRC_NAT_DONE | IPS.DST_NAT_DONE;
    expect(t.confirm(r.entry, r.ctinfo, 0).kind).toBe('accept');
    expect(formatConntrackLine(r.entry, 1)).toBe(
      'udp      17 29 src=10.99.0.3 dst=10.99.0.2 sport=40000 dport=5353 [UNREPLIED] src=10.99.0.2 dst=10.99.0.1 sport=5353 dport=47265 mark=0 use=1');
    // The reply to the translated tuple finds the entry in reply direction.
    const back = tracked(t.in(udp('10.99.0.2:5353', '10.99.0.1:47265'), 5));
    expect([back.entry, back.ctinfo]).toEqual([r.entry, CTINFO.ESTABLISHED_REPLY]);
  });

  it('UDP-Lite is assured by the first packet after a reply', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2', 10, 136), 0)).entry;
    pass(t, udp('10.0.0.2:2', '10.0.0.1:1', 10, 136), 10);
    pass(t, udp('10.0.0.1:1', '10.0.0.2:2', 10, 136), 20);
    expect([remainingSeconds(e, 20), !!(e.status & IPS.ASSURED)]).toEqual([120, true]);
    expect(formatConntrackLine(e, 20)).toMatch(/^udplite  136 120 /);
  });

  it('a malformed UDP length is INVALID', () => {
    const t = new ConntrackTable();
    const p = udp('10.0.0.1:1', '10.0.0.2:2');
    if (p.l4?.kind === 'udp') p.l4.length = 4000;
    expect(t.in(p, 0).kind).toBe('invalid');
  });
});

describe('ICMP', () => {
  it('§5.6: echo request and reply share one entry, kept after the reply', () => {
    const t = new ConntrackTable();
    const q = tracked(pass(t, icmp('10.99.0.1', '10.99.0.2', 8, 0, 1), 0));
    expect(q.ctinfo).toBe(CTINFO.NEW);
    const a = tracked(pass(t, icmp('10.99.0.2', '10.99.0.1', 0, 0, 1), 5));
    expect([a.entry, a.ctinfo]).toEqual([q.entry, CTINFO.ESTABLISHED_REPLY]);
    expect(t.list(5)).toHaveLength(1);
    expect(formatConntrackLine(q.entry, 1005)).toBe(
      'icmp     1 29 src=10.99.0.1 dst=10.99.0.2 type=8 code=0 id=1 src=10.99.0.2 dst=10.99.0.1 type=0 code=0 id=1 mark=0 use=1');
    const again = tracked(pass(t, icmp('10.99.0.1', '10.99.0.2', 8, 0, 1), 2000));
    expect(again.ctinfo).toBe(CTINFO.ESTABLISHED);
  });

  it('only echo, timestamp, information and address-mask requests create entries', () => {
    const t = new ConntrackTable();
    for (const type of [8, 13, 15, 17]) expect(t.in(icmp('10.0.0.1', '10.0.0.2', type, 0, type), 0).kind, String(type)).toBe('tracked');
    for (const type of [0, 14, 16, 18, 9, 10]) expect(t.in(icmp('10.0.0.1', '10.0.0.2', type, 0, 1), 0).kind, String(type)).toBe('invalid');
    expect(t.in(icmp('10.0.0.1', '10.0.0.2', 40, 0, 1), 0)).toEqual({ kind: 'invalid', reason: 'invalid icmp type' });
  });

  it('a port unreachable is RELATED to the UDP flow it quotes', () => {
    const t = new ConntrackTable();
    const flow = tracked(pass(t, udp('10.0.0.1:5000', '10.0.0.2:53'), 0)).entry;
    const quoted = makeTuple('ipv4', ip('10.0.0.1'), ip('10.0.0.2'), 17, 5000, 53);
    const err = tracked(t.in(icmp('10.0.0.2', '10.0.0.1', 3, 3, 0, quoted), 10));
    expect([err.entry, err.ctinfo]).toEqual([flow, CTINFO.RELATED_REPLY]);
    // An error travelling in the original direction is RELATED.
    const back = makeTuple('ipv4', ip('10.0.0.2'), ip('10.0.0.1'), 17, 53, 5000);
    expect(tracked(t.in(icmp('10.0.0.1', '10.0.0.2', 3, 3, 0, back), 11)).ctinfo).toBe(CTINFO.RELATED);
    // The error does not count, refresh or reply the entry.
    expect(flow.replyPackets).toBe(0);
    expect(flow.status & IPS.SEEN_REPLY).toBe(0);
    // Wrong outer destination, unknown flow, unreadable quote: INVALID.
    expect(t.in(icmp('10.0.0.2', '10.0.0.9', 3, 3, 0, quoted), 12).kind).toBe('invalid');
    expect(t.in(icmp('10.0.0.2', '10.0.0.1', 3, 3, 0, makeTuple('ipv4', ip('10.0.0.1'), ip('10.0.0.2'), 17, 5001, 53)), 12).kind).toBe('invalid');
    expect(t.in(icmp('10.0.0.2', '10.0.0.1', 3, 3, 0, null), 12).kind).toBe('invalid');
  });

  it('the same from packet bytes (ctPacketFromBytes)', () => {
    const t = new ConntrackTable();
    const dgram = udpBytes('10.0.0.1', '10.0.0.2', 5000, 53, 12);
    const p = ctPacketFromBytes(dgram)!;
    expect(p.badChecksum).toBe(false);
    expect(packetTuple(p)).toEqual(makeTuple('ipv4', ip('10.0.0.1'), ip('10.0.0.2'), 17, 5000, 53));
    const flow = tracked(pass(t, p, 0)).entry;
    const err = ctPacketFromBytes(icmpErrorBytes('10.0.0.2', '10.0.0.1', 3, 3, dgram.subarray(0, 28)))!;
    expect(err.badChecksum).toBe(false);
    const r = tracked(t.in(err, 1));
    expect([r.entry, r.ctinfo]).toEqual([flow, CTINFO.RELATED_REPLY]);
    // A corrupted checksum is INVALID at PREROUTING.
    const bad = udpBytes('10.0.0.1', '10.0.0.2', 5000, 53, 12);
    bad[bad.length - 1] ^= 0xff;
    expect(ctPacketFromBytes(bad)!.badChecksum).toBe(true);
    expect(t.in(ctPacketFromBytes(bad)!, 2).kind).toBe('invalid');
  });

  it('ICMPv6: echo tracked, neighbour discovery UNTRACKED, errors RELATED', () => {
    const t = new ConntrackTable();
    const q = tracked(pass(t, icmp('fd00::1', 'fd00::2', 128, 0, 7), 0));
    const a = tracked(pass(t, icmp('fd00::2', 'fd00::1', 129, 0, 7), 1));
    expect([a.entry, a.ctinfo]).toEqual([q.entry, CTINFO.ESTABLISHED_REPLY]);
    expect(formatConntrackLine(q.entry, 1)).toBe(
      'icmpv6   58 30 src=fd00::1 dst=fd00::2 type=128 code=0 id=7 src=fd00::2 dst=fd00::1 type=129 code=0 id=7 mark=0 use=1');
    expect(t.in(icmp('fd00::1', 'ff02::1:ff00:2', 135, 0, 0), 2)).toEqual({ kind: 'untracked' });
    expect(t.in(icmp('fd00::2', 'fd00::1', 129, 0, 99), 2).kind).toBe('invalid');
    const flow = tracked(pass(t, udp('[fd00::1]:5000', '[fd00::2]:53'), 3)).entry;
    const quoted = makeTuple('ipv6', ip('fd00::1'), ip('fd00::2'), 17, 5000, 53);
    const err = tracked(t.in(icmp('fd00::2', 'fd00::1', 1, 4, 0, quoted), 4));
    expect([err.entry, err.ctinfo]).toEqual([flow, CTINFO.RELATED_REPLY]);
  });
});

describe('table', () => {
  it('NOTRACK packets are UNTRACKED and leave no entry', () => {
    const t = new ConntrackTable();
    expect(t.in(udp('10.0.0.1:1', '10.0.0.2:2'), 0, { untracked: true })).toEqual({ kind: 'untracked' });
    expect(t.count).toBe(0);
  });

  it('a truncated transport header is INVALID', () => {
    const t = new ConntrackTable();
    expect(t.in({ ...udp('10.0.0.1:1', '10.0.0.2:2'), l4: null }, 0).kind).toBe('invalid');
  });

  it('a packet dropped before confirm leaves nothing: the retransmission is NEW again', () => {
    const t = new ConntrackTable();
    const first = tracked(t.in(udp('10.0.0.1:1', '10.0.0.2:2'), 0));
    const second = tracked(t.in(udp('10.0.0.1:1', '10.0.0.2:2'), 1000));
    expect(second.ctinfo).toBe(CTINFO.NEW);
    expect(second.entry).not.toBe(first.entry);
    expect(t.count).toBe(0);
  });

  it('a tuple that is its own inverse is found as the reply (the kernel\'s bucket lists the reply node first): its second packet makes it SEEN_REPLY', () => {
    for (const [p, family] of [[other('10.20.0.77', '10.20.0.77', 50), 'ipv4'], [udp('10.0.0.1:53', '10.0.0.1:53'), 'ipv4'], [udp('[fd00::1]:7', '[fd00::1]:7'), 'ipv6']] as const) {
      const t = new ConntrackTable();
      const e = tracked(pass(t, p, 0)).entry;
      expect(e.tuple[0].family).toBe(family);
      const again = tracked(t.in(p, 1));
      expect([again.entry, again.dir, again.ctinfo]).toEqual([e, 1, CTINFO.ESTABLISHED_REPLY]);
      expect(e.status & IPS.SEEN_REPLY).toBeTruthy();
    }
    // An ordinary tuple is found in its own direction.
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:5000', '10.0.0.1:53'), 0)).entry;
    expect(tracked(t.in(udp('10.0.0.1:5000', '10.0.0.1:53'), 1))).toMatchObject({ entry: e, dir: 0 });
  });

  it('entries expire on the virtual clock, lazily on lookup or by expire()', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 1000)).entry;
    expect(remainingSeconds(e, 30_999)).toBe(0);
    expect(t.find(e.tuple[0], 30_999)?.entry).toBe(e);
    expect(t.find(e.tuple[0], 31_000)).toBeNull();
    expect(t.count).toBe(0);
    const f = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 40_000));
    expect(f.ctinfo).toBe(CTINFO.NEW);
    expect(t.expire(69_999)).toEqual([]);
    expect(t.expire(70_000)).toEqual([f.entry]);
  });

  it('generic protocols get 600 s; GRE 30 s, then 180 s and ASSURED once replied', () => {
    const t = new ConntrackTable();
    const esp = tracked(pass(t, other('10.0.0.1', '10.0.0.2', 50), 0)).entry;
    expect(formatConntrackLine(esp, 0)).toBe('unknown  50 600 src=10.0.0.1 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 mark=0 use=1');
    const gre = tracked(pass(t, other('10.0.0.1', '10.0.0.2', 47), 0)).entry;
    expect(remainingSeconds(gre, 0)).toBe(30);
    pass(t, other('10.0.0.2', '10.0.0.1', 47), 1);
    pass(t, other('10.0.0.1', '10.0.0.2', 47), 2);
    expect([remainingSeconds(gre, 2), !!(gre.status & IPS.ASSURED)]).toEqual([180, true]);
  });

  it('when full, early drop kills the unassured entries of the first of 8 buckets from the new tuple\'s that has any, else the packet is dropped', () => {
    const t = new ConntrackTable({ max: 2, buckets: BUCKETS, hashSeed: SEED });
    const a = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    const b = tracked(pass(t, udp('10.0.0.1:3', '10.0.0.2:4'), 0)).entry;
    // A new flow whose 8 buckets hold none of a's or b's nodes: nothing to drop, the packet goes.
    expect(t.in(flowMeeting(null, [a, b]), 0)).toEqual({ kind: 'drop', reason: 'nf_conntrack: table full, dropping packet' });
    expect([t.stats.tableFull, t.stats.earlyDrop, t.count]).toEqual([1, 0, 2]);
    // One whose buckets meet b's: b goes (not the older a).
    const c = tracked(pass(t, flowMeeting(b, [a, b]), 0)).entry;
    expect(t.list(0)).toEqual([a, c]);
    expect(b.status & IPS.DYING).toBeTruthy();
    expect(t.stats.earlyDrop).toBe(1);
    // An assured entry is not taken: the packet is dropped though its buckets meet a.
    a.status |= IPS.ASSURED;
    expect(t.in(flowMeeting(a, [a, c]), 0).kind).toBe('drop');
    // Packets of existing connections still pass, and expired entries make room again.
    expect(t.in(udp('10.0.0.2:2', '10.0.0.1:1'), 0).kind).toBe('tracked');
    expect(t.in(flowMeeting(null, [a, c]), 31_000).kind).toBe('tracked');
  });

  it('early drop takes every unassured entry of the bucket it stops at, so the table falls below its limit', () => {
    const t = new ConntrackTable({ max: 3, buckets: BUCKETS, hashSeed: SEED });
    // Two entries with a node in one bucket, and a third elsewhere.
    const first = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    const shared = nodeBuckets(first)[0]!;
    let second: ConntrackEntry | null = null;
    for (let port = 3; second === null; port++) {
      const p = udp(`10.0.0.1:${port}`, '10.0.0.2:2');
      if (bucketOf(tupleHash(packetTuple(p)!, SEED), BUCKETS) === shared) second = tracked(pass(t, p, 0)).entry;
    }
    const third = tracked(pass(t, flowMeeting(null, [first, second]), 0)).entry;
    expect(t.count).toBe(3);
    // A new flow whose walk meets that bucket before any other node: both of its entries go.
    let p: CtPacket | null = null;
    for (let port = 1; p === null; port++) {
      const q = udp(`10.0.8.8:${port}`, '10.0.0.2:99');
      const walk = walkOf(q);
      const firstHit = walk.find((bk) => [first, second, third].some((e) => nodeBuckets(e).includes(bk)));
      if (firstHit === shared && !walk.slice(0, walk.indexOf(shared) + 1).some((bk) => nodeBuckets(third).includes(bk))) p = q;
    }
    const fourth = tracked(pass(t, p, 0)).entry;
    expect(t.stats.earlyDrop).toBe(2);
    expect(t.list(0)).toEqual([third, fourth]);
    expect([first.status & IPS.DYING, second.status & IPS.DYING].every(Boolean)).toBe(true);
  });

  it('with the default 262,144 buckets and a small nf_conntrack_max, most new connections past the limit are dropped (8 buckets mostly hold nothing)', () => {
    const t = new ConntrackTable({ max: 300 });
    expect(t.buckets).toBe(262144);
    for (let i = 0; i < 300; i++) pass(t, udp(`10.0.1.${i & 255}:${1000 + i}`, '10.0.0.2:53'), 0);
    let tracked = 0;
    for (let i = 0; i < 2000; i++) if (pass(t, udp(`10.0.2.${i & 255}:${2000 + i}`, '10.0.0.2:53'), 0).kind === 'tracked') tracked++;
    // 600 nodes in 262,144 buckets: a walk of 8 meets one with probability ≈ 1.8%.
    expect(tracked).toBeLessThan(100);
    expect(t.stats.tableFull).toBe(2000 - tracked);
    // With as many buckets as entries (the kernel's default ratio) nearly every one finds room.
    const u = new ConntrackTable({ max: 300, buckets: 300 });
    for (let i = 0; i < 300; i++) pass(u, udp(`10.0.1.${i & 255}:${1000 + i}`, '10.0.0.2:53'), 0);
    let roomy = 0;
    for (let i = 0; i < 2000; i++) if (pass(u, udp(`10.0.2.${i & 255}:${2000 + i}`, '10.0.0.2:53'), 0).kind === 'tracked') roomy++;
    expect(roomy).toBeGreaterThan(1500);
  });

  it('an IPv4 tuple hashes the same from its words as from the tuple (the table recomputes a node\'s hash from its record)', () => {
    let x = 99;
    const next = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let k = 0; k < 2000; k++) {
      const src = next(), dst = next(), sport = next() & 0xffff, dport = next() & 0xffff, seed = next() | 0, proto = [6, 17, 1, 132][k & 3]!;
      expect(hashWords4(proto, src | 0, dst | 0, ((sport << 16) | dport) | 0, seed)).toBe(hashParts('ipv4', proto, [src], [dst], sport, dport, seed));
    }
    // hashParts hands IPv4 to hashWords4, so the values themselves are pinned too: these are what
    // the word-array hash gave before it did (words signed or not, ports split back, any seed).
    const known: [number, number, number, number, number, number, number][] = [
      [17, 167772161, 3232235777, 5000, 53, 0, 839175159], [6, 4294967295, 16909060, 65535, 1, -1, 305901045],
      [1, 2130706433, 2130706433, 0, 2048, 123456789, 3883901728], [132, 2147483648, 174063632, 40000, 8080, -987654321, 654105306],
    ];
    for (const [proto, src, dst, sport, dport, seed, h] of known) {
      expect(hashParts('ipv4', proto, [src], [dst], sport, dport, seed)).toBe(h);
      expect(hashWords4(proto, src | 0, dst | 0, ((sport << 16) | dport) | 0, seed)).toBe(h);
    }
  });

  it('the bucket of a hash is reciprocal_scale exactly, and bucket counts round up to whole pages of heads', () => {
    let x = 12345;
    for (let k = 0; k < 5000; k++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const h = k < 4 ? [0, 1, 0xffffffff, 0x80000000][k]! : x;
      const n = k % 3 === 0 ? 2 ** 31 - 1 - (k % 7) : 1 + (Math.imul(x, 2654435761) >>> 1) % (2 ** 31 - 1);
      expect(bucketOf(h, n)).toBe(Number((BigInt(h) * BigInt(n)) >> 32n));
    }
    expect([1, 300, 512, 513, 262144].map(conntrackBuckets)).toEqual([512, 512, 512, 1024, 262144]);
  });

  it('recycleDropped: an early-dropped entry is reused only after the caller says nobody holds it, and comes back as new', () => {
    const t = new ConntrackTable({ max: 2, buckets: BUCKETS, hashSeed: SEED, recycleDropped: true });
    const a = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    pass(t, udp('10.0.0.2:2', '10.0.0.1:1'), 1);
    a.mark = 7;
    a.note = 'held';
    const aLine = formatConntrackLine(a, 1);
    const b = tracked(pass(t, udp('10.0.0.1:3', '10.0.0.2:4'), 2)).entry;
    // c's walk meets a: a is dropped for c, and still what it was (a packet may hold it).
    const c = tracked(pass(t, flowMeeting(a, [a, b], '10.0.9.1'), 3)).entry;
    expect(c).not.toBe(a);
    expect(a.status & IPS.DYING).toBeTruthy();
    expect(formatConntrackLine(a, 1)).toBe(aLine);
    expect(t.stats.earlyDrop).toBe(1);
    // b dropped before recycleDropped(): d is still a fresh object.
    const d = tracked(pass(t, flowMeeting(b, [b, c], '10.0.9.2'), 4)).entry;
    expect([d === a, d === b, t.stats.earlyDrop]).toEqual([false, false, 2]);
    t.recycleDropped();
    const e1 = tracked(pass(t, flowMeeting(c, [c, d], '10.0.9.3'), 5)).entry;
    expect(e1).toBe(b);
    const e = tracked(pass(t, flowMeeting(d, [d, e1], '10.0.9.4'), 5)).entry;
    expect(e).toBe(a);
    const et = tupleOf(e, 0);
    expect([e.mark, e.note, e.status & (IPS.DYING | IPS.SEEN_REPLY), e.origPackets, e.replyPackets, e.id > c.id]).toEqual([0, null, 0, 1, 0, true]);
    expect(formatConntrackLine(e, 5)).toBe(`udp      17 30 src=10.0.9.4 dst=10.0.0.2 sport=${et.sport} dport=99 [UNREPLIED] src=10.0.0.2 dst=10.0.9.4 sport=99 dport=${et.sport} mark=0 use=1`);
    expect(t.list(5)).toEqual([b, e]);
    // Without the option nothing is reused.
    const plain = new ConntrackTable({ max: 1, buckets: BUCKETS, hashSeed: SEED });
    const p1 = tracked(pass(plain, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    plain.recycleDropped();
    const p2 = tracked(pass(plain, flowMeeting(p1, [p1], '10.0.9.1'), 1)).entry;
    plain.recycleDropped();
    expect(tracked(pass(plain, flowMeeting(p2, [p2], '10.0.9.2'), 2)).entry).not.toBe(p1);
  });

  it("NAT's port index keeps nf_conntrack_tuple_taken's exception: a holder with the asker's own original tuple does not count", () => {
    const t = new ConntrackTable({ portIndexAfter: 1 });
    const a = tracked(pass(t, udp('10.0.0.1:5000', '10.0.0.2:53'), 0)).entry;
    // Askers that are not the entry the last lookup made: one with a's original tuple (its twin), one with another.
    const asker = (sport: number) => ({ index: -1, tuple: [makeTuple('ipv4', ip('10.0.0.1'), ip('10.0.0.2'), 17, sport, 53), makeTuple('ipv4', ip('10.0.0.2'), ip('10.0.0.1'), 17, 53, sport)] }) as unknown as ConntrackEntry;
    const twin = asker(5000), other = asker(6000);
    // a's reply tuple 10.0.0.2:53 → 10.0.0.1:5000, asked about by its fields: counted, indexed, then answered from the index.
    const used = (who: ConntrackEntry) => t.natUsedParts('ipv4', 17, ip('10.0.0.2'), ip('10.0.0.1'), 53, 5000, who, 1);
    for (let k = 0; k < 4; k++) expect([used(twin), used(other)]).toEqual([false, true]);
    expect(tupleOf(a, 1).dport).toBe(5000);
    // A port nobody holds is free from the index for everyone.
    expect(t.natUsedParts('ipv4', 17, ip('10.0.0.2'), ip('10.0.0.1'), 53, 5001, other, 1)).toBe(false);
  });

  it('the node index: every node stays reachable from its home slot through adds, deletions (with wrap-around) and resizes', () => {
    // Few distinct home slots, so that runs are long and cross the end of the slot array.
    let seed = 99;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const ix = new NodeIndex(32);
    const live = new Map<number, number>();
    for (let step = 0; step < 20000; step++) {
      if (live.size < 15 && (live.size === 0 || rnd(2) === 0)) {
        let n = rnd(1000);
        while (live.has(n)) n = rnd(1000);
        const h = ((rnd(4) + 29) | (rnd(3) << 5)) | 0; // home slots 29, 30, 31, 0 (mod 32)
        ix.add(h, n);
        live.set(n, h);
      } else {
        const keys = [...live.keys()];
        const n = keys[rnd(keys.length)]!;
        ix.delete(live.get(n)!, n);
        live.delete(n);
      }
      if (step === 10000) ix.resize(64);
      expect(ix.used).toBe(live.size);
      for (const [n, h] of live) expect(ix.has(h, n)).toBe(true);
    }
    expect([...live].every(([n, h]) => !ix.has(h, n + 1000))).toBe(true);
  });

  it('thousands of entries: lookups, deletions and expiry agree with a plain model through growth and rehashing', () => {
    // A seeded mix of new flows, replies, deletions and clock steps, checked against a map of
    // live flows: every flow is found in both directions until it expires or is deleted, and the
    // table lists exactly the live ones in confirmation order.
    let seed = 12345;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const t = new ConntrackTable({ max: 0 });
    const live = new Map<string, { e: ConntrackEntry; from: string; to: string }>();
    let now = 0;
    for (let step = 0; step < 6000; step++) {
      const op = rnd(10);
      if (op < 6) {
        const from = `10.${rnd(4)}.${rnd(250)}.1:${1 + rnd(3000)}`, to = `10.9.0.${1 + rnd(3)}:53`;
        if (live.has(from + to)) continue;
        const r = tracked(pass(t, udp(from, to), now));
        expect(r.ctinfo).toBe(CTINFO.NEW);
        live.set(from + to, { e: r.entry, from, to });
      } else if (op < 8 && live.size > 0) {
        const [k, v] = [...live][rnd(live.size)]!;
        expect(t.delete(v.e)).toBe(true);
        expect(t.delete(v.e)).toBe(false);
        live.delete(k);
      } else if (op === 8) {
        now += rnd(100);
        for (const [k, v] of live) if (v.e.timeout <= now) live.delete(k);
      } else if (live.size > 0) {
        const v = [...live.values()][rnd(live.size)]!;
        expect(t.find(v.e.tuple[0], now)).toEqual({ entry: v.e, dir: 0 });
        expect(t.find(v.e.tuple[1], now)).toEqual({ entry: v.e, dir: 1 });
      }
    }
    const expected = [...live.values()].map((v) => v.e).sort((a, b) => a.id - b.id);
    expect(t.list(now)).toEqual(expected);
    expect(t.listedCount(now)).toBe(expected.length);
    expect(t.count).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(1000);
    for (const v of live.values()) expect(t.find(v.e.tuple[1], now)?.entry).toBe(v.e);
  });

  it('a table with a limit grows to it in one step past 16,384 entries, and every entry stays found through the jump and the early drops after it', () => {
    const t = new ConntrackTable({ max: 40000, buckets: 40000 });
    const flows: ConntrackEntry[] = [];
    const flow = (i: number): CtPacket => udp(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 50000)}`, '10.96.0.10:53');
    let refused = 0;
    for (let i = 0; i < 45000; i++) {
      const r = pass(t, flow(i), i / 10);
      if (r.kind === 'tracked') flows.push(r.entry); else refused++;
    }
    // Every new flow past the limit early-dropped one or more entries, or was refused.
    const dropped = flows.filter((e) => e.status & IPS.DYING);
    expect(dropped.length).toBe(t.stats.earlyDrop);
    expect(refused).toBe(t.stats.tableFull);
    expect(t.count).toBe(flows.length - dropped.length);
    expect(t.count).toBeLessThanOrEqual(40000);
    expect([t.stats.earlyDrop > 4000, t.count > 39900]).toEqual([true, true]);
    // The victims are spread over the table's whole age, not the oldest ones.
    expect(dropped.filter((e) => e.id > 30000).length).toBeGreaterThan(500);
    // The survivors are found in both directions, the dropped ones not, and the list keeps its order.
    for (let k = 0; k < flows.length; k += 7) {
      const e = flows[k]!;
      if (e.status & IPS.DYING) expect(t.find(tupleOf(e, 0), 4500)).toBeNull();
      else {
        expect(t.find(e.tuple[0], 4500)).toEqual({ entry: e, dir: 0 });
        expect(t.find(e.tuple[1], 4500)).toEqual({ entry: e, dir: 1 });
      }
    }
    expect(t.list(4500)).toEqual(flows.filter((e) => !(e.status & IPS.DYING)));
    // The one step goes to the limit only for limits up to the default; a larger one keeps doubling.
    const capacity = (x: ConntrackTable): number => (x as unknown as { capacity: number }).capacity;
    expect(capacity(t)).toBe(40000);
    const big = new ConntrackTable({ max: 10_000_000 });
    for (let i = 0; i < 20000; i++) pass(big, flow(i), 0);
    expect(capacity(big)).toBe(32768);
  });

  it('a timeout changed from outside the table (REJECT closing a connection, a tracker) is what lookups see', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    e.timeout = 5_000; // shortened, as nf_ct_set_closing does
    expect(t.find(e.tuple[1], 4_999)?.entry).toBe(e);
    expect(t.tupleTaken(e.tuple[1], null, 4_999)).toBe(true);
    expect(t.find(e.tuple[0], 5_000)).toBeNull();
    expect(t.count).toBe(0);
    const f = tracked(pass(t, udp('10.0.0.1:3', '10.0.0.2:4'), 0)).entry;
    f.timeout = 100_000; // lengthened
    expect(t.find(f.tuple[0], 99_999)?.entry).toBe(f);
    expect(t.natUsedTuple(f.tuple[0], null, 99_999)).toBe(true);  // its inverse, the reply tuple, is f's
    expect(t.natUsedTuple(f.tuple[0], f, 99_999)).toBe(false);    // unless f is the one asking
    expect(t.natUsedTuple(f.tuple[0], null, 100_000)).toBe(false); // expired (and collected)
    expect(t.count).toBe(0);
  });

  it('a full table collects the expired entries among its 128 oldest before it early-drops', () => {
    const t = new ConntrackTable({ max: 200, buckets: BUCKETS, hashSeed: SEED });
    const all: ConntrackEntry[] = [];
    for (let i = 0; i < 200; i++) all.push(tracked(pass(t, udp(`10.0.0.1:${1000 + i}`, '10.0.0.2:53'), 0)).entry);
    for (const e of all) e.status |= IPS.ASSURED;
    // Everything assured: no room.
    expect(t.in(udp('10.0.0.1:7', '10.0.0.2:8'), 0).kind).toBe('drop');
    // An expired entry past the 128 oldest is not collected (no room); one among them is.
    all[150]!.timeout = 10;
    expect(t.in(udp('10.0.0.1:7', '10.0.0.2:8'), 20).kind).toBe('drop');
    all[100]!.timeout = 10;
    expect(t.in(udp('10.0.0.1:7', '10.0.0.2:8'), 20).kind).toBe('tracked');
    expect([all[100]!.index, t.stats.earlyDrop]).toEqual([-1, 0]);
  });

  it('a full table under churn makes room as a plain model of the kernel\'s rule does (expired among the oldest, then the 8-bucket walk)', () => {
    // Random new flows into a full table, timeouts shortened anywhere in it (as REJECT or a TCP
    // RST does), entries assured, clock steps: after every step the table holds exactly what a
    // plain model holds — an array, each entry's buckets computed from its tuples — in the same order.
    let seed = 777;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const max = 300;
    const t = new ConntrackTable({ max, buckets: BUCKETS, hashSeed: SEED });
    let model: ConntrackEntry[] = [];
    let now = 0, port = 1000, drops = 0, evictions = 0, collected = 0, multi = 0;
    for (let step = 0; step < 20000; step++) {
      const op = rnd(100);
      if (op < 70) {
        // Few sources, so that buckets fill (600 nodes in 512 buckets).
        const pkt = udp(`10.0.${rnd(4)}.1:${port++ & 0xffff}`, '10.0.0.2:53');
        let expected: 'drop' | 'tracked' = 'tracked';
        if (model.length + 1 > max) {
          const gone = model.slice(0, 128).filter((e) => e.timeout <= now);
          collected += gone.length;
          model = model.filter((e) => !gone.includes(e));
          if (model.length + 1 > max) {
            let found = false;
            for (const b of walkOf(pkt)) {
              const inBucket = model.filter((e) => nodeBuckets(e).includes(b));
              const expiredHere = inBucket.filter((e) => e.timeout <= now);
              const victims = inBucket.filter((e) => e.timeout > now && !(e.status & IPS.ASSURED));
              collected += expiredHere.length;
              model = model.filter((e) => !expiredHere.includes(e) && !victims.includes(e));
              if (victims.length > 0) { evictions += victims.length; if (victims.length > 1) multi++; found = true; break; }
            }
            if (!found) { expected = 'drop'; drops++; }
          }
        }
        const r = t.in(pkt, now);
        expect(r.kind).toBe(expected);
        if (r.kind === 'tracked') {
          expect(t.confirm(r.entry, r.ctinfo, now).kind).toBe('accept');
          model.push(r.entry);
        }
      } else if (op < 80 && model.length > 0) {
        model[rnd(model.length)]!.timeout = now + rnd(3000);
      } else if (op < 90 && model.length > 0) {
        model[rnd(model.length)]!.status |= IPS.ASSURED;
      } else if (op < 92 && model.length > 0) {
        model[rnd(model.length)]!.status &= ~IPS.ASSURED;
      } else if (op === 92) {
        for (const e of model) e.status |= IPS.ASSURED; // a table full of established connections
      } else {
        now += rnd(400);
      }
      if (step % 500 === 0 || step === 19999) expect(t.list(now)).toEqual(model.filter((e) => e.timeout > now));
      model = model.filter((e) => e.index >= 0 || e.timeout > now);
    }
    expect(t.stats.earlyDrop).toBe(evictions);
    // Every path was taken many times.
    expect([drops > 50, evictions > 1000, collected > 1000, multi > 20]).toEqual([true, true, true, true]);
  });

  it('an entry has the same tuples, timeout and UDP state before, while and after it is in the table, NATed or not, IPv4, ICMP or IPv6', () => {
    const t = new ConntrackTable();
    const cases: CtPacket[] = [udp('10.0.0.1:1111', '10.96.0.10:53'), icmp('10.0.0.1', '10.0.0.2', 8, 0, 77), udp('[fd00::1]:1111', '[fd00::2]:53')];
    for (const p of cases) {
      const r = tracked(t.in(p, 0));
      // NAT changes the reply tuple while the entry is unconfirmed.
      if (p.proto === 17) t.alterReply(r.entry, { ...r.entry.tuple[1], src: ip(p.family === 'ipv4' ? '10.244.0.5' : 'fd00::5') });
      const before = r.entry.tuple.map((x) => ({ ...x }));
      const proto = { ...r.entry.proto };
      expect(t.confirm(r.entry, r.ctinfo, 0).kind).toBe('accept');
      const expiry = r.entry.timeout;
      expect(r.entry.tuple).toEqual(before);
      expect([tupleOf(r.entry, 0), tupleOf(r.entry, 1)]).toEqual(before);
      expect(t.find(before[1]!, 1)).toEqual({ entry: r.entry, dir: 1 });
      expect(t.delete(r.entry)).toBe(true);
      expect(r.entry.tuple).toEqual(before);
      expect([r.entry.timeout, r.entry.proto]).toEqual([expiry, proto]);
      expect(t.find(before[0]!, 1)).toBeNull();
    }
  });

  it('tupleTaken ignores the asking entry and entries with the same original tuple', () => {
    const t = new ConntrackTable();
    const e = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    const n = tracked(t.in(udp('10.0.0.3:1', '10.0.0.2:2'), 0)).entry;
    expect(t.tupleTaken(e.tuple[1], n, 0)).toBe(true);
    expect(t.tupleTaken(e.tuple[0], n, 0)).toBe(true);
    expect(t.tupleTaken(e.tuple[1], e, 0)).toBe(false);
    expect(t.tupleTaken(n.tuple[1], n, 0)).toBe(false);
    expect(t.tupleTaken(e.tuple[1], n, 31_000)).toBe(false); // expired
  });

  it('alterReply is refused on a confirmed entry', () => {
    const t = new ConntrackTable();
    const r = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0));
    expect(() => t.alterReply(r.entry, r.entry.tuple[1])).toThrow(/confirmed/);
  });

  it('UDP confirm clashes: identical flows merge; an original-only clash is inserted by its reply tuple', () => {
    const t = new ConntrackTable();
    const a = tracked(t.in(udp('10.0.0.1:1', '10.0.0.2:2', 10), 0));
    const b = tracked(t.in(udp('10.0.0.1:1', '10.0.0.2:2', 10), 0));
    expect(t.confirm(a.entry, a.ctinfo, 0).kind).toBe('accept');
    const merged = t.confirm(b.entry, b.ctinfo, 0);
    expect(merged).toEqual({ kind: 'accept', entry: a.entry, ctinfo: CTINFO.NEW });
    expect(counterOf(a.entry, 0)).toEqual({ packets: 2, bytes: 76 });

    // Same original tuple, but this one was DNATed elsewhere: only its reply direction is new.
    const t2 = new ConntrackTable();
    const c = tracked(t2.in(udp('10.0.0.1:1', '10.0.0.2:2', 10), 0));
    const d = tracked(t2.in(udp('10.0.0.1:1', '10.0.0.2:2', 10), 0));
    expect(t2.confirm(c.entry, c.ctinfo, 0)).toEqual({ kind: 'accept', entry: c.entry, ctinfo: CTINFO.NEW });
    t2.alterReply(d.entry, makeTuple('ipv4', ip('10.0.0.9'), ip('10.0.0.1'), 17, 2, 1));
    const res = t2.confirm(d.entry, d.ctinfo, 100);
    expect(res).toEqual({ kind: 'accept', entry: d.entry, ctinfo: CTINFO.NEW });
    expect(d.entry.status & IPS.NAT_CLASH).toBeTruthy();
    expect(remainingSeconds(d.entry, 100)).toBe(1);
    expect(t2.list(100)).toEqual([c.entry]); // hidden from listings
    expect([t2.listedCount(100), [...t2.listing(100)]]).toEqual([1, [c.entry]]);
    const reply = tracked(t2.in(udp('10.0.0.9:2', '10.0.0.1:1'), 200));
    expect(reply.entry).toBe(d.entry);
    expect(remainingSeconds(d.entry, 200)).toBe(0); // fixed timeout: not refreshed
    expect(d.entry.status & IPS.ASSURED).toBe(0);
    // Original-direction packets still find the first entry, also after the clash entry died.
    expect(t2.find(c.entry.tuple[0], 1100)?.entry).toBe(c.entry);
    expect(t2.expire(1100)).toEqual([d.entry]);
    expect(t2.find(c.entry.tuple[0], 1100)?.entry).toBe(c.entry);
  });
});

describe('confirm after NAT found the reply tuple free', () => {
  it('still sees a clash when another entry took that reply tuple in between', () => {
    const t = new ConntrackTable();
    const e1 = tracked(t.in(udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    // NAT asks whether 10.0.0.9:2 → 10.0.0.1:1 is held: nobody holds it yet.
    expect(t.natUsedParts('ipv4', 17, ip('10.0.0.9'), ip('10.0.0.1'), 2, 1, e1, 0)).toBe(false);
    // Another connection, confirmed first, has that tuple as its reply.
    const e2 = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.9:2'), 0)).entry;
    t.alterReply(e1, makeTuple('ipv4', ip('10.0.0.9'), ip('10.0.0.1'), 17, 2, 1));
    expect(t.confirm(e1, CTINFO.NEW, 0)).toEqual({ kind: 'drop', reason: 'conntrack insert clash' });
    expect(t.list(0)).toEqual([e2]);
    // Without anything in between, the same sequence confirms.
    const t2 = new ConntrackTable();
    const f = tracked(t2.in(udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    expect(t2.natUsedParts('ipv4', 17, ip('10.0.0.9'), ip('10.0.0.1'), 2, 1, f, 0)).toBe(false);
    t2.alterReply(f, makeTuple('ipv4', ip('10.0.0.9'), ip('10.0.0.1'), 17, 2, 1));
    expect(t2.confirm(f, CTINFO.NEW, 0).kind).toBe('accept');
  });
});

describe('the conntrack view from a decoded packet', () => {
  it('equals the view parsed from the bytes, for every IPv4 TCP/UDP shape, and declines the rest', () => {
    const a = ip('10.0.0.1'), b = ip('10.0.0.2');
    const cases: Uint8Array[] = [];
    for (const proto of [6, 17, 1, 132, 47]) {
      const good = buildPacketBytes({ family: 'ipv4', src: a, dst: b, proto, sport: 1234, dport: 80, payload: new Uint8Array([1, 2, 3]), tcpOptions: proto === 6 ? Uint8Array.of(2, 4, 5, 180) : undefined });
      cases.push(good);
      const bad = good.slice(); bad[bad.length - 1] ^= 0xff; cases.push(bad);        // wrong transport checksum
      cases.push(good.subarray(0, good.length - 2));                                  // cut short by a capture
      cases.push(good.subarray(0, 20 + 3));                                           // transport header truncated
      const zero = good.slice(); if (proto === 17) { zero[26] = 0; zero[27] = 0; } cases.push(zero); // UDP without checksum
      const mf = good.slice(); mf[6] |= 0x20; cases.push(mf);                          // first fragment
      const later = good.slice(); later[7] = 3; cases.push(later);                    // non-first fragment
      const longer = new Uint8Array(good.length + 4); longer.set(good); cases.push(longer); // trailing bytes past the total length
    }
    let fast = 0;
    for (const bytes of cases) {
      const p = decodePacket('ipv4', bytes.slice(), bytes.length);
      const v = ctPacketFromPacket(p);
      if (v === null) continue;
      fast++;
      expect(v).toEqual(ctPacketFromBytes(p.data));
    }
    expect(fast).toBe(10); // TCP and UDP: whole, bad checksum, cut short, "zero checksum" (a real one for TCP), trailing bytes
    expect(ctPacketFromPacket(decodePacket('ipv6', buildPacketBytes({ family: 'ipv6', src: ip('fd00::1'), dst: ip('fd00::2'), proto: 17, sport: 1, dport: 2 }))) ).toBeNull();
  });
});

describe('conntrack -L', () => {
  it('lists entries with the summary line', () => {
    const t = new ConntrackTable();
    pass(t, icmp('10.99.0.1', '10.99.0.2', 8, 0, 1), 0);
    const e = tracked(pass(t, tcp('10.99.0.1:1', '10.99.0.2:2', 'S', 1, 0), 0)).entry;
    e.mark = 0xffffffff;
    expect(formatConntrackList(t.list(500), 500)).toBe(
      'icmp     1 29 src=10.99.0.1 dst=10.99.0.2 type=8 code=0 id=1 [UNREPLIED] src=10.99.0.2 dst=10.99.0.1 type=0 code=0 id=1 mark=0 use=1\n'
      + 'tcp      6 119 SYN_SENT src=10.99.0.1 dst=10.99.0.2 sport=1 dport=2 [UNREPLIED] src=10.99.0.2 dst=10.99.0.1 sport=2 dport=1 mark=4294967295 use=1\n');
    expect(conntrackSummary(2)).toBe('conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.');
  });
  it('prints the L3 prefix with -o extended', () => {
    const t = new ConntrackTable();
    const e: ConntrackEntry = tracked(pass(t, udp('10.0.0.1:1', '10.0.0.2:2'), 0)).entry;
    expect(formatConntrackLine(e, 0, { extended: true })).toMatch(/^ipv4     2 udp      17 30 /);
  });
});

/** An IPv4/UDP datagram with a correct checksum. */
function udpBytes(src: string, dst: string, sport: number, dport: number, payload: number): Uint8Array {
  const len = 28 + payload;
  const b = new Uint8Array(len);
  emitIpv4(ipv4(src, dst, 17, len), b, 0);
  emitUdp({ sport, dport, length: 8 + payload, checksum: 0 }, b, 20);
  for (let i = 28; i < len; i++) b[i] = i;
  fillL4Checksum('ipv4', 17, ip(src), ip(dst), b, 20, len);
  return b;
}

/** An ICMP error quoting `inner`, with a correct checksum. */
function icmpErrorBytes(src: string, dst: string, type: number, code: number, inner: Uint8Array): Uint8Array {
  const len = 28 + inner.length;
  const b = new Uint8Array(len);
  emitIpv4(ipv4(src, dst, 1, len), b, 0);
  b[20] = type;
  b[21] = code;
  b.set(inner, 28);
  fillL4Checksum('ipv4', 1, ip(src), ip(dst), b, 20, len);
  return b;
}

function ipv4(src: string, dst: string, protocol: number, totalLength: number): Ipv4Header {
  return {
    headerLength: 20, tos: 0, totalLength, id: 1, reserved: false, df: false, mf: false, fragOffset: 0, ttl: 64,
    protocol, checksum: 0, src: ip(src)[0]!, dst: ip(dst)[0]!, options: new Uint8Array(0),
  };
}

