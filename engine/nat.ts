/**
 * NAT as `nf_nat_core.c` does it, once per connection and manip type: the binding
 * (`nf_nat_setup_info` → `get_unique_tuple`: keep the original tuple when it is free and in
 * range, choose the address by jhash2, search ports from a random or zero offset with halving
 * rounds), null bindings, and the per-packet rewrite of every later packet in both directions
 * from the conntrack entry (`nf_nat_packet`), with incremental checksum updates; ICMP errors
 * RELATED to a NATed connection get their outer and quoted headers translated.
 */
import type { ConntrackEntry, TrackedCtInfo } from './conntrack/entry.js';
import { CTINFO, IPS, ctinfoDir } from './conntrack/entry.js';
import { tupleOf, type ConntrackTable } from './conntrack/table.js';
import { IPPROTO, hasPorts, invertTuple, isIcmpOf, makeTuple, tupleEqual, type Tuple } from './conntrack/tuple.js';
import { TCP_STATE } from './conntrack/tcp.js';
import type { NatRange } from './ext/target/nat-range.js';
import { wordsEqual, type Family, type Words } from './net/addr.js';
import type { Packet } from './packet.js';
import { PKT_TYPE, readTransport } from './packet.js';
import { adjust16, adjust32, finish, sumBytes } from './wire/checksum.js';
import { readU16, writeU16, writeU32 } from './wire/ipv4.js';
import { crc32c } from './wire/transport.js';

/** SRC manip (SNAT, MASQUERADE, at POSTROUTING/INPUT) or DST manip (DNAT, at PREROUTING/OUTPUT). */
export type Manip = 'src' | 'dst';

/** What NAT needs from the engine. */
export interface NatEnv {
  ct: ConntrackTable;
  now: number;
  /** A random 16-bit number (`get_random_u16`). */
  random16(): number;
}

/** Whether this manip type is already set up for the connection (`nf_nat_initialized`). */
export function natInitialized(e: ConntrackEntry, manip: Manip): boolean {
  return (e.status & (manip === 'src' ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE)) !== 0;
}

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Jenkins' lookup3 `hashword` as the kernel's `jhash2` (initval 0xdeadbeef + length·4 + initval). */
export function jhash2(k: readonly number[], initval: number): number {
  let a = (0xdeadbeef + (k.length << 2) + initval) >>> 0;
  let b = a, c = a;
  let i = 0, len = k.length;
  while (len > 3) {
    a = (a + k[i]!) >>> 0; b = (b + k[i + 1]!) >>> 0; c = (c + k[i + 2]!) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rol32(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rol32(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rol32(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rol32(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rol32(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rol32(b, 4)) >>> 0; b = (b + a) >>> 0;
    len -= 3; i += 3;
  }
  if (len === 0) return c;
  if (len >= 3) c = (c + k[i + 2]!) >>> 0;
  if (len >= 2) b = (b + k[i + 1]!) >>> 0;
  a = (a + k[i]!) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/** A network-order 32-bit word as the kernel's `(__force u32)` reads it on a little-endian CPU. */
function asLeU32(w: number): number {
  return (((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0;
}

/** `(u64)j · dist >> 32`. */
function reciprocalScale(j: number, dist: number): number {
  return Number((BigInt(j) * BigInt(dist)) >> 32n);
}

function cmpWords(a: Words, b: Words): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/**
 * The address `find_best_ips_proto` chooses from a multi-address range (deterministic jhash2).
 * After each word the hash takes in the tuple's destination word — which for a destination manip
 * is the word just chosen (the kernel writes the choice into the tuple it reads from): an IPv6
 * DNAT's later words depend on its earlier chosen words, not on the original destination's.
 */
export function chooseAddress(range: NatRange, t: Tuple, manip: Manip): Words {
  // Address words are never changed in place, so the range's own array can be shared.
  if (cmpWords(range.minAddr, range.maxAddr) === 0) return range.minAddr;
  const words4 = t.family === 'ipv4' ? [asLeU32(t.src[0]!), 0, 0, 0] : t.src.map(asLeU32);
  const max = t.family === 'ipv4' ? 0 : 3;
  let j = jhash2(words4, range.persistent ? 0 : asLeU32(t.dst[max]!));
  const out: Words = [];
  let full = false;
  for (let i = 0; i <= max; i++) {
    let minip: number, dist: number;
    if (!full) {
      minip = range.minAddr[i]!;
      dist = (range.maxAddr[i]! - minip + 1) >>> 0;
      if (dist === 0) dist = 0x100000000;
    } else {
      minip = 0;
      dist = 0xffffffff;
    }
    out[i] = (minip + reciprocalScale(j, dist)) >>> 0;
    if (out[i] !== range.maxAddr[i]) full = true;
    if (!range.persistent) j = (j ^ asLeU32(manip === 'dst' ? out[i]! : t.dst[i]!)) >>> 0;
  }
  return out;
}

function manipAddr(t: Tuple, manip: Manip): Words { return manip === 'src' ? t.src : t.dst; }

/** The port (or ICMP id) NAT changes for this manip. */
function manipKey(t: Tuple, manip: Manip): number {
  if (isIcmpOf(t.family, t.proto)) return t.sport;
  return manip === 'src' ? t.sport : t.dport;
}

function withAddr(t: Tuple, manip: Manip, a: Words): Tuple {
  return manip === 'src'
    ? { family: t.family, src: a, dst: t.dst, proto: t.proto, sport: t.sport, dport: t.dport }
    : { family: t.family, src: t.src, dst: a, proto: t.proto, sport: t.sport, dport: t.dport };
}

/** `nf_nat_in_range`: the tuple's address (if mapped) and port (if a range is given) are inside the range. */
function inRange(t: Tuple, range: NatRange, manip: Manip): boolean {
  if (range.mapIps) {
    const a = manipAddr(t, manip);
    if (cmpWords(a, range.minAddr) < 0 || cmpWords(a, range.maxAddr) > 0) return false;
  }
  if (!range.protoSpecified) return true;
  if (!hasPorts(t.proto) && !isIcmpOf(t.family, t.proto)) return true;
  const k = manipKey(t, manip);
  return k >= range.minPort && k <= range.maxPort;
}

/** Port candidates tried per round (`NF_NAT_MAX_ATTEMPTS`), and how many of the last may evict (`NF_NAT_HARDER_THRESH`). */
const NF_NAT_MAX_ATTEMPTS = 128;
const NF_NAT_HARDER_THRESH = NF_NAT_MAX_ATTEMPTS / 4;

/**
 * `nf_nat_l4proto_unique_tuple`: search a free port (or ICMP id) for `tuple` with the manip
 * side's address replaced by `addr` (the address `get_unique_tuple` chose; the tuple's own when
 * the range maps none). Returns that tuple with the port found.
 */
function uniqueL4(env: NatEnv, tuple: Tuple, addr: Words, range: NatRange, manip: Manip, ct: ConntrackEntry): Tuple {
  const icmp = isIcmpOf(tuple.family, tuple.proto);
  if (!icmp && !hasPorts(tuple.proto)) return withAddr(tuple, manip, addr);
  let min: number, max: number;
  if (!range.protoSpecified) {
    if (icmp) { min = 0; max = 0xffff; } else {
      if (manip === 'dst') return withAddr(tuple, manip, addr);
      const port = manipKey(tuple, manip);
      if (port < 1024) {
        if (port < 512) { min = 1; max = 511; } else { min = 600; max = 1023; }
      } else { min = 1024; max = 65535; }
    }
  } else {
    min = range.minPort; max = range.maxPort;
  }
  const size = max - min + 1;
  let off: number;
  if (range.offset) off = (manipKey(tuple, manip) - range.basePort) & 0xffff;
  else if (range.random || range.randomFully || manip !== 'dst') off = env.random16();
  else off = 0;
  let attempts = Math.min(size, NF_NAT_MAX_ATTEMPTS);
  let key = 0;
  // A new TCP connection (SYN_SENT) may, in the last attempts, evict a TIME_WAIT one holding the
  // candidate (`nf_nat_used_tuple_harder`).
  const harder = tuple.proto === IPPROTO.TCP && ct.proto.kind === 'tcp' && ct.proto.state === TCP_STATE.SYN_SENT;
  // The candidate's sides (the manip side's address is `addr`).
  const src = manip === 'src' ? addr : tuple.src, dst = manip === 'src' ? tuple.dst : addr;
  for (;;) {
    for (let i = 0; i < attempts; i++, off++) {
      key = min + ((off >>> 0) % size);
      // Ports (not ICMP ids): each candidate is checked without building it.
      if (!icmp) {
        // The candidate's inverse: sides swapped, the new port on the manip's side.
        const sport = manip === 'src' ? key : tuple.sport, dport = manip === 'src' ? tuple.dport : key;
        const used = harder && attempts - i <= NF_NAT_HARDER_THRESH
          ? env.ct.natUsedHarder(tuple.family, tuple.proto, dst, src, dport, sport, ct, env.now)
          : env.ct.natUsedParts(tuple.family, tuple.proto, dst, src, dport, sport, ct, env.now);
        if (!used) return candidate(tuple, src, dst, manip, key);
      } else {
        const c = candidate(tuple, src, dst, manip, key);
        if (!env.ct.natUsedTuple(c, ct, env.now)) return c;
      }
    }
    if (attempts >= size || attempts < 16) return candidate(tuple, src, dst, manip, key);
    attempts >>= 1;
    off = env.random16();
  }
}

/** `tuple` with addresses `src` and `dst` and the manip's key (port or ICMP id) `key`. */
function candidate(tuple: Tuple, src: Words, dst: Words, manip: Manip, key: number): Tuple {
  if (isIcmpOf(tuple.family, tuple.proto) || manip === 'src') return { family: tuple.family, src, dst, proto: tuple.proto, sport: key, dport: tuple.dport };
  return { family: tuple.family, src, dst, proto: tuple.proto, sport: tuple.sport, dport: key };
}

/** `get_unique_tuple`: the new tuple for this manip. */
function uniqueTuple(env: NatEnv, orig: Tuple, range: NatRange, manip: Manip, ct: ConntrackEntry): Tuple {
  const random = range.random || range.randomFully;
  if (manip === 'src' && !random) {
    if (inRange(orig, range, manip)) {
      if (!env.ct.natUsedTuple(orig, ct, env.now)) return orig;
    } else {
      // find_appropriate_src: the newest connection from the same source whose mapping is in
      // range lends it, if that tuple is free; otherwise the search below.
      const cand = appropriateSource(env.ct, orig, range, env.now);
      if (cand && !env.ct.natUsedTuple(cand, ct, env.now)) return cand;
    }
  }
  // The manip side's address: chosen from the range, or kept.
  const addr = range.mapIps ? chooseAddress(range, orig, manip) : manipAddr(orig, manip);
  if (random) return uniqueL4(env, orig, addr, range, manip, ct);
  const t = range.mapIps ? withAddr(orig, manip, addr) : orig;
  if (range.protoSpecified) {
    // A port range with a base (`ip:a-b/base`, NF_NAT_RANGE_PROTO_OFFSET) always maps the port
    // by its offset from the base, even one already in the range.
    const k = manipKey(t, manip);
    if (!range.offset && k >= range.minPort && k <= range.maxPort && (range.minPort === range.maxPort || !env.ct.natUsedTuple(t, ct, env.now))) return t;
  } else if (!env.ct.natUsedTuple(t, ct, env.now)) {
    return t;
  }
  return uniqueL4(env, t, addr, range, manip, ct);
}

/**
 * `find_appropriate_src`: among the connections from the same source (the conntrack table's
 * by-source list, newest first), the first whose mapping (its reply tuple inverted, with
 * `orig`'s destination) is in `range`; connections whose time is up are passed over.
 */
function appropriateSource(table: ConntrackTable, orig: Tuple, range: NatRange, now: number): Tuple | null {
  let found: Tuple | null = null;
  table.fromSource(orig, (prev) => {
    // An expired entry natsim has not collected yet counts as gone (the GC worker's job).
    if (prev.timeout <= now) return false;
    const mapped = invertTuple(tupleOf(prev, 1))!;
    const cand: Tuple = { family: orig.family, src: mapped.src, dst: orig.dst, proto: orig.proto, sport: mapped.sport, dport: orig.dport };
    if (!inRange(cand, range, 'src')) return false;
    found = cand;
    return true;
  });
  return found;
}

/**
 * `nf_nat_setup_info`: bind this manip for the (unconfirmed) connection; alters the reply tuple
 * and sets the status bits. Returns the new tuple of the original direction.
 */
export function setupNat(env: NatEnv, e: ConntrackEntry, range: NatRange, manip: Manip): Tuple {
  const [orig, reply] = e.tuple;
  // The inverse of the reply tuple; while that is still the original's mirror image (no manip
  // bound yet), the original tuple itself.
  const current = mirrors(orig, reply) ? orig : invertTuple(reply)!;
  const next = uniqueTuple(env, current, range, manip, e);
  if (!tupleEqual(next, current)) {
    env.ct.alterReply(e, invertTuple(next)!);
    e.status |= manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
  }
  // With SRC_NAT_DONE the table lists the entry by its source once confirmed (nf_nat_bysource).
  e.status |= manip === 'src' ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE;
  return next;
}

/** Whether `reply` is `orig` with sides swapped (port protocols; inverting it gives `orig` back). */
function mirrors(orig: Tuple, reply: Tuple): boolean {
  return hasPorts(orig.proto) && reply.proto === orig.proto && reply.family === orig.family && reply.sport === orig.dport && reply.dport === orig.sport
    && wordsEqual(reply.src, orig.dst) && wordsEqual(reply.dst, orig.src);
}

/** `nf_nat_alloc_null_binding`: the address stays, only a clashing port may change. */
export function nullBinding(env: NatEnv, e: ConntrackEntry, manip: Manip): Tuple {
  const a = manip === 'src' ? e.tuple[1].dst : e.tuple[1].src;
  const range: NatRange = {
    mapIps: true, minAddr: a, maxAddr: a, protoSpecified: false, minPort: 0, maxPort: 0,
    offset: false, basePort: 0, random: false, randomFully: false, persistent: false,
  };
  return setupNat(env, e, range, manip);
}

/** The status bit `nf_nat_packet` tests for this manip and direction. */
function statusBit(manip: Manip, dir: 0 | 1): number {
  let bit = manip === 'src' ? IPS.SRC_NAT : IPS.DST_NAT;
  if (dir === 1) bit ^= IPS.SRC_NAT | IPS.DST_NAT;
  return bit;
}

/**
 * `nf_nat_packet`: rewrite the packet to the inverse of the other direction's tuple when the
 * connection is NATed for this manip and direction. Returns whether it changed anything.
 */
export function natPacket(p: Packet, e: ConntrackEntry, ctinfo: TrackedCtInfo, manip: Manip): boolean {
  const dir = ctinfoDir(ctinfo);
  if (!(e.status & statusBit(manip, dir))) return false;
  // The inverse of the other direction's tuple, read off without building it: its source is
  // the other's destination and vice versa; ports swap, an ICMP id stays.
  const other = tupleOf(e, dir === 0 ? 1 : 0);
  const icmp = isIcmpOf(other.family, other.proto);
  return manip === 'src'
    ? rewrite(p, other.dst, icmp ? other.sport : other.dport, manip)
    : rewrite(p, other.src, other.sport, manip);
}

/** Whether ctinfo is an ICMP error RELATED to the connection. */
export function isRelatedIcmpError(p: Packet, ctinfo: number): boolean {
  return (ctinfo === CTINFO.RELATED || ctinfo === CTINFO.RELATED_REPLY) && p.l4.kind === 'icmp' && isIcmpOf(p.family, p.proto) && icmpErrorType(p.family, p.l4.h.type);
}

function icmpErrorType(family: Family, type: number): boolean {
  return family === 'ipv4' ? [3, 4, 5, 11, 12].includes(type) : type < 128;
}

/** Rewrite one side (source or destination address and port/id) of the packet to `target`'s. */
export function manipPacket(p: Packet, target: Tuple, manip: Manip): boolean {
  const icmp = isIcmpOf(p.family, p.proto);
  return rewrite(p, manip === 'src' ? target.src : target.dst, icmp ? target.sport : manip === 'src' ? target.sport : target.dport, manip);
}

/** `manipPacket` with the new address and port (or ICMP id) given. */
function rewrite(p: Packet, newAddr: Words, newPort: number, manip: Manip): boolean {
  const oldAddr = manip === 'src' ? p.src : p.dst;
  const b = p.data;
  let changed = false;
  let addrChanged = false;
  for (let i = 0; i < newAddr.length; i++) if (newAddr[i] !== oldAddr[i]) { addrChanged = true; break; }
  // Transport first (its checksum covers the pseudo-header's addresses).
  if (p.l4Offset >= 0 && p.l4.kind !== 'none') {
    const o = p.l4Offset;
    const end = Math.min(b.length, p.length);
    const icmp = isIcmpOf(p.family, p.proto);
    const portOff = icmp ? 4 : manip === 'src' ? 0 : 2;
    const hasKey = (icmp && p.l4.kind === 'icmp' && !icmpErrorType(p.family, p.l4.h.type)) || (!icmp && hasPorts(p.proto));
    const oldPort = hasKey ? readU16(b, o + portOff) : newPort;
    if (p.proto === 132) {
      if (oldPort !== newPort) writeU16(b, o + portOff, newPort);
      if (oldPort !== newPort || addrChanged) {
        writeU32(b, o + 8, 0);
        const c = crc32c(b, o, end);
        b[o + 8] = c & 0xff; b[o + 9] = (c >>> 8) & 0xff; b[o + 10] = (c >>> 16) & 0xff; b[o + 11] = c >>> 24;
      }
    } else {
      const csOff = p.proto === 6 ? 16 : p.proto === 17 || p.proto === 136 ? 6 : icmp ? 2 : -1;
      const pseudo = p.proto === 6 || p.proto === 17 || p.proto === 136 || (icmp && p.family === 'ipv6');
      if (csOff >= 0 && o + csOff + 2 <= end) {
        let cs = readU16(b, o + csOff);
        const udpNoCsum = p.proto === 17 && p.family === 'ipv4' && cs === 0;
        if (!udpNoCsum) {
          if (pseudo && addrChanged) for (let i = 0; i < newAddr.length; i++) cs = adjust32(cs, oldAddr[i]!, newAddr[i]!);
          if (hasKey && oldPort !== newPort) cs = adjust16(cs, oldPort, newPort);
          if ((p.proto === 17 || p.proto === 136) && cs === 0) cs = 0xffff;
          writeU16(b, o + csOff, cs);
        }
      }
      if (hasKey && oldPort !== newPort) writeU16(b, o + portOff, newPort);
    }
    if (oldPort !== newPort) changed = true;
  }
  if (addrChanged) {
    changed = true;
    if (p.family === 'ipv4') {
      const at = manip === 'src' ? 12 : 16;
      writeU32(b, at, newAddr[0]!);
      writeU16(b, 10, adjust32(readU16(b, 10), oldAddr[0]!, newAddr[0]!));
    } else {
      const at = manip === 'src' ? 8 : 24;
      for (let i = 0; i < 4; i++) writeU32(b, at + 4 * i, newAddr[i]!);
    }
    // Address words are never changed in place: the tuple's array can be shared.
    if (manip === 'src') p.src = newAddr; else p.dst = newAddr;
  }
  if (changed) syncTransport(p);
  return changed;
}

/**
 * After a rewrite: the record's ports and its TCP/UDP header fields that NAT changes (ports and
 * checksum) read back from the bytes in place; other protocols are parsed again.
 */
function syncTransport(p: Packet): void {
  const l4 = p.l4;
  if ((l4.kind === 'udp' && p.proto === 17) || (l4.kind === 'tcp' && p.proto === 6)) {
    const b = p.data, o = p.l4Offset;
    const h = l4.h;
    h.sport = readU16(b, o);
    h.dport = readU16(b, o + 2);
    h.checksum = readU16(b, o + (l4.kind === 'tcp' ? 16 : 6));
    p.sport = h.sport;
    p.dport = h.dport;
    return;
  }
  readTransport(p);
}

/**
 * `nf_nat_icmp_reply_translation`: for an ICMP error RELATED to a NATed connection, rewrite the
 * quoted packet (as a packet of the other direction) and the outer header, then recompute the
 * ICMP checksum. Returns whether anything changed.
 */
export function icmpReplyTranslation(p: Packet, e: ConntrackEntry, ctinfo: TrackedCtInfo, manip: Manip): boolean {
  const dir = ctinfoDir(ctinfo);
  if (!(e.status & statusBit(manip, dir))) return false;
  const o = p.l4Offset;
  const inner = o + 8;
  const b = p.data;
  const end = Math.min(b.length, p.length);
  // The quoted packet travelled in the other direction: give it the other direction's tuple,
  // with the opposite manip.
  const other = tupleOf(e, dir === 0 ? 1 : 0);
  const quoted = sliceDatagram(p.family, b, inner, end);
  if (quoted) {
    const otherManip: Manip = manip === 'src' ? 'dst' : 'src';
    manipPacket(quoted.pkt, other, otherManip);
    b.set(quoted.pkt.data.subarray(0, quoted.len), inner);
  }
  const target = invertTuple(other)!;
  const outerTarget = makeTuple(p.family, target.src, target.dst, p.proto, 0, 0);
  // Only the outer addresses change; ICMP has no ports here.
  const saved = p.l4;
  p.l4 = { kind: 'none' };
  manipPacket(p, outerTarget, manip);
  p.l4 = saved;
  // Recompute the ICMP checksum over the whole message.
  b[o + 2] = 0; b[o + 3] = 0;
  let acc = sumBytes(b, o, end);
  if (p.family === 'ipv6') {
    for (const w of [...p.src, ...p.dst]) acc += (w >>> 16) + (w & 0xffff);
    acc += (end - o) + 58;
  }
  writeU16(b, o + 2, finish(acc));
  readTransport(p);
  return true;
}

/** The quoted datagram inside an ICMP error, as a packet record (its bytes copied). */
function sliceDatagram(family: Family, b: Uint8Array, off: number, end: number): { pkt: Packet; len: number } | null {
  const len = end - off;
  const copy = b.slice(off, end);
  if (len < (family === 'ipv4' ? 20 : 40)) return null;
  try {
    // The quoted header's total length usually exceeds what was quoted: decode what is there.
    const p: Packet = {
      family, data: copy, wireLength: len, link: null, pktType: PKT_TYPE.HOST, src: [], dst: [], proto: 0, length: len, tos: 0, ttl: 0, ipId: 0,
      fragOffset: 0, moreFragments: false, l4Offset: -1, l4: { kind: 'none' }, sport: 0, dport: 0,
      inIface: null, outIface: null, physIn: null, physOut: null, mark: 0, ct: null, ctinfo: -1, trace: false, socket: null,
    };
    if (family === 'ipv4') {
      p.src = [((copy[12]! << 24) | (copy[13]! << 16) | (copy[14]! << 8) | copy[15]!) >>> 0];
      p.dst = [((copy[16]! << 24) | (copy[17]! << 16) | (copy[18]! << 8) | copy[19]!) >>> 0];
      p.proto = copy[9]!;
      p.l4Offset = (copy[0]! & 0x0f) * 4;
    } else {
      const w = (i: number): number => ((copy[i]! << 24) | (copy[i + 1]! << 16) | (copy[i + 2]! << 8) | copy[i + 3]!) >>> 0;
      p.src = [w(8), w(12), w(16), w(20)];
      p.dst = [w(24), w(28), w(32), w(36)];
      p.proto = copy[6]!;
      p.l4Offset = 40;
    }
    readTransport(p);
    return { pkt: p, len };
  } catch {
    return null;
  }
}
