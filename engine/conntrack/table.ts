/**
 * The connection tracking table (`net/netfilter/nf_conntrack_core.c`, Linux 6.12) on a virtual
 * clock in milliseconds. How the engine uses it, hook by hook:
 *
 * 1. raw table: a NOTRACK/`CT --notrack` packet gets ctinfo UNTRACKED and never reaches step 2
 *    (or call `in(pkt, now, { untracked: true })`, which just says so).
 * 2. conntrack hook (PREROUTING and OUTPUT, priority -200): if the packet already carries a
 *    conntrack (loopback re-entry), skip; otherwise `in(pkt, now, { hook })` (`nf_conntrack_in`)
 *    returns `tracked` (entry, ctinfo, direction), `invalid` (no conntrack), `untracked`, or
 *    `drop` (the table is full: the kernel drops the packet). A NEW entry is *unconfirmed*: not
 *    in the table yet, so a second packet of the same flow would not find it.
 * 3. NAT, on NEW/RELATED packets whose manip is not done yet: pick a tuple, check it with
 *    `natUsedTuple(candidate, entry, now)` (`nf_nat_used_tuple`) or `tupleTaken(replyTuple,
 *    entry, now)` (`nf_conntrack_tuple_taken`), then `alterReply(entry, invertTuple(newTuple))`
 *    and set `IPS.SRC_NAT`/`DST_NAT` and `*_NAT_DONE` on `entry.status`.
 * 4. confirm (last hook of POSTROUTING or INPUT): `confirm(entry, ctinfo, now)`
 *    (`__nf_conntrack_confirm`) inserts a new entry; on a clash it may hand back a different
 *    entry (use it from then on) or say `drop`.
 * 5. A packet dropped before confirm leaves no state: simply forget its entry.
 *
 * Modelled exactly: lookup in both directions and the ctinfo rules (`resolve_normal_ct`), the
 * ICMP error step before the lookup, INVALID when the tuple cannot be read or inverted or the
 * tracker refuses the packet, TCP's kill-and-repeat, SEEN_REPLY set after the tracker ran,
 * timeouts relative to confirmation for unconfirmed entries, refresh and accounting only through
 * the tracker's refresh (`nf_ct_refresh_acct`), FIXED_TIMEOUT, clash resolution at confirm for
 * protocols with `allow_clash` (UDP, UDP-Lite, GRE): merge with an identical entry, else insert
 * the new entry by its reply tuple only with a 1 s fixed timeout and NAT_CLASH (hidden from
 * listings), else drop; TCP and ICMP clashes are dropped.
 *
 * Early drop as the kernel's (`__nf_conntrack_alloc`, `early_drop`): when a new entry would make
 * more than `nf_conntrack_max`, the hash buckets from the new tuple's on are searched, up to 8,
 * until one holds a live non-ASSURED entry; every such entry in that bucket is killed (and every
 * expired one collected); with none in 8 buckets the packet is dropped ("table full"). The
 * buckets are `nf_conntrack_buckets` many and a tuple's bucket comes from natsim's tuple hash,
 * seeded from the engine's seed as the kernel's is at boot: which entries go is as random as on
 * a node, not the kernel's own choice. With `nf_conntrack_max` far below the bucket count (a max
 * lowered without the hash size), 8 buckets mostly hold nothing and most new connections past the
 * limit are dropped — as on a node. Simplified: only confirmed entries
 * count (one packet is in flight at a time); the GC worker's periodic collection of expired entries
 * is stood in for by collecting the expired ones among the 128 oldest before early drop, and its
 * own early drop at 95% (after a table-full drop) is not modelled. Expiry is lazy (on lookup)
 * plus `expire(now)`; listing order is confirmation order, not hash order.
 * Zones, helpers/expectations, events and the hash-chain length limit are not modelled.
 *
 * Storage: flat typed arrays rather than maps, so that a full table of a quarter of a million
 * entries costs tens of bytes per entry beyond the entry objects and a lookup reads one small
 * record per node: the two-node hash (`tuplehash[ORIGINAL]`/`[REPLY]`), the confirmation-order
 * list, and NAT's by-source list (`nf_nat_bysource`, `fromSource`), all by entry index. While
 * an IPv4 entry is in the table its tuples live only in its two node records (see `TableEntry`).
 */
import { NatsimError, EXIT_OTHER } from '../errors.js';
import { ipv4Words, wordsEqual, type Family, type Words } from '../net/addr.js';
import {
  CTINFO, IPS, countPacket, counterOf, isConfirmed, type ConntrackEntry, type CtHook, type CtPacket, type TrackedCtInfo,
  type TrackerContext, type TrackerOutcome, type TrackerSettings, type UdpState, ctinfoDir,
} from './entry.js';
import { DEFAULT_GENERIC_TIMEOUT, genericPacket, grePacket } from './generic.js';
import { DEFAULT_ICMP_TIMEOUT, icmpPacket, icmpv4Error, type TupleFinder } from './icmp.js';
import { DEFAULT_ICMPV6_TIMEOUT, icmpv6Error, icmpv6Packet } from './icmpv6.js';
import { DEFAULT_TCP_TIMEOUTS, TCP_STATE, tcpPacket } from './tcp.js';
import {
  IPPROTO, hashParts, hashWords4, icmpTuple, invertTuple, isIcmpOf, makeTuple, hasPorts, sourceHash, tupleEqual, tupleHash,
  type Dir, type Tuple,
} from './tuple.js';
import { DEFAULT_UDP_TIMEOUT, DEFAULT_UDP_TIMEOUT_STREAM, udpPacket, udplitePacket } from './udp.js';

/** natsim's default `nf_conntrack_max` (the kernel sizes it from memory; set it per scenario). */
export const DEFAULT_CONNTRACK_MAX = 262144;

/**
 * Node index slots and entries the table starts with (both grow by doubling, up to
 * `JUMP_CAPACITY`): tiny, since many tables hold a handful of entries (`natsim expect` runs an
 * engine per outcome, `flows --all-services` one per service).
 */
const INITIAL_SLOTS = 64;
const INITIAL_CAPACITY = 8;
/** The capacity from which the table makes room for `nf_conntrack_max` entries in one step (a limit up to the default). */
const JUMP_CAPACITY = 16384;
/** A by-source record's successor word when it is in no bucket. */
const NOT_HASHED = -2;
/**
 * 32-bit words per node record, and their places: IPv4 source and destination, ports, protocol
 * (| 0x100 for IPv6, | `NOT_INDEXED` while the node is not in the node index: a NAT-clash entry's
 * original direction), then a float64: in the original-direction record the entry's expiry, in the
 * reply-direction one a UDP entry's stream time. The tuple's hash is not kept: the node index's
 * slots hold it, and taking a node out recomputes it (`nodeHash`).
 */
const NODE = 6;
const N_SRC = 0, N_DST = 1, N_PORTS = 2, N_PROTO = 3;
/** Flag in a record's protocol word: the node is not in the node index. */
const NOT_INDEXED = 0x200;
/** The protocol word of the record at `r` (protocol, | 0x100 for IPv6) without `NOT_INDEXED`. */
function protoWord(nodes: Int32Array, r: number): number {
  return nodes[r + N_PROTO]! & ~NOT_INDEXED;
}
/** Where a by-source record keeps its hash and its successor (`BucketChains`). */
const HASH_AT = 0, NEXT_AT = 1;
/** 32-bit words per by-source record: hash, next. */
const SRC_RECORD = 2;
/** The float64's place in a record read as float64s (words 4 and 5). */
const N_EXPIRY_F64 = 2;
/** Where node `n`'s float64 is in the records read as float64s (`nodeTimes`). */
function timeAt(n: number): number {
  return n * (NODE / 2) + N_EXPIRY_F64;
}

/** Early-dropped entries kept for reuse at most (`recycleDropped`; a packet drops one, or a few). */
const MAX_SPARE = 64;

/** How many of the oldest entries a full table looks at for expired ones (standing in for the GC worker). */
const MAKE_ROOM_WINDOW = 128;

/**
 * The kernel's default `nf_conntrack_buckets` on a 64-bit machine with more than 4 GiB of memory
 * (`nf_conntrack_init_start`), and its default `nf_conntrack_max` (one entry per bucket).
 */
export const DEFAULT_CONNTRACK_BUCKETS = 262144;

/** Why the conntrack hook drops a packet when the table is full and early drop found nothing (the kernel's log line). */
export const TABLE_FULL = 'nf_conntrack: table full, dropping packet';

/** How many hash buckets early drop looks at, from the new tuple's on (`NF_CT_EVICTION_RANGE`). */
export const EVICTION_RANGE = 8;

/**
 * The hash table size the kernel makes of `n` buckets asked for: a whole number of pages of
 * bucket heads (`nf_ct_alloc_hashtable` rounds up to a multiple of PAGE_SIZE / 8: 512 with the
 * 4 KiB pages of x86-64, which natsim takes).
 */
export function conntrackBuckets(n: number): number {
  return Math.ceil(n / 512) * 512;
}

/**
 * The bucket of a 32-bit hash among `buckets` (`reciprocal_scale`: the high bits of hash ×
 * buckets), computed exactly: a product of up to 63 bits does not fit a double, so in two halves.
 */
export function bucketOf(hash: number, buckets: number): number {
  const h = hash >>> 0;
  return Math.floor(((h >>> 16) * buckets + Math.floor((h & 0xffff) * buckets / 65536)) / 65536);
}

/** The kernel's default tracker settings. */
export const DEFAULT_SETTINGS: Readonly<TrackerSettings> = {
  tcpLoose: true,
  tcpBeLiberal: false,
  tcpIgnoreInvalidRst: false,
  tcpMaxRetrans: 3,
  checksum: true,
  tcpTimeouts: DEFAULT_TCP_TIMEOUTS,
  udpTimeout: DEFAULT_UDP_TIMEOUT,
  udpTimeoutStream: DEFAULT_UDP_TIMEOUT_STREAM,
  icmpTimeout: DEFAULT_ICMP_TIMEOUT,
  icmpv6Timeout: DEFAULT_ICMPV6_TIMEOUT,
  genericTimeout: DEFAULT_GENERIC_TIMEOUT,
};

/** Table configuration: `nf_conntrack_max`, `nf_conntrack_buckets` and any tracker setting to override. */
export interface ConntrackConfig extends Partial<TrackerSettings> {
  max?: number;
  /** `nf_conntrack_buckets`, the hash table's size (rounded up as the kernel does; default 262,144). */
  buckets?: number;
  /**
   * The seed of the table's tuple hash (the kernel's is random at boot): it decides which hash
   * bucket each tuple falls in, and so which entries early drop takes. The engine derives it from
   * its own seed.
   */
  hashSeed?: number;
  /**
   * Entries early-dropped to make room may be reused for later connections, once the caller says
   * nobody holds them any more (`recycleDropped`): for a caller that keeps no entry past the
   * packet that gave it (`natsim replay`), a full table then makes no garbage per new connection.
   */
  recycleDropped?: boolean;
  /**
   * After how many port probes of one key NAT's port index is built for it (see `PortKey`;
   * default `PORT_INDEX_AFTER`, Infinity: never). Answers do not depend on it; tests set it.
   */
  portIndexAfter?: number;
}

/** Port probes of one key (see `PortKey`) before the table indexes its ports. */
const PORT_INDEX_AFTER = 8192;
/** At most this many keys have a port index (8 KiB each). */
const PORT_INDEX_MAX = 256;
/** Keys counted (not indexed) at once; past it the counts start over. */
const PORT_KEYS_COUNTED = 4096;

/**
 * A key of NAT's port index: an IPv4 source address and port, a destination address and a
 * protocol — what the inverse of a source-NAT candidate keeps while the port search varies its
 * destination port (the candidate's new source port). Once a key has been probed often (a
 * MASQUERADE or SNAT search on a busy node probes one port after another, as the kernel's
 * `nf_nat_l4proto_unique_tuple` does), the table keeps a bit per destination port: set while a
 * hashed node holds that tuple. A clear bit answers "nobody holds it" without a hash lookup; a
 * set bit answers "held, by a live entry" when no entry at all can have expired yet and the
 * asker is the new entry whose original tuple nobody held (so the holder cannot be its twin);
 * anything else goes to the hash lookup. natsim's own index, not a kernel structure: the
 * answers are the hash table's.
 */
class PortKey {
  probes = 0;
  bits: Uint32Array | null = null;
  constructor(readonly src: number, readonly dst: number, readonly sportProto: number) {}
}

/** The map key of a `PortKey`'s fields (collisions are told apart by the fields). */
function portKeyHash(src: number, dst: number, sportProto: number): number {
  return (Math.imul(src ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(dst, 0xc2b2ae35) ^ sportProto) | 0;
}

/** A `PortKey`'s third field from a node record's ports word and protocol. */
function recordSportProto(ports: number, proto: number): number {
  return (((ports >>> 16) << 8) | proto) | 0;
}

/**
 * The keys of NAT's port index (`PortKey`): counted while a port search asks about them, indexed
 * once asked about often enough. The table builds a key's bits (`bits`) and tells the index of
 * every IPv4 node it hashes or unhashes (`update`).
 */
class PortIndex {
  private keys = new Map<number, PortKey[]>();
  private counted = 0;
  /** How many keys have bits. */
  indexed = 0;
  /** The destinations of the keys with bits (a node to any other destination is in none). */
  private readonly dsts: number[] = [];
  /** The key the last probe asked about (a search asks about one key many times). */
  private lastSrc = 0;
  private lastDst = 0;
  private lastSportProto = -1;
  private last: PortKey | null = null;

  constructor(private readonly after: number) {}

  /**
   * The key of these fields when it is counted or indexed; a key asked about twice in a row (a
   * port search going on) starts being counted.
   */
  key(src: number, dst: number, sportProto: number): PortKey | null {
    if (src === this.lastSrc && dst === this.lastDst && sportProto === this.lastSportProto) {
      if (this.last !== null) return this.last;
      if (this.counted >= PORT_KEYS_COUNTED) this.forgetCounts();
      const k = new PortKey(src, dst, sportProto);
      const h = portKeyHash(src, dst, sportProto);
      const list = this.keys.get(h);
      if (list) list.push(k); else this.keys.set(h, [k]);
      this.counted++;
      return (this.last = k);
    }
    this.lastSrc = src; this.lastDst = dst; this.lastSportProto = sportProto;
    return (this.last = this.find(src, dst, sportProto));
  }

  /** Counts a probe of key `k` (without bits); whether it is now due for its bits. */
  due(k: PortKey): boolean {
    return ++k.probes >= this.after && this.indexed < PORT_INDEX_MAX;
  }

  /** Gives key `k` its bits. */
  setBits(k: PortKey, bits: Uint32Array): void {
    k.bits = bits;
    this.indexed++;
    if (!this.dsts.includes(k.dst)) this.dsts.push(k.dst);
  }

  /** A node record's tuple (IPv4 words) is now held (hashed) or not: its bit, if its key has bits. */
  update(src: number, dst: number, ports: number, proto: number, held: boolean): void {
    if (proto > 0xff || !this.dsts.includes(dst)) return;
    const sportProto = recordSportProto(ports, proto);
    // The node inserted after a port search is usually of the key the search asked about.
    const last = this.last;
    const k = last !== null && last.src === src && last.dst === dst && last.sportProto === sportProto ? last : this.find(src, dst, sportProto);
    if (k === null || k.bits === null) return;
    const w = (ports & 0xffff) >>> 5, b = 1 << (ports & 31);
    if (held) k.bits[w]! |= b; else k.bits[w]! &= ~b;
  }

  private find(src: number, dst: number, sportProto: number): PortKey | null {
    const list = this.keys.get(portKeyHash(src, dst, sportProto));
    if (list) for (const k of list) if (k.src === src && k.dst === dst && k.sportProto === sportProto) return k;
    return null;
  }

  /** Drops the keys only counted so far (the map of counts stays small); keys with bits stay. */
  private forgetCounts(): void {
    const kept = new Map<number, PortKey[]>();
    for (const [h, list] of this.keys) {
      const indexed = list.filter((k) => k.bits !== null);
      if (indexed.length) kept.set(h, indexed);
    }
    this.keys = kept;
    this.counted = 0;
    this.lastSportProto = -1;
    this.last = null;
  }
}

/** What the conntrack hook decided for a packet. */
export type CtResult =
  /** The packet belongs to `entry` (unconfirmed when ctinfo is NEW and the entry is fresh). */
  | { kind: 'tracked'; entry: ConntrackEntry; ctinfo: TrackedCtInfo; dir: Dir }
  /** No conntrack attached: `--ctstate INVALID`. */
  | { kind: 'invalid'; reason: string }
  /** ctinfo UNTRACKED, no conntrack. */
  | { kind: 'untracked' }
  /** The conntrack hook drops the packet (table full). */
  | { kind: 'drop'; reason: string };

/** What confirmation decided. */
export type ConfirmResult =
  /** Go on with `entry` (the one passed in, or the existing entry it was merged into). */
  | { kind: 'accept'; entry: ConntrackEntry; ctinfo: TrackedCtInfo }
  /** The packet is dropped (an unresolvable clash). */
  | { kind: 'drop'; reason: string };

/** Options of one `in` call. */
export interface InOptions {
  /** Hook running the lookup; PREROUTING (default) verifies checksums, OUTPUT does not. */
  hook?: CtHook;
  /** The raw table marked the packet NOTRACK. */
  untracked?: boolean;
}

/** Counters like `/proc/net/stat/nf_conntrack`. */
export interface ConntrackStats {
  /**
   * As the kernel's `found`: NAT's candidate tuples found taken by another connection
   * (`nf_conntrack_tuple_taken` answering yes — the original-tuple check, `find_appropriate_src`'s
   * candidate, and each port or ICMP id the search probes, except the last probes of a new TCP
   * connection, which `nf_nat_used_tuple_harder` looks up without counting). A busy SNAT or
   * MASQUERADE port range shows here first.
   */
  found: number;
  /** As the kernel's `invalid`: packets conntrack gave no entry — no readable or invertible tuple, or refused by their protocol's tracker (an ICMP error with no connection counts in `error` instead). */
  invalid: number;
  /** Entries confirmed into the table by a packet (natsim's own count, not a kernel counter). */
  confirmed: number;
  /** As the kernel's `insert_failed`: confirmations that failed (an unresolvable clash, a dying entry). */
  insertFailed: number;
  /** As the kernel's `drop`: packets conntrack dropped (the table full, an unresolvable clash). */
  drop: number;
  /** As the kernel's `early_drop`: entries early-dropped to make room. */
  earlyDrop: number;
  /** As the kernel's `clash_resolve`: clashes at confirmation resolved (merged, or inserted by the reply tuple). */
  clashResolve: number;
  /** As the kernel's `error`: ICMP and ICMPv6 errors conntrack refused (short, a bad checksum, about no known connection: `nf_conntrack_handle_icmp`). */
  error: number;
  /** Of `drop`: packets refused because the table was full and nothing could be early-dropped (not a kernel counter of its own). */
  tableFull: number;
  /** Of `invalid` and `error`: packets whose transport checksum was wrong (`nf_conntrack_checksum`; not a kernel counter of its own). */
  badChecksum: number;
}

/** An entry found by tuple, with the direction the tuple matched. */
export interface Slot {
  entry: ConntrackEntry;
  dir: Dir;
}

/**
 * The hash table of tuple nodes, open-addressed: slot k holds a node's hash and the node + 1 (0:
 * an empty slot) side by side, so that a lookup compares the hashes of the slots it probes — one
 * or two cache lines — and reads a node's record only when its hash matches: a lookup that misses
 * usually touches nothing else. Linear probing, at most half the slots in use; a deletion shifts
 * the slots after it back (Knuth's algorithm R), leaving no tombstones. A node's home slot is its
 * hash's high bits (`h >>> shift`), so that the nodes of one kernel hash bucket — the hashes
 * `reciprocal_scale` maps to it, a contiguous range — sit in a contiguous run of slots, where
 * early drop finds them (`ConntrackTable.earlyDrop`).
 */
export class NodeIndex {
  slots: Int32Array;
  mask: number;
  /** 32 − log2(size): a hash's home slot is `h >>> shift`. */
  shift: number;
  used = 0;

  constructor(size: number) {
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
  }

  get size(): number {
    return this.mask + 1;
  }

  add(h: number, n: number): void {
    const s = this.slots, mask = this.mask;
    let k = h >>> this.shift;
    while (s[2 * k + 1] !== 0) k = (k + 1) & mask;
    s[2 * k] = h;
    s[2 * k + 1] = n + 1;
    this.used++;
  }

  /** Takes out node `n` (hash `h`), which must be in. */
  delete(h: number, n: number): void {
    const s = this.slots, mask = this.mask, shift = this.shift;
    let k = h >>> shift;
    while (s[2 * k + 1] !== n + 1) k = (k + 1) & mask;
    for (let j = (k + 1) & mask; ; j = (j + 1) & mask) {
      const v = s[2 * j + 1]!;
      if (v === 0) break;
      // The node at j may move back to k unless its home slot lies cyclically in (k, j].
      const home = s[2 * j]! >>> shift;
      if (k <= j ? home <= k || home > j : home <= k && home > j) {
        s[2 * k] = s[2 * j]!;
        s[2 * k + 1] = v;
        k = j;
      }
    }
    s[2 * k] = 0;
    s[2 * k + 1] = 0;
    this.used--;
  }

  /**
   * The nodes whose hash falls in kernel hash bucket `b` of `buckets` (`bucketOf`), into `out`
   * (emptied first). Homes are the hash's high bits, so the bucket's hashes — a contiguous range —
   * have their homes in one run of slots: from the bucket's first home slot to the first empty
   * slot past its last (taken one wider each way; every node's own bucket is checked).
   */
  bucketNodes(b: number, buckets: number, out: number[]): void {
    const s = this.slots, mask = this.mask, size = this.size;
    const first = Math.max(0, Math.floor((b * size) / buckets) - 1);
    const last = Math.min(size - 1, Math.floor(((b + 1) * size) / buckets) + 1);
    out.length = 0;
    for (let d = 0; d < size; d++) {
      const k = (first + d) & mask;
      const v = s[2 * k + 1]!;
      if (v === 0) {
        if (first + d >= last) break;
        continue;
      }
      if (bucketOf(s[2 * k]!, buckets) === b) out.push(v - 1);
    }
  }

  /** Whether a lookup of hash `h` reaches node `n` (tests). */
  has(h: number, n: number): boolean {
    const s = this.slots, mask = this.mask;
    for (let k = h >>> this.shift; s[2 * k + 1] !== 0; k = (k + 1) & mask) if (s[2 * k] === h && s[2 * k + 1] === n + 1) return true;
    return false;
  }

  /** The same nodes in `size` slots. */
  resize(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
    this.used = 0;
    for (let k = 0; k < old.length; k += 2) if (old[k + 1] !== 0) this.add(old[k]!, old[k + 1]! - 1);
  }
}


/**
 * Singly linked bucket chains over fixed-size records in an Int32Array, as the kernel's hlists:
 * record `n` holds its hash at word `n * stride + HASH_AT` and its successor at `n * stride +
 * NEXT_AT` (NOT_HASHED when it is in no bucket); each bucket lists its newest record first.
 * The table keeps its entries by original source in one (NAT's by-source list).
 */
class BucketChains {
  heads: Int32Array;

  constructor(buckets: number, private readonly stride: number) {
    this.heads = new Int32Array(buckets).fill(-1);
  }

  /** Puts record `n` (its hash written) at the head of its bucket. */
  link(w: Int32Array, n: number): void {
    const r = n * this.stride;
    const b = w[r + HASH_AT]! & (this.heads.length - 1);
    w[r + NEXT_AT] = this.heads[b]!;
    this.heads[b] = n;
  }

  /** Takes record `n` out of its bucket (no-op when it is in none). */
  unlink(w: Int32Array, n: number): void {
    const stride = this.stride, r = n * stride;
    if (w[r + NEXT_AT] === NOT_HASHED) return;
    const b = w[r + HASH_AT]! & (this.heads.length - 1);
    if (this.heads[b] === n) {
      this.heads[b] = w[r + NEXT_AT]!;
    } else {
      let p = this.heads[b]!;
      while (w[p * stride + NEXT_AT] !== n) p = w[p * stride + NEXT_AT]!;
      w[p * stride + NEXT_AT] = w[r + NEXT_AT]!;
    }
    w[r + NEXT_AT] = NOT_HASHED;
  }

  /** Re-chains every record into `buckets` buckets, keeping each bucket's order. */
  rehash(w: Int32Array, buckets: number): void {
    const stride = this.stride;
    const heads = new Int32Array(buckets).fill(-1);
    const tails = new Int32Array(buckets).fill(-1);
    for (let b = 0; b < this.heads.length; b++) {
      for (let n = this.heads[b]!; n >= 0;) {
        const next = w[n * stride + NEXT_AT]!;
        const nb = w[n * stride + HASH_AT]! & (buckets - 1);
        w[n * stride + NEXT_AT] = -1;
        if (tails[nb]! < 0) heads[nb] = n; else w[tails[nb]! * stride + NEXT_AT] = n;
        tails[nb] = n;
        n = next;
      }
    }
    this.heads = heads;
  }
}

/**
 * The table's entries in confirmation order, for listing and for the oldest entries a full table
 * looks at: a log of (entry index, sequence number) records appended at each insertion, a record
 * being current while its index still holds that sequence number (`seqAt`). Taking an entry out
 * only clears its index's number — no neighbours to relink, which with early drop's random victims
 * would be two more cache misses each — and stale records are squeezed out when the log fills
 * (amortised: the log stays between 4/3 and about 3 times the entries it lists).
 */
class ConfirmationOrder {
  private idx = new Int32Array(64);
  private seqs = new Int32Array(64);
  private head = 0;
  private tail = 0;
  private next = 1;
  /** By entry index: the sequence number of its current record, 0 when it is not in the table. */
  private seqAt: Int32Array;

  constructor(capacity: number) {
    this.seqAt = new Int32Array(capacity);
  }

  /** Room for entry indexes below `capacity`. */
  resize(capacity: number): void {
    const a = new Int32Array(capacity);
    a.set(this.seqAt);
    this.seqAt = a;
  }

  /** Entry `i` was inserted: newest now. */
  push(i: number): void {
    if (this.tail === this.idx.length) this.makeRoom();
    const s = this.next;
    // Wrapping is harmless: a stale record is squeezed out long before its number comes round.
    this.next = (s + 1) | 0 || 1;
    this.idx[this.tail] = i;
    this.seqs[this.tail++] = s;
    this.seqAt[i] = s;
  }

  /** Entry `i` left the table. */
  drop(i: number): void {
    this.seqAt[i] = 0;
  }

  /** Up to `max` of the oldest entries' indexes into `out`, oldest first; how many. */
  oldest(max: number, out: Int32Array): number {
    const idx = this.idx, seqs = this.seqs, seqAt = this.seqAt;
    while (this.head < this.tail && seqAt[idx[this.head]!] !== seqs[this.head]) this.head++;
    let n = 0;
    for (let r = this.head; r < this.tail && n < max; r++) if (seqAt[idx[r]!] === seqs[r]) out[n++] = idx[r]!;
    return n;
  }

  /** Every entry's index, oldest first (a view, valid until the next insertion). */
  live(): Int32Array {
    this.compact();
    return this.idx.subarray(0, this.tail);
  }

  private compact(): void {
    const idx = this.idx, seqs = this.seqs, seqAt = this.seqAt;
    let w = 0;
    for (let r = this.head; r < this.tail; r++) {
      if (seqAt[idx[r]!] !== seqs[r]) continue;
      idx[w] = idx[r]!;
      seqs[w++] = seqs[r]!;
    }
    this.head = 0;
    this.tail = w;
  }

  private makeRoom(): void {
    this.compact();
    if (4 * this.tail <= 3 * this.idx.length) return;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => { const b = new Int32Array(2 * a.length); b.set(a); return b; };
    this.idx = grow(this.idx);
    this.seqs = grow(this.seqs);
  }
}

/**
 * The entries a table makes: plain `ConntrackEntry` fields, except for what the table's node
 * records hold while the entry is in the table, which keeps a full table small and its lookups
 * from reading entries at all:
 * - `timeout` lives in the original-direction record, so that a lookup can tell a live entry
 *   from an expired one without reading the entry (whoever changes the timeout — the table, a
 *   tracker, REJECT's `nf_ct_set_closing` — goes through the accessor);
 * - a UDP entry's stream time lives in the reply-direction record, its `proto` being the shared
 *   `UDP_IN_TABLE` meanwhile (the UDP tracker, the only reader of the stream time, gets it back
 *   for the duration of a packet);
 * - while an IPv4 entry is in the table, its tuples are not kept as objects: the node records hold
 *   them, and `tuple` builds them from there when asked (`tupleAt` builds one). An entry outside the
 *   table (unconfirmed, or removed) keeps its own, and an IPv6 one always does.
 */
class TableEntry implements ConntrackEntry {
  // Every field is set by `reset`, the one place with a new entry's values.
  id!: number;
  status!: number;
  mark!: number;
  proto!: ConntrackEntry['proto'];
  origPackets!: number;
  origBytes!: number;
  replyPackets!: number;
  replyBytes!: number;
  note!: unknown;
  index!: number;
  /** The timeout, unless the table's node records hold it (null then). */
  expiry!: number | null;
  /**
   * The tuples, unless the table's node records hold them (null); an IPv4 entry taken out of the
   * table gets a copy of its records' words, built into tuples when first asked.
   */
  own!: [Tuple, Tuple] | RecordWords | null;

  constructor(id: number, orig: Tuple, reply: Tuple, private readonly table: ConntrackTable) {
    this.reset(id, orig, reply);
  }

  /** Makes the entry a new one (the constructor; a recycled entry, see `recycleDropped`). */
  reset(id: number, orig: Tuple, reply: Tuple): void {
    this.id = id;
    this.status = 0; this.mark = 0; this.proto = NO_PROTO_STATE;
    this.origPackets = 0; this.origBytes = 0; this.replyPackets = 0; this.replyBytes = 0;
    this.note = null; this.index = -1; this.expiry = 0;
    this.own = [orig, reply];
  }

  get zone(): number {
    return 0;
  }

  get tuple(): [Tuple, Tuple] {
    const o = this.own;
    if (o === null) return [this.table.recordTuple(2 * this.index), this.table.recordTuple(2 * this.index + 1)];
    if (o instanceof RecordWords) return (this.own = [o.tuple(0), o.tuple(1)]);
    return o;
  }

  /** `tuple[dir]`, without building the other one. */
  tupleAt(dir: Dir): Tuple {
    return this.own === null ? this.table.recordTuple(2 * this.index + dir) : this.tuple[dir];
  }

  /** The record words of `tuple[dir]` (see `recordWords`; only while `own` is null). */
  readRecord(dir: Dir, out: Int32Array): void {
    this.table.recordWordsAt(2 * this.index + dir, out);
  }

  /** `tuple[dir].dst`, without building the tuple. */
  dstAt(dir: Dir): Words {
    return this.own === null ? this.table.recordDst(2 * this.index + dir) : this.tuple[dir].dst;
  }

  get timeout(): number {
    return this.index >= 0 ? this.table.expiryOf(this.index) : this.expiry!;
  }

  set timeout(v: number) {
    if (this.index >= 0) this.table.mirrorExpiry(this.index, v);
    else this.expiry = v;
  }
}

/**
 * What an IPv4 entry leaving the table keeps of its two node records: their tuple words, numbers
 * only. An entry early-dropped to make room is usually never looked at again; building its tuples
 * only when asked spares the collector two tuple objects per eviction.
 */
class RecordWords {
  constructor(
    private readonly src0: number, private readonly dst0: number, private readonly ports0: number,
    private readonly src1: number, private readonly dst1: number, private readonly ports1: number,
    private readonly proto: number,
  ) {}

  tuple(dir: Dir): Tuple {
    return dir === 0 ? wordsTuple(this.src0, this.dst0, this.ports0, this.proto) : wordsTuple(this.src1, this.dst1, this.ports1, this.proto);
  }
}

/** The IPv4 tuple of a node record's words (addresses and ports as the record holds them). */
function wordsTuple(src: number, dst: number, ports: number, proto: number): Tuple {
  return makeTuple('ipv4', ipv4Words(src >>> 0), ipv4Words(dst >>> 0), proto, ports >>> 16, ports & 0xffff);
}

/** `entry.tuple[dir]`; for a table's entry without building the pair. */
export function tupleOf(e: ConntrackEntry, dir: Dir): Tuple {
  return e instanceof TableEntry ? e.tupleAt(dir) : e.tuple[dir];
}

/**
 * For a table's IPv4 entry while it is in the table: its tuple `dir` as the node record holds
 * it, written to `out` as [source, destination, sport << 16 | dport, protocol] (addresses as
 * signed 32-bit integers); false for any other entry (read `tupleOf` then). No tuple is built.
 */
export function recordWords(e: ConntrackEntry, dir: Dir, out: Int32Array): boolean {
  if (!(e instanceof TableEntry) || e.own !== null) return false;
  e.readRecord(dir, out);
  return true;
}

/** `entry.tuple[dir].dst`; for a table's IPv4 entry in the table, without building the tuple. */
export function tupleDst(e: ConntrackEntry, dir: Dir): Words {
  return e instanceof TableEntry ? e.dstAt(dir) : e.tuple[dir].dst;
}

/** The `proto` of a UDP entry in the table: its stream time is in its reply-direction record. */
const UDP_IN_TABLE: UdpState = Object.freeze({ kind: 'udp', streamTs: Number.NaN }) as UdpState;

/** The proto state of an entry no tracker has written yet (trackers replace it, never change it). */
const NO_PROTO_STATE: ConntrackEntry['proto'] = Object.freeze({ kind: 'none' });

/** Protocols whose confirm clashes may be resolved (`allow_clash`). */
function allowsClash(proto: number): boolean {
  return proto === IPPROTO.UDP || proto === IPPROTO.UDPLITE || proto === IPPROTO.GRE;
}

/** Both entries describe the same flow, in the same or opposite orientation (`nf_ct_can_merge`). */
function canMerge(ct: ConntrackEntry, loser: ConntrackEntry): boolean {
  return (tupleEqual(ct.tuple[0], loser.tuple[0]) && tupleEqual(ct.tuple[1], loser.tuple[1]))
    || (tupleEqual(ct.tuple[0], loser.tuple[1]) && tupleEqual(ct.tuple[1], loser.tuple[0]));
}

/** The tuple of a packet (`nf_ct_get_tuple`), or null when its transport header is unreadable. */
export function packetTuple(pkt: CtPacket): Tuple | null {
  const l4 = pkt.l4;
  if (!l4) return null;
  if (isIcmpOf(pkt.family, pkt.proto)) {
    return l4.kind === 'icmp' ? icmpTuple(pkt.family, pkt.src, pkt.dst, l4.type, l4.code, l4.id) : null;
  }
  if (hasPorts(pkt.proto)) {
    if (l4.kind === 'tcp') return makeTuple(pkt.family, pkt.src, pkt.dst, pkt.proto, l4.header.sport, l4.header.dport);
    if (l4.kind === 'udp' || l4.kind === 'ports') return makeTuple(pkt.family, pkt.src, pkt.dst, pkt.proto, l4.sport, l4.dport);
    return null;
  }
  return makeTuple(pkt.family, pkt.src, pkt.dst, pkt.proto);
}

/** The connection tracking table of one network namespace (zone 0). */
export class ConntrackTable {
  /** Tracker settings (sysctls). */
  readonly settings: TrackerSettings;
  /** `nf_conntrack_max`; 0 means unlimited, as in the kernel. */
  readonly max: number;
  /** `nf_conntrack_buckets`: the kernel hash table's size, which early drop's bucket walk depends on. */
  readonly buckets: number;
  /** The tuple hash's seed (`ConntrackConfig.hashSeed`). */
  private readonly hashSeed: number;
  /** The hash `findParts` computed last (the new tuple's, for early drop). */
  private lastHash = 0;
  /** The nodes of the bucket early drop looks at, and their entries' indexes (each once): to kill (unassured) or collect (expired). */
  private readonly bucketNodes: number[] = [];
  private readonly bucketVictims: number[] = [];
  /** Event counters. */
  readonly stats: ConntrackStats = { found: 0, invalid: 0, confirmed: 0, insertFailed: 0, drop: 0, earlyDrop: 0, clashResolve: 0, error: 0, tableFull: 0, badChecksum: 0 };
  /**
   * The hash table, as the kernel's: each confirmed entry has two nodes, `2 * index + dir`
   * (`tuplehash[dir]`), found by hash in `nodeIndex`. A node is a record of `NODE` 32-bit words in
   * `nodes`: the tuple itself for IPv4 (source, destination, ports, protocol; the protocol word
   * also says when the node is not in the index: a NAT-clash entry's original direction) — so a
   * lookup compares one small record, not the entry and its
   * tuple objects. Entries sit in `entries` by their `index`; `order` keeps them in
   * confirmation order (listing, and where a full table looks for expired entries).
   */
  private entries: (ConntrackEntry | undefined)[] = [];
  private freeIndexes: number[] = [];
  private readonly nodeIndex = new NodeIndex(INITIAL_SLOTS);
  private nodes = new Int32Array(2 * NODE * INITIAL_CAPACITY);
  /** The same records as float64s: a record's last 8 bytes hold the entry's expiry (original direction) or a UDP entry's stream time (reply direction). */
  private nodeTimes = new Float64Array(this.nodes.buffer);
  private readonly order = new ConfirmationOrder(INITIAL_CAPACITY);
  /** Room for this many entries (`nodes` and `order` by entry index). */
  private capacity = INITIAL_CAPACITY;
  private size = 0;
  private nextId = 1;
  private readonly ctxPrerouting: { -readonly [K in keyof TrackerContext]: TrackerContext[K] };
  private readonly ctxOutput: { -readonly [K in keyof TrackerContext]: TrackerContext[K] };
  /**
   * The kernel's `nf_nat_bysource`: entries with a source manip (SRC_NAT_DONE) chained by the
   * hash of their original source (protocol, address, port), newest first: `srcChains` over
   * `srcRecords` (one two-word record per entry index: hash, next), half as many buckets as the
   * nodes' (one per entry: entries, not nodes, are listed, and only SNATed ones). natsim runs
   * one packet at a time, so the only unconfirmed entry is the one NAT is binding, which the
   * kernel has not listed yet either: listing at confirmation is the same.
   *
   * Kept only once somebody asks (`fromSource`: a source NAT without `--random`/`--random-fully`
   * that needs a new mapping): until then the list would be written and never read, and a busy
   * MASQUERADE `--random-fully` node (kube-proxy's) pays two hash-bucket updates per connection for
   * nothing. The first `fromSource` lists every entry with a source manip, oldest first, so each
   * bucket is newest first as if the list had been kept all along (status bits are never cleared,
   * and a confirmed entry's NAT never changes).
   */
  private srcChains: BucketChains | null = null;
  private srcRecords = new Int32Array(0);
  /**
   * A lower bound of every entry's expiry (lowered by every expiry written, raised only by
   * `recomputeExpiryFloor`, at most once per size/8 insertions): before it, no entry anywhere has
   * expired, and a full table skips looking for expired entries in its window.
   */
  private expiryFloor = Infinity;
  private insertsSinceFloor = 0;
  /**
   * Lookups `confirm` need not repeat: entries inserted so far (`insertSeq`); the entry `in` made
   * after finding nobody holding its tuple, and when; the last IPv4 tuple `natUsedParts` found
   * nobody holding, and when.
   */
  private insertSeq = 0;
  private missEntry: ConntrackEntry | null = null;
  private missSeq = -1;
  private freeSeq = -1;
  private freeSrc = 0;
  private freeDst = 0;
  private freePorts = 0;
  private freeProto = -1;
  /** The UDP state the tracker sees for an entry in the table (see `track`). */
  private readonly udpScratch: UdpState = { kind: 'udp', streamTs: 0 };
  /** Indexes of the expired entries a `makeRoom` window found. */
  private readonly goneScratch = new Int32Array(MAKE_ROOM_WINDOW);
  /** Early-dropped entries (`ConntrackConfig.recycleDropped`): since the last `recycleDropped()`, and free to reuse. */
  private readonly recycle: boolean;
  private readonly dropped: TableEntry[] = [];
  private readonly spare: TableEntry[] = [];
  /** NAT's port index (`PortKey`). */
  private readonly ports: PortIndex;

  constructor(config: ConntrackConfig = {}) {
    const { max, buckets, hashSeed, portIndexAfter, recycleDropped, ...overrides } = config;
    this.settings = { ...DEFAULT_SETTINGS, ...overrides };
    this.max = max ?? DEFAULT_CONNTRACK_MAX;
    if (buckets !== undefined && !(Number.isInteger(buckets) && buckets >= 1 && buckets <= 2 ** 31 - 1)) {
      throw new NatsimError('INTERNAL', `conntrack buckets ${buckets}: expected a whole number from 1 to 2147483647`, {}, EXIT_OTHER);
    }
    this.buckets = conntrackBuckets(buckets ?? DEFAULT_CONNTRACK_BUCKETS);
    this.hashSeed = (hashSeed ?? 0) | 0;
    this.ports = new PortIndex(portIndexAfter ?? PORT_INDEX_AFTER);
    this.recycle = recycleDropped ?? false;
    this.ctxPrerouting = { now: 0, hook: 'PREROUTING', settings: this.settings };
    this.ctxOutput = { now: 0, hook: 'OUTPUT', settings: this.settings };
  }

  /** Number of confirmed entries (`nf_conntrack_count`), NAT-clash entries included. */
  get count(): number {
    return this.size;
  }

  /** Runs the conntrack hook on a packet that carries no conntrack yet (`nf_conntrack_in`). */
  in(pkt: CtPacket, now: number, opts: InOptions = {}): CtResult {
    if (opts.untracked) return { kind: 'untracked' };
    // One context per hook, reused (trackers read it during the call only).
    const ctx = opts.hook === 'OUTPUT' ? this.ctxOutput : this.ctxPrerouting;
    ctx.now = now;
    const l4 = pkt.l4;
    if (l4 && l4.kind === 'icmp' && isIcmpOf(pkt.family, pkt.proto)) {
      const find: TupleFinder = (t) => this.find(t, now);
      const err = pkt.family === 'ipv4'
        ? icmpv4Error(pkt, l4.type, l4.quoted, find, ctx)
        : icmpv6Error(pkt, l4.type, l4.quoted, find, ctx);
      if (err.kind === 'invalid') {
        // nf_conntrack_handle_icmp counts it as an error, not as invalid.
        this.stats.error++;
        if (err.reason.includes('checksum')) this.stats.badChecksum++;
        return { kind: 'invalid', reason: err.reason };
      }
      if (err.kind === 'untracked') return { kind: 'untracked' };
      if (err.kind === 'related') return { kind: 'tracked', entry: err.entry, ctinfo: err.ctinfo, dir: ctinfoDir(err.ctinfo) };
    }
    const tuple = packetTuple(pkt);
    if (!tuple) return this.invalid('transport header unreadable');
    for (let attempt = 0; attempt < 3; attempt++) {
      const n = this.findNode(tuple, now);
      let entry: ConntrackEntry, dir: Dir;
      if (n < 0) {
        const reply = invertTuple(tuple);
        if (!reply) return this.invalid('tuple cannot be inverted');
        if (!this.makeRoom(this.lastHash, now)) {
          this.stats.drop++;
          this.stats.tableFull++;
          return { kind: 'drop', reason: TABLE_FULL };
        }
        entry = this.allocate(tuple, reply);
        dir = 0;
        this.missEntry = entry;
        this.missSeq = this.insertSeq;
      } else {
        entry = this.entries[n >> 1]!;
        dir = (n & 1) as Dir;
      }
      const ctinfo: TrackedCtInfo = dir === 1 ? CTINFO.ESTABLISHED_REPLY
        : entry.status & IPS.SEEN_REPLY ? CTINFO.ESTABLISHED
          : entry.status & IPS.EXPECTED ? CTINFO.RELATED : CTINFO.NEW;
      const outcome = this.track(entry, pkt, dir, ctx);
      if (outcome.verdict === 'invalid') return this.invalid(outcome.reason);
      if (outcome.verdict === 'repeat') {
        this.kill(entry);
        continue;
      }
      this.apply(entry, outcome, pkt, dir, now);
      if (ctinfo === CTINFO.ESTABLISHED_REPLY) entry.status |= IPS.SEEN_REPLY;
      return { kind: 'tracked', entry, ctinfo, dir };
    }
    return this.invalid('repeated reopen');
  }

  /**
   * Replaces the reply tuple of an unconfirmed entry (`nf_conntrack_alter_reply`), as NAT does
   * once per connection. Throws for a confirmed entry, which the kernel never alters.
   */
  alterReply(entry: ConntrackEntry, reply: Tuple): void {
    if (isConfirmed(entry)) throw new NatsimError('INTERNAL', 'alterReply on a confirmed conntrack entry', {}, EXIT_OTHER);
    entry.tuple[1] = reply;
  }

  /**
   * Inserts an unconfirmed entry at the last hook (`__nf_conntrack_confirm`). Reply-direction
   * packets and already confirmed entries are accepted unchanged.
   */
  confirm(entry: ConntrackEntry, ctinfo: TrackedCtInfo, now: number): ConfirmResult {
    if (isConfirmed(entry) || ctinfoDir(ctinfo) !== 0) return { kind: 'accept', entry, ctinfo };
    if (entry.status & IPS.DYING) {
      this.stats.insertFailed++;
      return { kind: 'drop', reason: 'conntrack entry is dying' };
    }
    // The clash lookups, except those already answered "nobody" with nothing inserted since: the
    // original tuple looked up when this packet came in, a reply tuple NAT found free.
    const [orig, reply] = entry.tuple;
    let clash = entry === this.missEntry && this.missSeq === this.insertSeq ? -1 : this.findNode(orig, now);
    if (clash < 0 && !this.knownFree(reply)) clash = this.findNode(reply, now);
    if (clash >= 0) return this.resolveClash(entry, this.entries[clash >> 1]!, ctinfo, now);
    entry.timeout += now;
    entry.status |= IPS.CONFIRMED;
    this.insert(entry, true);
    this.stats.confirmed++;
    return { kind: 'accept', entry, ctinfo };
  }

  /**
   * Whether a confirmed entry other than `ignoring` holds `tuple` in either direction
   * (`nf_conntrack_tuple_taken`); an entry with the same original tuple as `ignoring` does not
   * count (the clash is left to confirm).
   */
  tupleTaken(tuple: Tuple, ignoring: ConntrackEntry | null, now: number): boolean {
    return this.takenNode(this.findNode(tuple, now), ignoring);
  }

  /**
   * Whether a NAT candidate (a tuple in original-direction form) is in use: its inverse is
   * taken (`nf_nat_used_tuple`).
   */
  natUsedTuple(candidate: Tuple, ignoring: ConntrackEntry | null, now: number): boolean {
    const c = candidate;
    let taken: boolean;
    if (!isIcmpOf(c.family, c.proto)) {
      // The inverse is the candidate with sides swapped: look it up without building it.
      taken = this.takenNode(this.findParts(c.family, c.proto, c.dst, c.src, c.dport, c.sport, now), ignoring);
    } else {
      const reply = invertTuple(candidate);
      taken = reply !== null && this.tupleTaken(reply, ignoring, now);
    }
    if (taken) this.stats.found++;
    return taken;
  }

  /**
   * `natUsedTuple` for a port protocol's candidate given as the fields of its inverse (the tuple
   * whose holder is looked for), without building either tuple.
   */
  natUsedParts(family: Family, proto: number, src: Words, dst: Words, sport: number, dport: number, ignoring: ConntrackEntry | null, now: number): boolean {
    if (family === 'ipv4') {
      const k = this.ports.key(src[0]! | 0, dst[0]! | 0, ((sport << 8) | proto) | 0);
      if (k !== null) {
        const bits = k.bits;
        if (bits !== null) {
          if ((bits[dport >>> 5]! & (1 << (dport & 31))) === 0) {
            this.rememberFree(src[0]!, dst[0]!, sport, dport, proto);
            return false;
          }
          // Held. By a live entry when none can have expired yet; not by the asker's twin (an
          // entry with its original tuple) when the asker is the entry made after nobody held it.
          if (now < this.expiryFloor && (ignoring === null || (ignoring === this.missEntry && this.missSeq === this.insertSeq))) {
            this.stats.found++;
            return true;
          }
        } else if (this.ports.due(k)) {
          this.indexPorts(k);
        }
      }
    }
    const taken = this.takenNode(this.findCandidate(family, proto, src, dst, sport, dport, now), ignoring);
    if (taken) this.stats.found++;
    return taken;
  }

  /** Builds key `k`'s port bits from every hashed node (one walk over the table). */
  private indexPorts(k: PortKey): void {
    const bits = new Uint32Array(2048), nodes = this.nodes, entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i] === undefined) continue;
      for (let n = 2 * i; n <= 2 * i + 1; n++) {
        const r = n * NODE;
        const proto = nodes[r + N_PROTO]!;
        if (proto & NOT_INDEXED || nodes[r + N_SRC] !== k.src || nodes[r + N_DST] !== k.dst) continue;
        const ports = nodes[r + N_PORTS]!;
        if (proto > 0xff || recordSportProto(ports, proto) !== k.sportProto) continue;
        bits[(ports & 0xffff) >>> 5]! |= 1 << (ports & 31);
      }
    }
    this.ports.setBits(k, bits);
  }

  /**
   * `findParts` for NAT's port search; a tuple found free is remembered for `confirm` (nobody
   * holds it until something is inserted: `knownFree`).
   */
  private findCandidate(family: Family, proto: number, src: Words, dst: Words, sport: number, dport: number, now: number): number {
    const n = this.findParts(family, proto, src, dst, sport, dport, now);
    if (n < 0 && family === 'ipv4') this.rememberFree(src[0]!, dst[0]!, sport, dport, proto);
    return n;
  }

  /** Remembers an IPv4 tuple found free, for `knownFree`. */
  private rememberFree(src: number, dst: number, sport: number, dport: number, proto: number): void {
    this.freeSeq = this.insertSeq;
    this.freeSrc = src | 0; this.freeDst = dst | 0; this.freePorts = ((sport << 16) | dport) | 0; this.freeProto = proto;
  }

  /**
   * `nf_nat_used_tuple_harder`, for NAT's last few port candidates of a new TCP connection in
   * SYN_SENT (the caller decides when): the tuple given by its fields (the candidate's inverse) is
   * free if nobody holds it; if a connection holds it as its reply tuple and may be killed — it
   * was source-NATed, is in TIME_WAIT or a later state, is neither dying nor on a fixed timeout,
   * and the new connection's first sequence end is past its own (`nf_seq_has_advanced`) — that
   * connection is killed and the tuple is free; otherwise it is taken.
   */
  natUsedHarder(family: Family, proto: number, src: Words, dst: Words, sport: number, dport: number, ignoring: ConntrackEntry, now: number): boolean {
    const n = this.findCandidate(family, proto, src, dst, sport, dport, now);
    if (n < 0) return false;
    if ((n & 1) === 0) return true; // held as an original tuple
    const holder = this.entries[n >> 1]!;
    if (holder === ignoring) return true;
    const flags = holder.status, old = holder.proto, fresh = ignoring.proto;
    if (old.kind !== 'tcp' || fresh.kind !== 'tcp' || old.state < TCP_STATE.TIME_WAIT) return true;
    if (flags & (IPS.FIXED_TIMEOUT | IPS.DYING) || !(flags & IPS.SRC_NAT)) return true;
    if (((fresh.end0 - old.end0) | 0) <= 0) return true;
    this.kill(holder);
    // Even when it could be evicted, an offloaded connection's tuple is not reused.
    return (flags & (IPS.OFFLOAD | IPS.HW_OFFLOAD)) !== 0;
  }

  /** Whether `t` is the last tuple NAT's port search found nobody holding, with nothing inserted since. */
  private knownFree(t: Tuple): boolean {
    return this.freeSeq === this.insertSeq && t.family === 'ipv4' && t.proto === this.freeProto && (t.src[0]! | 0) === this.freeSrc
      && (t.dst[0]! | 0) === this.freeDst && (((t.sport << 16) | t.dport) | 0) === this.freePorts;
  }

  /** `tupleTaken`'s verdict on the node a lookup found (-1: none). */
  private takenNode(n: number, ignoring: ConntrackEntry | null): boolean {
    if (n < 0) return false;
    if (ignoring === null) return true;
    const i = n >> 1;
    if (ignoring.index === i) return false;
    // The holder's original tuple against the asker's, from the holder's original-direction record.
    const o = tupleOf(ignoring, 0);
    if (o.family !== 'ipv4') return !tupleEqual(o, this.entries[i]!.tuple[0]);
    const r = 2 * i * NODE, nodes = this.nodes;
    return !(nodes[r + N_SRC] === (o.src[0]! | 0) && nodes[r + N_DST] === (o.dst[0]! | 0)
      && nodes[r + N_PORTS] === (((o.sport << 16) | o.dport) | 0) && protoWord(nodes, r) === o.proto);
  }

  /** The confirmed entry holding `tuple`, and in which direction; expired entries are collected. */
  find(tuple: Tuple, now: number): Slot | null {
    const n = this.findNode(tuple, now);
    return n < 0 ? null : { entry: this.entries[n >> 1]!, dir: (n & 1) as Dir };
  }

  /** The node (`2 * index + dir`) holding `tuple`, or -1; an expired entry found is collected. */
  private findNode(tuple: Tuple, now: number): number {
    return this.findParts(tuple.family, tuple.proto, tuple.src, tuple.dst, tuple.sport, tuple.dport, now);
  }

  /** `findNode` of the tuple these fields would make, without making it. */
  private findParts(family: Family, proto: number, src: Words, dst: Words, sport: number, dport: number, now: number): number {
    const h = hashParts(family, proto, src, dst, sport, dport, this.hashSeed) | 0;
    const v4 = family === 'ipv4';
    const s4 = v4 ? src[0]! | 0 : 0, d4 = v4 ? dst[0]! | 0 : 0;
    const ports = ((sport << 16) | dport) | 0;
    const pf = proto | (v4 ? 0 : 0x100);
    const nodes = this.nodes;
    const slots = this.nodeIndex.slots, mask = this.nodeIndex.mask;
    this.lastHash = h;
    for (let k = h >>> this.nodeIndex.shift; ; k = (k + 1) & mask) {
      const v = slots[2 * k + 1]!;
      if (v === 0) return -1;
      if (slots[2 * k] !== h) continue;
      const n = v - 1, r = n * NODE;
      if (nodes[r + N_PORTS] !== ports || nodes[r + N_PROTO] !== pf) continue;
      if (v4 ? nodes[r + N_SRC] !== s4 || nodes[r + N_DST] !== d4 : false) continue;
      if (!v4) {
        const t = this.entries[n >> 1]!.tuple[n & 1];
        if (!wordsEqual(t.src, src) || !wordsEqual(t.dst, dst)) continue;
      }
      // The expiry mirrored in the record: a live entry is not read at all.
      if (this.nodeTimes[timeAt(n & ~1)]! <= now) {
        this.remove(this.entries[n >> 1]!);
        return -1;
      }
      // A tuple that is its own inverse (same address both ways, and ports if any) is both nodes'
      // of one entry: the kernel's bucket lists the reply node first (inserted last, at the head),
      // so a lookup finds that one.
      return (n & 1) === 0 && this.selfInverse(n) ? n | 1 : n;
    }
  }

  /** Whether original-direction node `n`'s tuple equals its entry's reply tuple. */
  private selfInverse(n: number): boolean {
    const r0 = n * NODE, r1 = r0 + NODE, nodes = this.nodes;
    const proto = protoWord(nodes, r0);
    if (proto !== protoWord(nodes, r1) || nodes[r0 + N_PORTS] !== nodes[r1 + N_PORTS]) return false;
    if (!(proto & 0x100)) return nodes[r0 + N_SRC] === nodes[r1 + N_SRC] && nodes[r0 + N_DST] === nodes[r1 + N_DST];
    const [o, r] = this.entries[n >> 1]!.tuple;
    return tupleEqual(o, r);
  }

  /**
   * Removes every entry whose time is up (`timeout <= now`); returns them. Nothing to do before
   * the expiry floor; after a walk the floor is the earliest expiry left.
   */
  expire(now: number): ConntrackEntry[] {
    const gone: ConntrackEntry[] = [];
    if (now < this.expiryFloor) return gone;
    const live = this.order.live();
    for (let k = 0; k < live.length; k++) if (this.expiryOf(live[k]!) <= now) gone.push(this.entries[live[k]!]!);
    for (const e of gone) this.remove(e);
    this.recomputeExpiryFloor();
    return gone;
  }

  /** Deletes an entry (`nf_ct_delete`, `conntrack -D`); false when it was not in the table. */
  delete(entry: ConntrackEntry): boolean {
    if (!this.holds(entry)) return false;
    this.kill(entry);
    return true;
  }

  /** Removes every entry (`conntrack -F`). */
  flush(): void {
    for (const e of this.all()) this.kill(e);
  }

  /** Live entries in confirmation order, without NAT-clash entries (`conntrack -L` hides them). */
  list(now: number): ConntrackEntry[] {
    return [...this.listing(now)];
  }

  /**
   * `list`, one entry at a time, with no array of a quarter of a million entries (the expired
   * ones are collected first; the table must not change while the listing is walked).
   */
  *listing(now: number): Generator<ConntrackEntry, void, undefined> {
    this.expire(now);
    const live = this.order.live();
    for (let k = 0; k < live.length; k++) {
      const e = this.entries[live[k]!]!;
      if (!(e.status & IPS.NAT_CLASH)) yield e;
    }
  }

  /** How many entries `listing(now)` yields. */
  listedCount(now: number): number {
    this.expire(now);
    let n = 0;
    const live = this.order.live();
    for (let k = 0; k < live.length; k++) if (!(this.entries[live[k]!]!.status & IPS.NAT_CLASH)) n++;
    return n;
  }

  /** Every entry in the table, oldest first. */
  private all(): ConntrackEntry[] {
    const out: ConntrackEntry[] = [];
    const live = this.order.live();
    for (let k = 0; k < live.length; k++) out.push(this.entries[live[k]!]!);
    return out;
  }

  /** Whether this very entry is in the table. */
  private holds(entry: ConntrackEntry): boolean {
    return entry.index >= 0 && this.entries[entry.index] === entry;
  }

  private invalid(reason: string): CtResult {
    this.stats.invalid++;
    if (reason.includes('checksum')) this.stats.badChecksum++;
    return { kind: 'invalid', reason };
  }

  private allocate(orig: Tuple, reply: Tuple): ConntrackEntry {
    const e = this.spare.pop();
    if (e === undefined) return new TableEntry(this.nextId++, orig, reply, this);
    e.reset(this.nextId++, orig, reply);
    return e;
  }

  /**
   * With `recycleDropped` configured: the entries early-dropped so far may be reused for new
   * connections from now on. Call it only when nothing holds any of them any more (a packet's
   * result, its `conntrack`, a looked-up entry) — between packets, for a caller that keeps no
   * entry past its packet. A no-op otherwise.
   */
  recycleDropped(): void {
    const d = this.dropped;
    if (d.length === 0) return;
    for (let k = 0; k < d.length && this.spare.length < MAX_SPARE; k++) this.spare.push(d[k]!);
    d.length = 0;
  }

  /** Writes the expiry of entry `index` into its original-direction record (`TableEntry`'s timeout setter). */
  mirrorExpiry(index: number, expiry: number): void {
    if (expiry < this.expiryFloor) this.expiryFloor = expiry;
    this.nodeTimes[timeAt(2 * index)] = expiry;
  }

  /** The expiry of entry `index` (`TableEntry`'s timeout getter). */
  expiryOf(index: number): number {
    return this.nodeTimes[timeAt(2 * index)]!;
  }

  /**
   * Room for one more entry, the new tuple's hash being `h` (`__nf_conntrack_alloc`): past
   * `nf_conntrack_max`, expired entries among the oldest are collected first (the GC worker's
   * job), then `earlyDrop`. False: nothing could go, the packet is dropped.
   */
  private makeRoom(h: number, now: number): boolean {
    if (this.max === 0 || this.size + 1 <= this.max) return true;
    // Look at a bounded window of the oldest entries: a full scan per new connection would make a
    // full table quadratic. Expiries are read from the node records (mirrored there).
    if (!(now < this.expiryFloor || (this.insertsSinceFloor >= this.size >> 3 && now < this.recomputeExpiryFloor()))) {
      const times = this.nodeTimes, gone = this.goneScratch, entries = this.entries;
      const n = this.order.oldest(MAKE_ROOM_WINDOW, gone);
      let expired = 0;
      for (let k = 0; k < n; k++) if (times[timeAt(2 * gone[k]!)]! <= now) gone[expired++] = gone[k]!;
      for (let k = 0; k < expired; k++) this.remove(entries[gone[k]!]!);
      if (this.size + 1 <= this.max) return true;
    }
    return this.earlyDrop(h, now);
  }

  /**
   * `early_drop`: from the new tuple's hash bucket (`reciprocal_scale(h, buckets)`) on, up to 8
   * buckets, until one yields a victim; in a bucket every expired entry is collected and every
   * live unassured one is killed (`early_drop_list`), so one new connection can take several.
   * A bucket holds the nodes (either direction) whose hash falls in it (`NodeIndex.bucketNodes`).
   */
  private earlyDrop(h: number, now: number): boolean {
    const buckets = this.buckets, nodes = this.bucketNodes;
    const times = this.nodeTimes, entries = this.entries, victims = this.bucketVictims;
    let b = bucketOf(h, buckets);
    for (let step = 0; step < EVICTION_RANGE; step++, b = (b + 1) % buckets) {
      this.nodeIndex.bucketNodes(b, buckets, nodes);
      victims.length = 0;
      for (const n of nodes) {
        // An entry both of whose nodes are in the bucket is taken once.
        if (!victims.includes(n >> 1)) victims.push(n >> 1);
      }
      let drops = 0;
      for (const i of victims) {
        const e = entries[i]!;
        if (times[timeAt(2 * i)]! <= now) {
          this.remove(e);
        } else if (!(e.status & (IPS.ASSURED | IPS.DYING))) {
          this.kill(e);
          if (this.recycle && e instanceof TableEntry) this.dropped.push(e);
          drops++;
        }
      }
      if (drops > 0) {
        this.stats.earlyDrop += drops;
        return true;
      }
    }
    return false;
  }

  /** Sets `expiryFloor` to the earliest expiry in the table (a walk over every entry) and returns it. */
  private recomputeExpiryFloor(): number {
    // In index order (memory order); which entry comes first does not matter here.
    const times = this.nodeTimes, entries = this.entries;
    let floor = Infinity;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i] === undefined) continue;
      const t = times[timeAt(2 * i)]!;
      if (t < floor) floor = t;
    }
    this.insertsSinceFloor = 0;
    return (this.expiryFloor = floor);
  }

  private track(entry: ConntrackEntry, pkt: CtPacket, dir: Dir, ctx: TrackerContext): TrackerOutcome {
    const l4 = pkt.l4!;
    switch (pkt.proto) {
      case IPPROTO.TCP:
        return l4.kind === 'tcp' ? tcpPacket(entry, pkt, l4.header, dir, ctx) : { verdict: 'invalid', reason: 'no tcp header' };
      case IPPROTO.UDP: {
        if (l4.kind !== 'udp') return { verdict: 'invalid', reason: 'no udp header' };
        if (entry.proto !== UDP_IN_TABLE) return udpPacket(entry, pkt, l4, ctx);
        // The stream time, from the entry's reply-direction record for the tracker, and back.
        const at = timeAt(2 * entry.index + 1), scratch = this.udpScratch;
        scratch.streamTs = this.nodeTimes[at]!;
        entry.proto = scratch;
        const outcome = udpPacket(entry, pkt, l4, ctx);
        if (entry.proto.kind === 'udp') this.nodeTimes[at] = entry.proto.streamTs;
        entry.proto = UDP_IN_TABLE;
        return outcome;
      }
      case IPPROTO.UDPLITE:
        return l4.kind === 'udp' ? udplitePacket(entry, pkt, l4, ctx) : { verdict: 'invalid', reason: 'no udplite header' };
      case IPPROTO.ICMP:
        return icmpPacket(entry, ctx);
      case IPPROTO.ICMPV6:
        return icmpv6Packet(entry, ctx);
      case IPPROTO.GRE:
        return grePacket(entry);
      default:
        return genericPacket(entry, ctx);
    }
  }

  /** Applies an accepted outcome: refresh and count (`nf_ct_refresh_acct`) or kill (`nf_ct_kill_acct`). */
  private apply(entry: ConntrackEntry, outcome: TrackerOutcome & { verdict: 'accept' }, pkt: CtPacket, dir: Dir, now: number): void {
    if (outcome.refresh === null && !outcome.kill) return;
    countPacket(entry, dir, 1, pkt.length);
    if (outcome.kill) {
      this.kill(entry);
      return;
    }
    if (outcome.refresh !== null && !(entry.status & IPS.FIXED_TIMEOUT)) {
      entry.timeout = isConfirmed(entry) ? now + outcome.refresh : outcome.refresh;
    }
  }

  private resolveClash(loser: ConntrackEntry, winner: ConntrackEntry, ctinfo: TrackedCtInfo, now: number): ConfirmResult {
    if (allowsClash(loser.tuple[0].proto)) {
      if (canMerge(winner, loser)) return this.merge(winner, loser, ctinfo);
      const replyClash = this.find(loser.tuple[1], now);
      if (replyClash) {
        if (canMerge(replyClash.entry, loser)) return this.merge(replyClash.entry, loser, ctinfo);
      } else {
        // Only the original direction clashes: insert by the reply tuple, to die in 1 s.
        loser.timeout = now + 1000;
        loser.status |= IPS.FIXED_TIMEOUT | IPS.NAT_CLASH | IPS.CONFIRMED;
        this.insert(loser, false);
        this.stats.clashResolve++;
        return { kind: 'accept', entry: loser, ctinfo };
      }
    }
    this.stats.drop++;
    this.stats.insertFailed++;
    return { kind: 'drop', reason: 'conntrack insert clash' };
  }

  /** The packet continues on the existing entry; the loser's bytes are added to it (`nf_ct_acct_merge`). */
  private merge(winner: ConntrackEntry, loser: ConntrackEntry, ctinfo: TrackedCtInfo): ConfirmResult {
    const dir = ctinfoDir(ctinfo);
    countPacket(winner, dir, 1, counterOf(loser, dir).bytes);
    this.stats.clashResolve++;
    return { kind: 'accept', entry: winner, ctinfo };
  }

  private insert(entry: ConntrackEntry, withOriginal: boolean): void {
    if (this.size === this.capacity) this.grow();
    const expiry = entry.timeout;
    const i = this.freeIndexes.length > 0 ? this.freeIndexes.pop()! : this.entries.length;
    this.entries[i] = entry;
    entry.index = i;
    this.size++;
    this.insertSeq++;
    this.insertsSinceFloor++;
    const [orig, reply] = entry.tuple;
    this.writeRecord(2 * i, orig);
    this.writeRecord(2 * i + 1, reply);
    if (withOriginal) this.hashNode(2 * i, orig);
    else this.nodes[2 * i * NODE + N_PROTO] |= NOT_INDEXED;
    this.hashNode(2 * i + 1, reply);
    this.mirrorExpiry(i, expiry);
    if (this.srcChains !== null) {
      if (entry.status & IPS.SRC_NAT_DONE) this.listSource(this.srcChains, i, entry.tuple[0]);
      else this.srcRecords[i * SRC_RECORD + NEXT_AT] = NOT_HASHED;
    }
    if (entry instanceof TableEntry) {
      // What the records hold, the entry need not while it is here: its expiry, a UDP stream
      // time, IPv4 tuples (whole).
      entry.expiry = null;
      if (entry.proto.kind === 'udp') {
        this.nodeTimes[timeAt(2 * i + 1)] = entry.proto.streamTs;
        entry.proto = UDP_IN_TABLE;
      }
      const own = entry.tuple;
      if (own[0].family === 'ipv4' && own[1].family === 'ipv4') entry.own = null;
    }
    this.order.push(i);
    // At most half the slots in use; the by-source list gets a bucket per entry.
    if (2 * this.nodeIndex.used > this.nodeIndex.size) {
      this.nodeIndex.resize(2 * this.nodeIndex.size);
      this.srcChains?.rehash(this.srcRecords, this.nodeIndex.size / 4);
    }
  }

  /** Puts node `n` (its record written, `t` its tuple) in the node index, and NAT's port index. */
  private hashNode(n: number, t: Tuple): void {
    const r = n * NODE, nodes = this.nodes;
    nodes[r + N_PROTO] &= ~NOT_INDEXED;
    this.nodeIndex.add(tupleHash(t, this.hashSeed) | 0, n);
    if (this.ports.indexed > 0) this.ports.update(nodes[r + N_SRC]!, nodes[r + N_DST]!, nodes[r + N_PORTS]!, nodes[r + N_PROTO]!, true);
  }

  /** Takes node `n` out of the node index and NAT's port index (no-op when it is in none). */
  private unhashNode(n: number): void {
    const r = n * NODE, nodes = this.nodes;
    const proto = nodes[r + N_PROTO]!;
    if (proto & NOT_INDEXED) return;
    this.nodeIndex.delete(this.nodeHash(n), n);
    nodes[r + N_PROTO] = proto | NOT_INDEXED;
    if (this.ports.indexed > 0) this.ports.update(nodes[r + N_SRC]!, nodes[r + N_DST]!, nodes[r + N_PORTS]!, proto, false);
  }

  /** The hash node `n`'s tuple has in the node index: from its record (IPv4), else from its entry's tuple. */
  private nodeHash(n: number): number {
    const r = n * NODE, nodes = this.nodes;
    const proto = protoWord(nodes, r);
    if (proto & 0x100) return tupleHash(this.entries[n >> 1]!.tuple[n & 1], this.hashSeed) | 0;
    return hashWords4(proto, nodes[r + N_SRC]!, nodes[r + N_DST]!, nodes[r + N_PORTS]!, this.hashSeed) | 0;
  }

  /** Writes node `n`'s record: for IPv4, the tuple itself; for IPv6 its ports and protocol. */
  private writeRecord(n: number, t: Tuple): void {
    const r = n * NODE;
    const v4 = t.family === 'ipv4';
    const nodes = this.nodes;
    nodes[r + N_SRC] = v4 ? t.src[0]! | 0 : 0;
    nodes[r + N_DST] = v4 ? t.dst[0]! | 0 : 0;
    nodes[r + N_PORTS] = ((t.sport << 16) | t.dport) | 0;
    nodes[r + N_PROTO] = t.proto | (v4 ? 0 : 0x100);
  }

  /** The IPv4 tuple node `n`'s record holds. */
  recordTuple(n: number): Tuple {
    const r = n * NODE, nodes = this.nodes;
    return wordsTuple(nodes[r + N_SRC]!, nodes[r + N_DST]!, nodes[r + N_PORTS]!, protoWord(nodes, r));
  }

  /** Node `n`'s record words: source, destination, ports, protocol (see `recordWords`). */
  recordWordsAt(n: number, out: Int32Array): void {
    const r = n * NODE, nodes = this.nodes;
    out[0] = nodes[r + N_SRC]!; out[1] = nodes[r + N_DST]!; out[2] = nodes[r + N_PORTS]!; out[3] = protoWord(nodes, r);
  }

  /** The destination address of the IPv4 tuple node `n`'s record holds. */
  recordDst(n: number): Words {
    return ipv4Words(this.nodes[n * NODE + N_DST]! >>> 0);
  }

  /** Room for twice as many entries (index arrays doubled, contents kept). */
  private grow(): void {
    let cap = this.capacity * 2;
    // Past a few thousand entries, room for `nf_conntrack_max` at once, buckets too: each
    // doubling frees the arrays before it, and the C allocator keeps such freed blocks (≈ 6–8 MiB
    // of a full table's peak RSS when it grew step by step to 262,144 entries). Not for a limit
    // above the default: a large `--conntrack-max` must not cost its whole size up front.
    const jump = this.max > 0 && this.max <= DEFAULT_CONNTRACK_MAX && cap >= JUMP_CAPACITY && cap < this.max;
    if (jump) cap = this.max;
    const more = (a: Int32Array, len: number): Int32Array<ArrayBuffer> => { const b = new Int32Array(len); b.set(a); return b; };
    this.nodes = more(this.nodes, 2 * NODE * cap);
    this.nodeTimes = new Float64Array(this.nodes.buffer);
    this.order.resize(cap);
    this.capacity = cap;
    if (this.srcChains !== null) this.srcRecords = more(this.srcRecords, SRC_RECORD * cap);
    if (jump) {
      let size = this.nodeIndex.size;
      while (size < 4 * cap) size *= 2;
      this.nodeIndex.resize(size);
      this.srcChains?.rehash(this.srcRecords, size / 4);
    }
  }

  /** Takes an entry out of the table (no-op when it is not in it). */
  private remove(entry: ConntrackEntry): void {
    if (!this.holds(entry)) return;
    const i = entry.index;
    if (entry instanceof TableEntry) {
      // Leaving the table, the entry takes back what the records held for it.
      if (entry.own === null) {
        const nodes = this.nodes, r0 = 2 * i * NODE, r1 = r0 + NODE;
        entry.own = new RecordWords(nodes[r0 + N_SRC]!, nodes[r0 + N_DST]!, nodes[r0 + N_PORTS]!, nodes[r1 + N_SRC]!, nodes[r1 + N_DST]!, nodes[r1 + N_PORTS]!, protoWord(nodes, r0));
      }
      entry.expiry = this.expiryOf(i);
      if (entry.proto === UDP_IN_TABLE) entry.proto = { kind: 'udp', streamTs: this.nodeTimes[timeAt(2 * i + 1)]! };
    }
    this.unhashNode(2 * i);
    this.unhashNode(2 * i + 1);
    this.order.drop(i);
    this.srcChains?.unlink(this.srcRecords, i);
    this.entries[i] = undefined;
    this.freeIndexes.push(i);
    entry.index = -1;
    this.size--;
  }

  /** Starts keeping the by-source list: every entry with a source manip listed, oldest first (see `srcChains`). */
  private listSources(): BucketChains {
    const chains = new BucketChains(this.nodeIndex.size / 4, SRC_RECORD);
    this.srcRecords = new Int32Array(SRC_RECORD * this.capacity);
    const live = this.order.live();
    for (let k = 0; k < live.length; k++) {
      const i = live[k]!, e = this.entries[i]!;
      if (e.status & IPS.SRC_NAT_DONE) this.listSource(chains, i, tupleOf(e, 0));
      else this.srcRecords[i * SRC_RECORD + NEXT_AT] = NOT_HASHED;
    }
    return (this.srcChains = chains);
  }

  /** Lists entry `i` under its original source, first in its bucket. */
  private listSource(chains: BucketChains, i: number, t: Tuple): void {
    this.srcRecords[i * SRC_RECORD + HASH_AT] = sourceHash(t);
    chains.link(this.srcRecords, i);
  }

  /**
   * Visits the entries with a source manip whose original source (protocol, address, port) is
   * `t`'s, newest first, until `visit` returns true (`find_appropriate_src`'s walk).
   */
  fromSource(t: Tuple, visit: (e: ConntrackEntry) => boolean): void {
    const h = sourceHash(t);
    const heads = (this.srcChains ?? this.listSources()).heads, rec = this.srcRecords, nodes = this.nodes;
    const v4 = t.family === 'ipv4', s4 = v4 ? t.src[0]! | 0 : 0;
    for (let i = heads[h & (heads.length - 1)]!; i >= 0; i = rec[i * SRC_RECORD + NEXT_AT]!) {
      if (rec[i * SRC_RECORD + HASH_AT] !== h) continue;
      const e = this.entries[i]!;
      if (v4) {
        // The original tuple from its node record (an IPv6 record's protocol carries 0x100).
        const r = 2 * i * NODE;
        if (protoWord(nodes, r) !== t.proto || nodes[r + N_PORTS]! >>> 16 !== t.sport || nodes[r + N_SRC] !== s4) continue;
      } else {
        const o = e.tuple[0];
        if (o.proto !== t.proto || o.sport !== t.sport || o.family !== t.family || !wordsEqual(o.src, t.src)) continue;
      }
      if (visit(e)) return;
    }
  }

  /** How many entries the by-source list holds (tests). */
  get sourceListed(): number {
    let n = 0;
    const live = this.order.live();
    if (this.srcChains === null) {
      for (let k = 0; k < live.length; k++) if (this.entries[live[k]!]!.status & IPS.SRC_NAT_DONE) n++;
      return n;
    }
    for (let k = 0; k < live.length; k++) if (this.srcRecords[live[k]! * SRC_RECORD + NEXT_AT] !== NOT_HASHED) n++;
    return n;
  }

  /** Removes an entry and marks it dying (`nf_ct_kill`); packets holding it keep their reference. */
  private kill(entry: ConntrackEntry): void {
    entry.status |= IPS.DYING;
    this.remove(entry);
  }
}
