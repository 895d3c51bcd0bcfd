/**
 * Conntrack tuples, as the kernel's `struct nf_conntrack_tuple` holds them: family, source and
 * destination address, L4 protocol and a 16-bit "source" and "destination" L4 value. For TCP,
 * UDP, UDP-Lite, SCTP and DCCP these are the ports; for ICMP and ICMPv6 the source value is the
 * echo id (`src.u.icmp.id`, read for every type) and the destination value packs type and code
 * (`dst.u.icmp.type`, `dst.u.icmp.code`); for every other protocol both are 0 (the tuple is
 * zeroed before it is filled, `nf_ct_get_tuple`). Also: inversion (`nf_ct_invert_tuple` with the
 * ICMP/ICMPv6 `invmap`s), equality, a string key for maps and a 32-bit hash.
 */
import { formatAddr, wordsEqual, type Family, type Words } from '../net/addr.js';

/** IP protocol numbers conntrack knows by name. */
export const IPPROTO = {
  ICMP: 1, TCP: 6, UDP: 17, DCCP: 33, GRE: 47, ICMPV6: 58, SCTP: 132, UDPLITE: 136,
} as const;

/** Conntrack direction: 0 ORIGINAL, 1 REPLY (`enum ip_conntrack_dir`). */
export type Dir = 0 | 1;
/** `IP_CT_DIR_ORIGINAL`. */
export const DIR_ORIGINAL: Dir = 0;
/** `IP_CT_DIR_REPLY`. */
export const DIR_REPLY: Dir = 1;

/** A conntrack tuple; immutable once built. */
export interface Tuple {
  readonly family: Family;
  readonly src: Words;
  readonly dst: Words;
  /** L4 protocol number. */
  readonly proto: number;
  /** Source port, or the ICMP/ICMPv6 id; 0 for protocols without ports. */
  readonly sport: number;
  /** Destination port, or ICMP `type << 8 | code`; 0 for protocols without ports. */
  readonly dport: number;
}

/** Whether the protocol's tuple carries ports (the kernel's port-based trackers). */
export function hasPorts(proto: number): boolean {
  return proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.UDPLITE
    || proto === IPPROTO.SCTP || proto === IPPROTO.DCCP;
}

/** Whether the protocol is ICMP of the family (ICMP for IPv4, ICMPv6 for IPv6). */
export function isIcmpOf(family: Family, proto: number): boolean {
  return family === 'ipv4' ? proto === IPPROTO.ICMP : proto === IPPROTO.ICMPV6;
}

/** A tuple with ports (or zeros for port-less protocols). */
export function makeTuple(family: Family, src: Words, dst: Words, proto: number, sport = 0, dport = 0): Tuple {
  return { family, src, dst, proto, sport: sport & 0xffff, dport: dport & 0xffff };
}

/** An ICMP/ICMPv6 tuple from type, code and id. */
export function icmpTuple(family: Family, src: Words, dst: Words, type: number, code: number, id: number): Tuple {
  const proto = family === 'ipv4' ? IPPROTO.ICMP : IPPROTO.ICMPV6;
  return { family, src, dst, proto, sport: id & 0xffff, dport: ((type & 0xff) << 8) | (code & 0xff) };
}

/** ICMP type of an ICMP tuple. */
export function icmpType(t: Tuple): number {
  return t.dport >>> 8;
}

/** ICMP code of an ICMP tuple. */
export function icmpCode(t: Tuple): number {
  return t.dport & 0xff;
}

/** ICMP id of an ICMP tuple. */
export function icmpId(t: Tuple): number {
  return t.sport;
}

/** ICMP request/reply pairs that can be inverted (`nf_conntrack_proto_icmp.c` invmap). */
const ICMP_INVMAP: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8],     // echo ↔ echo reply
  [13, 14], [14, 13], // timestamp ↔ timestamp reply
  [15, 16], [16, 15], // information request ↔ reply
  [17, 18], [18, 17], // address mask request ↔ reply
]);

/** ICMPv6 request/reply pairs (`nf_conntrack_proto_icmpv6.c` invmap). */
const ICMPV6_INVMAP: ReadonlyMap<number, number> = new Map([
  [128, 129], [129, 128], // echo request ↔ reply
  [139, 140], [140, 139], // node information query ↔ reply
]);

/** The reply type of an ICMP/ICMPv6 type, or null when the type has no inverse. */
export function invertIcmpType(family: Family, type: number): number | null {
  return (family === 'ipv4' ? ICMP_INVMAP : ICMPV6_INVMAP).get(type) ?? null;
}

/**
 * The tuple a reply would carry (`nf_ct_invert_tuple`): addresses and ports swapped; for ICMP the
 * id kept and the type mapped through the invmap. Null when the kernel cannot invert it (an ICMP
 * type without a reply type), which makes the packet INVALID.
 */
export function invertTuple(t: Tuple): Tuple | null {
  if (isIcmpOf(t.family, t.proto)) {
    const inv = invertIcmpType(t.family, icmpType(t));
    if (inv === null) return null;
    return { family: t.family, src: t.dst, dst: t.src, proto: t.proto, sport: t.sport, dport: (inv << 8) | icmpCode(t) };
  }
  return { family: t.family, src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

/** Whether two tuples are equal (`nf_ct_tuple_equal`). */
export function tupleEqual(a: Tuple, b: Tuple): boolean {
  return a.proto === b.proto && a.sport === b.sport && a.dport === b.dport && a.family === b.family
    && wordsEqual(a.src, b.src) && wordsEqual(a.dst, b.dst);
}

/** A string that is equal for equal tuples: the map key of the conntrack table. */
export function tupleKey(t: Tuple): string {
  return `${t.family === 'ipv4' ? 4 : 6}/${t.proto}/${t.src.join('.')}/${t.dst.join('.')}/${t.sport}/${t.dport}`;
}

/** One xxHash32 round: mix a 32-bit word into the state. */
function round(h: number, w: number): number {
  h = (h + Math.imul(w, 0xc2b2ae3d)) | 0;
  return Math.imul((h << 17) | (h >>> 15), 0x27d4eb2f);
}

/** xxHash32's final avalanche. */
function avalanche(h: number): number {
  h ^= h >>> 15; h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae3d);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit hash of the tuple, word at a time in the manner of xxHash32, under `seed`. The kernel
 * seeds its conntrack hash randomly at boot (`nf_conntrack_hash_rnd`), which decides the hash
 * bucket of every tuple — and so which entries a full table early-drops for a new one; a table
 * seeds natsim's from the engine's seed (`ConntrackConfig.hashSeed`). Equal tuples hash equal
 * under one seed, and every bit depends on every part (the table's node index takes the high
 * bits, as the kernel's `reciprocal_scale` does for the bucket).
 */
export function tupleHash(t: Tuple, seed = 0): number {
  return hashParts(t.family, t.proto, t.src, t.dst, t.sport, t.dport, seed);
}

/** `tupleHash` of the tuple these fields would make, without making it. */
export function hashParts(family: Family, proto: number, s: Words, d: Words, sport: number, dport: number, seed = 0): number {
  if (family === 'ipv4') return hashWords4(proto, s[0]!, d[0]!, (sport << 16) | dport, seed);
  let h = ((0x165667b1 ^ seed) + 24 + (proto | 0x100)) | 0;
  for (let i = 0; i < s.length; i++) h = round(h, s[i]!);
  for (let i = 0; i < d.length; i++) h = round(h, d[i]!);
  // Every part mixed in: the table's node index probes linearly, and tuples differing only in a
  // port (NAT's candidates, one port after another) must not land side by side.
  return avalanche(round(round(h, sport), dport));
}

/** `hashParts` of an IPv4 tuple from its words: protocol, source, destination, ports (source << 16 | destination). */
export function hashWords4(proto: number, src: number, dst: number, ports: number, seed = 0): number {
  let h = ((0x165667b1 ^ seed) + 24 + proto) | 0;
  h = round(round(h, src), dst);
  return avalanche(round(round(h, ports >>> 16), ports & 0xffff));
}

/**
 * A 32-bit hash of a tuple's source side (protocol, source address, source port): the key of
 * NAT's by-source list (`hash_by_src`). A small integer to V8.
 */
export function sourceHash(t: Tuple): number {
  let h = (0x165667b1 + 12 + (t.proto | (t.family === 'ipv4' ? 0 : 0x100))) | 0;
  for (let i = 0; i < t.src.length; i++) h = round(h, t.src[i]!);
  return avalanche(round(h, t.sport)) | 0;
}

/**
 * The tuple of a packet whose transport header starts at `b[off]` (`nf_ct_get_tuple`): ports from
 * the first 4 bytes for port protocols, type/code/id from the first 8 bytes for ICMP, nothing for
 * other protocols. Null when the bytes needed are not there. Reads only 4 or 8 bytes, so it also
 * works on the truncated packet quoted in an ICMP error.
 */
export function readTuple(family: Family, src: Words, dst: Words, proto: number, b: Uint8Array, off: number, end = b.length): Tuple | null {
  if (hasPorts(proto)) {
    if (end - off < 4) return null;
    return makeTuple(family, src, dst, proto, (b[off]! << 8) | b[off + 1]!, (b[off + 2]! << 8) | b[off + 3]!);
  }
  if (isIcmpOf(family, proto)) {
    if (end - off < 8) return null;
    return icmpTuple(family, src, dst, b[off]!, b[off + 1]!, (b[off + 4]! << 8) | b[off + 5]!);
  }
  return makeTuple(family, src, dst, proto);
}

/** Tuple text for messages and tests: `tcp 10.0.0.1:1234 -> 10.0.0.2:80`, `icmp 10.0.0.1 -> 10.0.0.2 type=8 code=0 id=1`. */
export function describeTuple(t: Tuple): string {
  const s = formatAddr(t.family, t.src);
  const d = formatAddr(t.family, t.dst);
  if (isIcmpOf(t.family, t.proto)) return `${t.proto === 1 ? 'icmp' : 'icmpv6'} ${s} -> ${d} type=${icmpType(t)} code=${icmpCode(t)} id=${t.sport}`;
  if (hasPorts(t.proto)) return `proto ${t.proto} ${s}:${t.sport} -> ${d}:${t.dport}`;
  return `proto ${t.proto} ${s} -> ${d}`;
}
