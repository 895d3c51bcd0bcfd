/**
 * IP reassembly as netfilter's defragmentation hooks do it (priority -400 at PREROUTING and
 * OUTPUT, before raw and conntrack): IPv4 as `nf_defrag_ipv4` → `ip_defrag`
 * (net/ipv4/ip_fragment.c) and IPv6 as `nf_defrag_ipv6` → `nf_ct_frag6_gather`
 * (net/ipv6/netfilter/nf_conntrack_reasm.c), both on the shared queue code of
 * net/ipv4/inet_fragment.c. Written from a reading of Linux 6.6–6.12-era sources.
 *
 * What is modelled:
 * - Queue keys. IPv4: source, destination, id, protocol, defrag user (PREROUTING → CONNTRACK_IN,
 *   OUTPUT → CONNTRACK_OUT, plus the conntrack zone) and the VRF master ifindex (`vif`, 0 without
 *   VRF). IPv6: source, destination, id, user, and the input interface only when the destination
 *   is multicast or link-local (current mainline `fq_find`).
 * - Fragments in any order. Queued fragments are kept as the kernel's rb-tree of "runs"
 *   (`inet_frag_queue_insert`): a fragment past the end of the highest fragment is appended (to
 *   the last run when contiguous, else a new run); anything else is looked up among the runs: if
 *   it lies wholly inside one run it is a duplicate (dropped, queue kept); if it touches any run
 *   otherwise it is an overlap, and the whole queue is discarded. That holds for IPv4 as well
 *   since the 2018 FragmentSmack fixes (`IPFRAG_OVERLAP` → `discard_qp`), not only for IPv6
 *   (RFC 5722). A fragment spanning two runs that were built separately is an overlap, not a
 *   duplicate, exactly as in the kernel.
 * - Lengths. The fragment without MF fixes the datagram length; a later fragment reaching past
 *   it, or a second last fragment with another end, is corrupt. IPv4 then discards the whole
 *   queue; IPv6 drops only that fragment. A non-last fragment whose end is not a multiple of 8:
 *   IPv4 trims it down to one; IPv6 discards the queue and lets the fragment pass unreassembled
 *   (`-EPROTO` → NF_ACCEPT). An empty fragment is refused (IPv4: queue discarded). The result may
 *   not exceed 65535 bytes (IPv4 total length, IPv6 payload length), else it is dropped with the
 *   queue; an IPv6 fragment ending past 65535 is dropped at once.
 * - ECN: the RFC 3168 §5.3 combination table (`ip_frag_ecn_table`): CE with ECT makes the result
 *   CE; Not-ECT mixed with any ECN codepoint makes reassembly fail.
 * - IPv4 `ipfrag_max_dist` (64): a per-source counter of fragments; a queue that sees more than
 *   64 fragments from its source between two of its own is flushed and restarted.
 * - Timeouts on the caller's virtual clock: IPv4 `ipfrag_time` 30 s, IPv6
 *   `nf_conntrack_frag6_timeout` 60 s, counted from the queue's creation (new fragments do not
 *   push the deadline; an `ipfrag_max_dist` restart does).
 * - Memory: each family's pool counts a queue overhead (`sizeof(struct ipq)`, 200 bytes as
 *   /proc/slabinfo shows for ip4-frags) plus the truesize of every held fragment. As in
 *   `inet_frag_find`, a fragment arriving while the pool is above `high_thresh` (4 MiB, and 0
 *   disables reassembly) is dropped, for an existing queue too; nothing is evicted (there has been
 *   no evictor and `low_thresh` has been unused since Linux 4.17).
 * - The result: the first fragment's header (IPv4: its options, TTL, id; total length set, the
 *   flags word set to DF when the largest fragment carried DF (`IPSKB_FRAG_PMTU`) and to 0
 *   otherwise, checksum recomputed; IPv6: the unfragmentable part of the first fragment, the
 *   fragment header removed, the preceding Next Header set from it, payload length fixed), the
 *   ECN bits ORed in, and a record of the fragments (`frag_max_size` included, which the kernel
 *   uses to re-fragment on output).
 * - Verdicts: what the hook returns. IPv4 failures and every queued fragment are NF_STOLEN
 *   (silent); IPv6 failures before the fragment is queued are NF_DROP, duplicates and failures
 *   after it are NF_STOLEN.
 *
 * Not modelled here (the hook's caller decides): packets with a conntrack already attached
 * (loopback) or UNTRACKED, and sockets with IP_NODEFRAG, skip defragmentation.
 */
import type { Family, Words } from './net/addr.js';
import { decodePacket, type Packet } from './packet.js';
import { fillIpv4Checksum, readU16, readU32, writeU16 } from './wire/ipv4.js';

/** IPv4 defaults (`ipfrag_time`, `ipfrag_high_thresh`, `ipfrag_max_dist`, `sizeof(struct ipq)`). */
export const IPV4_DEFRAG_DEFAULTS = { timeoutMs: 30_000, highThresh: 4 * 1024 * 1024, maxDist: 64, queueSize: 200 } as const;

/** IPv6 defaults (`nf_conntrack_frag6_timeout`, `nf_conntrack_frag6_high_thresh`, queue overhead). */
export const IPV6_DEFRAG_DEFAULTS = { timeoutMs: 60_000, highThresh: 4 * 1024 * 1024, queueSize: 200 } as const;

/** Limits of one family's fragment pool. */
export interface DefragFamilyOptions {
  /** Queue lifetime in ms. */
  timeoutMs?: number;
  /** Pool size above which new fragments are dropped (0: no reassembly at all). */
  highThresh?: number;
  /** Bytes charged for each queue. */
  queueSize?: number;
}

/** How to build a Defragmenter. */
export interface DefragOptions {
  ipv4?: DefragFamilyOptions & { maxDist?: number };
  ipv6?: DefragFamilyOptions;
  /** The `skb->truesize` charged for a fragment of `length` bytes (default `defaultTruesize`). */
  truesize?: (length: number) => number;
  /** Keep the details of expired queues for `takeExpired` (for the ICMP time-exceeded error). */
  recordExpired?: boolean;
}

/** Where and for whom a fragment is gathered: the hook gives the defrag user, with the zone. */
export interface DefragContext {
  hook?: 'PREROUTING' | 'OUTPUT';
  /** Conntrack zone id (default 0). */
  zone?: number;
  /** IPv4 VRF master ifindex (default 0). */
  vif?: number;
}

/** Drop reasons. */
export type DefragDropReason =
  | 'memory' | 'duplicate' | 'overlap' | 'bad-length' | 'empty' | 'oversize' | 'ecn'
  | 'fragment-header' | 'capture-truncated';

/** One original fragment, as recorded on the reassembled datagram. */
export interface FragmentPiece {
  /** Offset of its data in the reassembled payload, bytes. */
  offset: number;
  /** Bytes of data it contributed. */
  dataLength: number;
  /** Its datagram length on the wire (IPv4 total length, IPv6 payload length + 40). */
  size: number;
  more: boolean;
}

/** What the reassembled datagram was built from. */
export interface ReassemblyRecord {
  fragments: number;
  /** The fragments kept, in offset order (duplicates were dropped and are not listed). */
  pieces: FragmentPiece[];
  /** `IPCB(skb)->frag_max_size` / `IP6CB`: the size the kernel re-fragments to on output at most. */
  fragMaxSize: number;
  /** IPv4: DF was set on the result because the largest fragment had DF (`IPSKB_FRAG_PMTU`). */
  pmtu: boolean;
  /** Bytes of the result before the reassembled data (IPv4 header; IPv6 unfragmentable part). */
  headerLength: number;
}

/** Result of offering one packet to the defragmenter. */
export type DefragResult =
  /** Not a fragment (or an IPv6 jumbogram): the hook accepts it unchanged. */
  | { kind: 'not-fragment' }
  /** An IPv6 fragment the hook lets through unreassembled (NF_ACCEPT). */
  | { kind: 'pass-through'; reason: string }
  /** Held in its queue (NF_STOLEN); `restarted` when an ipfrag_max_dist flush preceded it. */
  | { kind: 'queued'; held: number; restarted?: boolean }
  /** The last missing fragment: the hook continues with the reassembled datagram. */
  | { kind: 'complete'; packet: Packet; fragments: number; reassembly: ReassemblyRecord }
  /** Gone: NF_STOLEN (silent) or NF_DROP; `queueDiscarded` when its whole queue went too. */
  | { kind: 'dropped'; reason: DefragDropReason; detail: string; verdict: 'STOLEN' | 'DROP'; queueDiscarded: boolean };

/** The answer for a packet that is not a fragment (shared: most packets get it). */
const NOT_FRAGMENT: DefragResult = Object.freeze({ kind: 'not-fragment' });

/** A queue that timed out, for the caller's ICMP "fragment reassembly time exceeded". */
export interface ExpiredQueue {
  family: Family;
  src: Words;
  dst: Words;
  id: number;
  hook: 'PREROUTING' | 'OUTPUT';
  /** The offset-0 fragment, when it had arrived (no error is sent without it). */
  first: Packet | null;
  /** Virtual time the queue expired at. */
  at: number;
}

/** IPv4 reassembly counters as /proc/net/snmp names them. */
export interface Ipv4ReasmCounters {
  ReasmReqds: number;
  ReasmOKs: number;
  ReasmFails: number;
  ReasmTimeout: number;
  ReasmOverlaps: number;
}

/**
 * The default truesize: a linear skb whose data area (NET_SKB_PAD 64 + Ethernet 14 + the
 * datagram + `struct skb_shared_info` 320) is rounded up to a kmalloc size class, plus the
 * `struct sk_buff` (256). Driver allocation differs; pass `truesize` to model a given NIC.
 */
export function defaultTruesize(length: number): number {
  const need = 64 + 14 + length + 320;
  let size = 512;
  while (size < need) size *= 2;
  return size + 256;
}

/** Internal: one fragment held in a queue. */
interface Frag {
  offset: number;
  end: number;
  data: Uint8Array;
  pkt: Packet;
  size: number;
  more: boolean;
  truesize: number;
  /** IPv6: offset of the fragment header and of the Next Header byte before it. */
  fhoff: number;
  nhoff: number;
}

/** Internal: a run of contiguous fragments appended in order (a node of the kernel's rb-tree). */
interface Run {
  offset: number;
  len: number;
  frags: Frag[];
}

/** Internal: a reassembly queue. */
interface Queue {
  key: string;
  family: Family;
  src: Words;
  dst: Words;
  id: number;
  hook: 'PREROUTING' | 'OUTPUT';
  deadline: number;
  len: number;
  meat: number;
  firstIn: boolean;
  lastIn: boolean;
  runs: Run[];
  lastRun: Run | null;
  tail: Frag | null;
  head: Frag | null;
  ecn: number;
  maxSize: number;
  maxDfSize: number;
  /** Truesize of the fragments held. */
  mem: number;
  /** IPv4: the source peer's fragment counter when this queue last took a fragment. */
  rid: number;
}

/** Internal: one family's queues and pool. */
interface Pool {
  queues: Map<string, Queue>;
  mem: number;
  timeoutMs: number;
  highThresh: number;
  queueSize: number;
}

/** `ip_frag_ecn_table`, indexed by the OR of `1 << (tos & 3)` over the fragments. */
const ECN_TABLE: readonly number[] = (() => {
  const NOT_ECT = 1, ECT_1 = 2, ECT_0 = 4, CE = 8;
  const t = new Array<number>(16).fill(0);
  t[CE | ECT_0] = 3; t[CE | ECT_1] = 3; t[CE | ECT_0 | ECT_1] = 3;
  for (const x of [CE, ECT_0, ECT_1, CE | ECT_0, CE | ECT_1, ECT_0 | ECT_1, CE | ECT_0 | ECT_1]) t[NOT_ECT | x] = 0xff;
  return t;
})();

const IPV6_EXT_HOP = 0, IPV6_EXT_ROUTING = 43, IPV6_EXT_FRAGMENT = 44, IPV6_EXT_AUTH = 51, IPV6_EXT_NONE = 59, IPV6_EXT_DEST = 60;

/** `ipv6_ext_hdr`: the numbers the kernel walks over as extension headers. */
function isIpv6Ext(nh: number): boolean {
  return nh === IPV6_EXT_HOP || nh === IPV6_EXT_ROUTING || nh === IPV6_EXT_FRAGMENT || nh === IPV6_EXT_AUTH
    || nh === IPV6_EXT_NONE || nh === IPV6_EXT_DEST;
}

/** Length of the extension header at `pos` whose type is `nh` (AH counts 4-byte units). */
function extLength(b: Uint8Array, pos: number, nh: number): number {
  return nh === IPV6_EXT_AUTH ? (b[pos + 1]! + 2) * 4 : (b[pos + 1]! + 1) * 8;
}

/** `find_prev_fhdr`: the fragment header's offset and the offset of the byte naming it. */
function findFragmentHeader(b: Uint8Array, skbLen: number): { fhoff: number; nhoff: number } | null {
  let nh = b[6]!;
  let nhoff = 6;
  let start = 40;
  let len = skbLen - start;
  while (nh !== IPV6_EXT_FRAGMENT) {
    if (!isIpv6Ext(nh) || nh === IPV6_EXT_NONE || len < 2) return null;
    const hl = extLength(b, start, nh);
    nhoff = start;
    nh = b[start]!;
    len -= hl;
    start += hl;
  }
  if (len < 0) return null;
  return { fhoff: start, nhoff };
}

/** `ipv6frag_thdr_truncated`: an offset-0 fragment that does not hold its transport header. */
function transportTruncated(b: Uint8Array, skbLen: number, fhoff: number): boolean {
  let nh = IPV6_EXT_FRAGMENT;
  let start = fhoff;
  let fragOff = 0;
  while (isIpv6Ext(nh)) {
    if (nh === IPV6_EXT_NONE || start + 2 > skbLen) return false;
    let hl: number;
    if (nh === IPV6_EXT_FRAGMENT) {
      if (start + 4 > skbLen) return false;
      fragOff = readU16(b, start + 2);
      if (fragOff & ~7) break;
      hl = 8;
    } else {
      hl = extLength(b, start, nh);
    }
    nh = b[start]!;
    start += hl;
  }
  if (fragOff & 0xfff8) return false;
  const need = nh === 6 ? 20 : nh === 17 || nh === 58 ? 8 : 1;
  return start + need > skbLen;
}

/** Whether an IPv6 address is multicast or link-local (fe80::/10). */
function mcastOrLinkLocal(a: Words): boolean {
  const w = a[0]! >>> 0;
  return w >>> 24 === 0xff || (w & 0xffc00000) >>> 0 === 0xfe800000;
}

/** Reassembles fragments as the kernel's netfilter defragmentation does; one per node. */
export class Defragmenter {
  private readonly pools: Record<Family, Pool>;
  private readonly maxDist: number;
  private readonly truesize: (length: number) => number;
  private readonly recordExpired: boolean;
  private readonly expiredLog: ExpiredQueue[] = [];
  /** Per-source fragment counters (`inet_peer.rid`), by source and vif. */
  private readonly peers = new Map<string, number>();
  /** IPv4 reassembly counters (`ip_defrag` counts them; the IPv6 netfilter path does not). */
  readonly counters: Ipv4ReasmCounters = { ReasmReqds: 0, ReasmOKs: 0, ReasmFails: 0, ReasmTimeout: 0, ReasmOverlaps: 0 };

  constructor(opts: DefragOptions = {}) {
    const o4 = opts.ipv4 ?? {}, o6 = opts.ipv6 ?? {};
    this.pools = {
      ipv4: {
        queues: new Map(), mem: 0, timeoutMs: o4.timeoutMs ?? IPV4_DEFRAG_DEFAULTS.timeoutMs,
        highThresh: o4.highThresh ?? IPV4_DEFRAG_DEFAULTS.highThresh, queueSize: o4.queueSize ?? IPV4_DEFRAG_DEFAULTS.queueSize,
      },
      ipv6: {
        queues: new Map(), mem: 0, timeoutMs: o6.timeoutMs ?? IPV6_DEFRAG_DEFAULTS.timeoutMs,
        highThresh: o6.highThresh ?? IPV6_DEFRAG_DEFAULTS.highThresh, queueSize: o6.queueSize ?? IPV6_DEFRAG_DEFAULTS.queueSize,
      },
    };
    this.maxDist = o4.maxDist ?? IPV4_DEFRAG_DEFAULTS.maxDist;
    this.truesize = opts.truesize ?? defaultTruesize;
    this.recordExpired = opts.recordExpired ?? false;
  }

  /** Offer a packet at the defrag hook at virtual time `now` (ms); expired queues go first. */
  add(pkt: Packet, now: number, ctx: DefragContext = {}): DefragResult {
    this.expire(now);
    return pkt.family === 'ipv4' ? this.add4(pkt, now, ctx) : this.add6(pkt, now, ctx);
  }

  /** Drop the queues whose timer has fired by `now`; returns how many. */
  expire(now: number): number {
    // Nothing held (the common case): nothing to walk.
    if (this.pools.ipv4.queues.size === 0 && this.pools.ipv6.queues.size === 0) return 0;
    let n = 0;
    for (const family of ['ipv4', 'ipv6'] as const) {
      const pool = this.pools[family];
      // Queues sit in deadline order: created (or restarted) later means a later deadline.
      for (const q of pool.queues.values()) {
        if (q.deadline > now) break;
        this.release(pool, q);
        n++;
        if (family === 'ipv4') { this.counters.ReasmFails++; this.counters.ReasmTimeout++; }
        if (this.recordExpired) {
          this.expiredLog.push({ family, src: q.src, dst: q.dst, id: q.id, hook: q.hook, first: q.firstIn && q.head ? q.head.pkt : null, at: q.deadline });
        }
      }
    }
    return n;
  }

  /** The queues expired since the last call (only with `recordExpired`). */
  takeExpired(): ExpiredQueue[] {
    return this.expiredLog.splice(0);
  }

  /** Queues open now, per family or in all. */
  queueCount(family?: Family): number {
    return family ? this.pools[family].queues.size : this.pools.ipv4.queues.size + this.pools.ipv6.queues.size;
  }

  /** Bytes charged to a family's fragment pool (`frag_mem_limit`). */
  memory(family: Family): number {
    return this.pools[family].mem;
  }

  /** The earliest deadline of an open queue, or null (for a caller that schedules timers). */
  nextDeadline(): number | null {
    let d: number | null = null;
    for (const pool of Object.values(this.pools)) {
      const q = pool.queues.values().next();
      if (!q.done && (d === null || q.value.deadline < d)) d = q.value.deadline;
    }
    return d;
  }

  // --- IPv4: ip_defrag / ip_frag_queue / ip_frag_reasm ---

  private add4(pkt: Packet, now: number, ctx: DefragContext): DefragResult {
    const b = pkt.data;
    if (b.length < 20 || b[0]! >>> 4 !== 4) return NOT_FRAGMENT;
    const ihl = (b[0]! & 0x0f) * 4;
    const totalLength = readU16(b, 2);
    const flagsWord = readU16(b, 6);
    const mf = (flagsWord & 0x2000) !== 0;
    const offset = (flagsWord & 0x1fff) * 8;
    if (!mf && offset === 0) return NOT_FRAGMENT;
    if (ihl < 20 || totalLength < ihl || b.length < ihl) return NOT_FRAGMENT;
    if (b.length < totalLength) return capture();

    const c = this.counters;
    c.ReasmReqds++;
    const pool = this.pools.ipv4;
    if (pool.highThresh === 0 || pool.mem > pool.highThresh) {
      c.ReasmFails++;
      return drop('memory', `fragment pool above ipfrag_high_thresh (${pool.mem} > ${pool.highThresh} bytes)`, 'STOLEN', false);
    }
    const src = readU32(b, 12), dst = readU32(b, 16), id = readU16(b, 4), proto = b[9]!;
    const hook = ctx.hook ?? 'PREROUTING';
    const vif = ctx.vif ?? 0;
    const key = `${src}|${dst}|${id}|${proto}|${hook}|${ctx.zone ?? 0}|${vif}`;
    const q = this.findOrCreate(pool, key, 'ipv4', [src], [dst], id, hook, now);

    // ip_frag_too_far: more than ipfrag_max_dist fragments from this source since our last one.
    let restarted = false;
    if (this.maxDist > 0) {
      const peerKey = `${src}|${vif}`;
      const rid = ((this.peers.get(peerKey) ?? 0) + 1) >>> 0;
      this.peers.set(peerKey, rid);
      const start = q.rid;
      q.rid = rid;
      if (q.tail !== null && ((rid - start) >>> 0) > this.maxDist) {
        c.ReasmFails++;
        this.restart(pool, q, now);
        restarted = true;
      }
    }

    let end = offset + totalLength - ihl;
    const discard = (reason: DefragDropReason, detail: string): DefragResult => {
      this.release(pool, q);
      c.ReasmFails++;
      return drop(reason, detail, 'STOLEN', true);
    };
    if (!mf) {
      if (end < q.len || (q.lastIn && end !== q.len)) {
        return discard('bad-length', `last fragment ends at ${end} but the datagram ${q.lastIn ? 'ends' : 'already reaches'} at ${q.len}`);
      }
      q.lastIn = true;
      q.len = end;
    } else {
      end &= ~7;
      if (end > q.len) {
        if (q.lastIn) return discard('bad-length', `fragment reaches ${end}, past the last fragment's end ${q.len}`);
        q.len = end;
      }
    }
    if (end === offset) return discard('empty', `fragment at ${offset} carries no data`);

    const frag: Frag = {
      offset, end, data: b.slice(ihl, ihl + (end - offset)), pkt, size: totalLength, more: mf,
      truesize: this.truesize(totalLength), fhoff: 0, nhoff: 0,
    };
    const ins = insert(q, frag);
    if (ins === 'dup') return drop('duplicate', `fragment ${offset}-${end} lies within data already queued`, 'STOLEN', false);
    if (ins === 'overlap') {
      c.ReasmOverlaps++;
      return discard('overlap', `fragment ${offset}-${end} overlaps data already queued`);
    }
    this.account(pool, q, frag, 1 << (b[1]! & 3));
    const fragSize = end - offset + ihl;
    if (fragSize > q.maxSize) q.maxSize = fragSize;
    if ((flagsWord & 0x4000) !== 0 && fragSize > q.maxDfSize) q.maxDfSize = fragSize;
    if (offset === 0) { q.firstIn = true; q.head = frag; }

    if (q.firstIn && q.lastIn && q.meat === q.len) return this.reasm4(pool, q, pkt);
    return restarted ? { kind: 'queued', held: countFrags(q), restarted } : { kind: 'queued', held: countFrags(q) };
  }

  private reasm4(pool: Pool, q: Queue, last: Packet): DefragResult {
    const c = this.counters;
    this.release(pool, q);
    const ecn = ECN_TABLE[q.ecn]!;
    if (ecn === 0xff) { c.ReasmFails++; return drop('ecn', 'fragments mix Not-ECT with ECN-capable codepoints', 'STOLEN', true); }
    const head = q.head!;
    const hb = head.pkt.data;
    const ihl = (hb[0]! & 0x0f) * 4;
    const len = ihl + q.len;
    if (len > 65535) { c.ReasmFails++; return drop('oversize', `reassembled datagram would be ${len} bytes (> 65535)`, 'STOLEN', true); }
    const out = new Uint8Array(len);
    out.set(hb.subarray(0, ihl), 0);
    const pieces = place(q, out, ihl);
    writeU16(out, 2, len);
    out[1] = out[1]! | ecn;
    const pmtu = q.maxDfSize === q.maxSize;
    writeU16(out, 6, pmtu ? 0x4000 : 0);
    fillIpv4Checksum(out);
    c.ReasmOKs++;
    const packet = rebuild('ipv4', out, head.pkt, last);
    return {
      kind: 'complete', packet, fragments: pieces.length,
      reassembly: { fragments: pieces.length, pieces, fragMaxSize: Math.max(q.maxDfSize, q.maxSize), pmtu, headerLength: ihl },
    };
  }

  // --- IPv6: nf_ct_frag6_gather / nf_ct_frag6_queue / nf_ct_frag6_reasm ---

  private add6(pkt: Packet, now: number, ctx: DefragContext): DefragResult {
    const b = pkt.data;
    if (b.length < 40 || b[0]! >>> 4 !== 6) return NOT_FRAGMENT;
    const payloadLen = readU16(b, 4);
    if (payloadLen === 0) return NOT_FRAGMENT;
    const skbLen = 40 + payloadLen;
    const where = findFragmentHeader(b, Math.min(skbLen, b.length));
    if (!where) return NOT_FRAGMENT;
    const { fhoff, nhoff } = where;
    if (b.length < skbLen) return capture();
    if (transportTruncated(b, skbLen, fhoff)) {
      return { kind: 'pass-through', reason: 'first fragment does not hold the whole header chain (RFC 8200 §4.5): not gathered' };
    }
    if (fhoff + 8 > skbLen) return drop('fragment-header', 'fragment header cut short by the payload length', 'DROP', false);

    const pool = this.pools.ipv6;
    if (pool.highThresh === 0 || pool.mem > pool.highThresh) {
      return drop('memory', `fragment pool above nf_conntrack_frag6_high_thresh (${pool.mem} > ${pool.highThresh} bytes)`, 'DROP', false);
    }
    const fo = readU16(b, fhoff + 2);
    const id = readU32(b, fhoff + 4);
    const src = [readU32(b, 8), readU32(b, 12), readU32(b, 16), readU32(b, 20)];
    const dst = [readU32(b, 24), readU32(b, 28), readU32(b, 32), readU32(b, 36)];
    const hook = ctx.hook ?? 'PREROUTING';
    const iif = mcastOrLinkLocal(dst) ? (pkt.inIface ?? '') : '';
    const key = `${src.join(',')}|${dst.join(',')}|${id}|${hook}|${ctx.zone ?? 0}|${iif}`;
    const q = this.findOrCreate(pool, key, 'ipv6', src, dst, id, hook, now);

    const offset = fo & ~7;
    const end = offset + payloadLen - (fhoff + 8 - 40);
    if (end > 65535) return drop('oversize', `fragment ends at ${end}, past 65535`, 'DROP', false);
    if ((fo & 1) === 0) {
      if (end < q.len || (q.lastIn && end !== q.len)) {
        return drop('bad-length', `last fragment ends at ${end} but the datagram ${q.lastIn ? 'ends' : 'already reaches'} at ${q.len}`, 'DROP', false);
      }
      q.lastIn = true;
      q.len = end;
    } else {
      if (end & 7) {
        this.release(pool, q);
        return { kind: 'pass-through', reason: `non-last fragment ends at ${end}, not a multiple of 8: queue discarded, fragment not gathered` };
      }
      if (end > q.len) {
        if (q.lastIn) return drop('bad-length', `fragment reaches ${end}, past the last fragment's end ${q.len}`, 'DROP', false);
        q.len = end;
      }
    }
    if (end === offset) return drop('empty', `fragment at ${offset} carries no data`, 'DROP', false);

    const frag: Frag = {
      offset, end, data: b.slice(fhoff + 8, fhoff + 8 + (end - offset)), pkt, size: skbLen, more: (fo & 1) === 1,
      truesize: this.truesize(skbLen), fhoff, nhoff,
    };
    const ins = insert(q, frag);
    if (ins === 'dup') return drop('duplicate', `fragment ${offset}-${end} lies within data already queued`, 'STOLEN', false);
    if (ins === 'overlap') {
      this.release(pool, q);
      return drop('overlap', `fragment ${offset}-${end} overlaps data already queued (RFC 5722: datagram discarded)`, 'DROP', true);
    }
    this.account(pool, q, frag, 1 << (((b[0]! & 0x0f) << 4 | b[1]! >>> 4) & 3));
    if (payloadLen > q.maxSize) q.maxSize = payloadLen;
    if (offset === 0) { q.firstIn = true; q.head = frag; }

    if (q.firstIn && q.lastIn && q.meat === q.len) return this.reasm6(pool, q, pkt);
    return { kind: 'queued', held: countFrags(q) };
  }

  private reasm6(pool: Pool, q: Queue, last: Packet): DefragResult {
    this.release(pool, q);
    const ecn = ECN_TABLE[q.ecn]!;
    if (ecn === 0xff) return drop('ecn', 'fragments mix Not-ECT with ECN-capable codepoints', 'STOLEN', true);
    const head = q.head!;
    const hb = head.pkt.data;
    const payloadLen = head.fhoff - 40 + q.len;
    if (payloadLen > 65535) return drop('oversize', `reassembled payload would be ${payloadLen} bytes (> 65535)`, 'STOLEN', true);
    const out = new Uint8Array(40 + payloadLen);
    out.set(hb.subarray(0, head.fhoff), 0);
    out[head.nhoff] = hb[head.fhoff]!;
    const pieces = place(q, out, head.fhoff);
    writeU16(out, 4, payloadLen);
    out[1] = out[1]! | (ecn << 4);
    const packet = rebuild('ipv6', out, head.pkt, last);
    return {
      kind: 'complete', packet, fragments: pieces.length,
      reassembly: { fragments: pieces.length, pieces, fragMaxSize: 40 + q.maxSize, pmtu: false, headerLength: head.fhoff },
    };
  }

  // --- queue bookkeeping (inet_fragment.c) ---

  private findOrCreate(pool: Pool, key: string, family: Family, src: Words, dst: Words, id: number, hook: 'PREROUTING' | 'OUTPUT', now: number): Queue {
    let q = pool.queues.get(key);
    if (!q) {
      q = {
        key, family, src, dst, id, hook, deadline: now + pool.timeoutMs, len: 0, meat: 0, firstIn: false, lastIn: false,
        runs: [], lastRun: null, tail: null, head: null, ecn: 0, maxSize: 0, maxDfSize: 0, mem: 0, rid: 0,
      };
      pool.queues.set(key, q);
      pool.mem += pool.queueSize;
    }
    return q;
  }

  /** Charge an inserted fragment to its queue. */
  private account(pool: Pool, q: Queue, f: Frag, ecnBit: number): void {
    q.meat += f.end - f.offset;
    q.ecn |= ecnBit;
    q.mem += f.truesize;
    pool.mem += f.truesize;
  }

  /** Remove a queue (killed, completed or expired) and give its memory back. */
  private release(pool: Pool, q: Queue): void {
    if (pool.queues.get(q.key) !== q) return;
    pool.queues.delete(q.key);
    pool.mem -= q.mem + pool.queueSize;
    q.mem = 0;
  }

  /** `ip_frag_reinit`: flush the fragments, forget the lengths, restart the timer. */
  private restart(pool: Pool, q: Queue, now: number): void {
    pool.mem -= q.mem;
    q.mem = 0;
    q.runs = []; q.lastRun = null; q.tail = null; q.head = null;
    q.firstIn = false; q.lastIn = false; q.len = 0; q.meat = 0; q.ecn = 0;
    q.deadline = now + pool.timeoutMs;
    // Keep the map in deadline order.
    pool.queues.delete(q.key);
    pool.queues.set(q.key, q);
  }
}

/** `inet_frag_queue_insert`: append, or find the fragment's place among the runs. */
function insert(q: Queue, f: Frag): 'ok' | 'dup' | 'overlap' {
  const tail = q.tail;
  const flen = f.end - f.offset;
  if (tail === null || tail.end < f.end) {
    if (tail !== null && f.offset < tail.end) return 'overlap';
    if (tail !== null && f.offset === tail.end) {
      q.lastRun!.frags.push(f);
      q.lastRun!.len += flen;
    } else {
      const run: Run = { offset: f.offset, len: flen, frags: [f] };
      q.runs.push(run);
      q.lastRun = run;
    }
    q.tail = f;
    return 'ok';
  }
  // Not past the end: the first run ending after the fragment's start is the only candidate.
  let lo = 0, hi = q.runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = q.runs[mid]!;
    if (r.offset + r.len <= f.offset) lo = mid + 1; else hi = mid;
  }
  const r = q.runs[lo];
  if (r !== undefined && r.offset < f.end) {
    return f.offset >= r.offset && f.end <= r.offset + r.len ? 'dup' : 'overlap';
  }
  q.runs.splice(lo, 0, { offset: f.offset, len: flen, frags: [f] });
  return 'ok';
}

/** Copy every fragment's data into `out` after the header; the pieces in offset order. */
function place(q: Queue, out: Uint8Array, headerLength: number): FragmentPiece[] {
  const pieces: FragmentPiece[] = [];
  for (const run of q.runs) {
    for (const f of run.frags) {
      out.set(f.data, headerLength + f.offset);
      pieces.push({ offset: f.offset, dataLength: f.end - f.offset, size: f.size, more: f.more });
    }
  }
  return pieces;
}

/** Fragments held by a queue. */
function countFrags(q: Queue): number {
  let n = 0;
  for (const r of q.runs) n += r.frags.length;
  return n;
}

/**
 * The reassembled packet record: the first fragment's metadata (`skb_morph` copies the head), the
 * input device of the fragment that completed it (`skb->dev = dev`).
 */
function rebuild(family: Family, bytes: Uint8Array, head: Packet, last: Packet): Packet {
  const p = decodePacket(family, bytes);
  p.link = head.link;
  p.pktType = head.pktType;
  p.inIface = last.inIface;
  p.outIface = head.outIface;
  p.physIn = head.physIn;
  p.physOut = head.physOut;
  p.mark = head.mark;
  p.ct = head.ct;
  p.ctinfo = head.ctinfo;
  p.trace = head.trace;
  p.socket = head.socket;
  return p;
}

function drop(reason: DefragDropReason, detail: string, verdict: 'STOLEN' | 'DROP', queueDiscarded: boolean): DefragResult {
  return { kind: 'dropped', reason, detail, verdict, queueDiscarded };
}

function capture(): DefragResult {
  return drop('capture-truncated', 'fragment bytes cut short by the capture (snap length): cannot reassemble', 'STOLEN', false);
}
