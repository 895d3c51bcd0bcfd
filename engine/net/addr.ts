/**
 * IPv4 and IPv6 addresses as iptables parses and prints them. An address is an array of 32-bit
 * words (one for IPv4, four for IPv6, network order, each word unsigned), so that the same code
 * masks and compares both families.
 */

import { xtStrtoul } from './cnum.js';

/** Address family of a ruleset or packet. */
export type Family = 'ipv4' | 'ipv6';

/** An address as 32-bit words, most significant first. */
export type Words = number[];

/** An address with its mask, as a rule's `-s`/`-d` holds it. */
export interface Prefix {
  addr: Words;
  mask: Words;
}

/** Number of 32-bit words in an address of this family. */
export function wordCount(family: Family): number {
  return family === 'ipv4' ? 1 : 4;
}

/** `xtables_strtoui` over the whole text (C base 0: decimal, 0x hex, 0 octal); null if it is not one number. */
export function strtoulBase0(s: string): number | null {
  // Fast path for the common case, plain decimal without a leading zero (rules hold millions).
  const n = s.length;
  if (n > 0 && n <= 15) {
    let c = s.charCodeAt(0);
    if (c >= 49 && c <= 57) {
      let v = c - 48;
      let i = 1;
      for (; i < n; i++) {
        c = s.charCodeAt(i);
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
      }
      if (i === n) return v;
    } else if (n === 1 && c === 48) {
      return 0;
    }
  }
  return xtStrtoul(s, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * libxtables `__numeric_to_ipaddr`: up to four dotted parts, each 0..255 in C base-0 notation;
 * fewer parts are completed with zeros (`10.1` is 10.1.0.0) unless parsing a mask.
 */
export function parseIPv4Numeric(text: string, isMask = false): number | null {
  const parts = text.split('.');
  if (parts.length > 4 || (isMask && parts.length !== 4)) return null;
  let v = 0;
  for (let i = 0; i < 4; i++) {
    let b = 0;
    if (i < parts.length) {
      const n = strtoulBase0(parts[i]!);
      if (n === null || n > 255) return null;
      b = n;
    }
    v = v * 256 + b;
  }
  return v;
}

/** inet_pton(AF_INET): exactly four decimal parts 0..255, no leading zeros beyond one digit. */
export function parseIPv4Strict(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const p = m[i]!;
    if (p.length > 1 && p[0] === '0') return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/** Dotted-quad text of an IPv4 address. */
export function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** inet_pton(AF_INET6); null if the text is not an IPv6 address. */
export function parseIPv6(text: string): Words | null {
  if (text.length < 2 || text.length > 45) return null;
  let s = text;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return null;
  const afterColon = s.slice(lastColon + 1);
  if (afterColon.includes('.')) {
    const v4 = parseIPv4Strict(afterColon);
    if (v4 === null) return null;
    tail.push(v4 >>> 16, v4 & 0xffff);
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const need = 8 - tail.length;
  const split = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    const l = split(s.slice(0, dbl));
    const r = split(s.slice(dbl + 2));
    if (!l || !r || l.length + r.length > need - 1) return null;
    groups = [...l, ...new Array<number>(need - l.length - r.length).fill(0), ...r];
  } else {
    const g = split(s);
    if (!g || g.length !== need) return null;
    groups = g;
  }
  groups.push(...tail);
  const w: Words = [];
  for (let i = 0; i < 4; i++) w.push(((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0);
  return w;
}

/** glibc inet_ntop(AF_INET6): longest run (≥2) of zero groups as `::`, embedded IPv4 where glibc prints it. */
export function formatIPv6(w: Words): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[i]! >>> 16, w[i]! & 0xffff);
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (g[i] === 0) {
      if (curBase === -1) { curBase = i; curLen = 1; } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) { bestBase = curBase; bestLen = curLen; }
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
      out += formatIPv4(w[3]!);
      break;
    }
    out += g[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Text of an address of either family. */
export function formatAddr(family: Family, w: Words): string {
  if (family !== 'ipv4') return formatIPv6(w);
  // A small direct-mapped cache: packet summaries format the same few addresses over and over.
  const v = w[0]!;
  const slot = (v ^ (v >>> 12) ^ (v >>> 24)) & (IPV4_TEXT_SLOTS - 1);
  if (ipv4TextKey[slot] === v && ipv4TextVal[slot] !== undefined) return ipv4TextVal[slot]!;
  const text = formatIPv4(v);
  ipv4TextKey[slot] = v;
  ipv4TextVal[slot] = text;
  return text;
}

const IPV4_TEXT_SLOTS = 4096;

/**
 * The words of an IPv4 address, shared: packets and conntrack tuples to and from the same few
 * addresses (a service, a node, its pods) hold one array instead of one each. Address words are
 * never changed in place, so sharing is safe; a small direct-mapped cache keeps it bounded.
 */
export function ipv4Words(v: number): Words {
  const slot = (v ^ (v >>> 12) ^ (v >>> 24)) & (IPV4_WORDS_SLOTS - 1);
  const w = ipv4WordsCache[slot];
  if (w !== undefined && w[0] === v) return w;
  const fresh = [v];
  ipv4WordsCache[slot] = fresh;
  return fresh;
}

const IPV4_WORDS_SLOTS = 4096;
const ipv4WordsCache: (Words | undefined)[] = new Array<Words | undefined>(IPV4_WORDS_SLOTS).fill(undefined);
const ipv4TextKey = new Float64Array(IPV4_TEXT_SLOTS);
const ipv4TextVal: (string | undefined)[] = new Array<string | undefined>(IPV4_TEXT_SLOTS).fill(undefined);

/** A mask of `len` leading one bits. */
export function maskFromLength(family: Family, len: number): Words {
  const out: Words = [];
  for (let i = 0; i < wordCount(family); i++) {
    const bits = Math.max(0, Math.min(32, len - 32 * i));
    out.push(bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
  }
  return out;
}

/** Prefix length of a contiguous mask, or -1 when the mask is not contiguous. */
export function maskLength(mask: Words): number {
  let len = 0;
  let ended = false;
  for (const word of mask) {
    for (let b = 31; b >= 0; b--) {
      const one = (word >>> b) & 1;
      if (one) {
        if (ended) return -1;
        len++;
      } else ended = true;
    }
  }
  return len;
}

/** `addr & mask`, word by word. */
export function applyMask(addr: Words, mask: Words): Words {
  return addr.map((w, i) => (w & mask[i]!) >>> 0);
}

/** True when every word is zero. */
export function isZero(w: Words): boolean {
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}

/** IPv6 multicast (ff00::/8). */
export function isMulticast6(a: Words): boolean {
  return a[0]! >>> 24 === 0xff;
}

/** The scope of an IPv6 multicast address (`IPV6_ADDR_MC_SCOPE`: the low nibble of its second byte). */
export function mcScope6(a: Words): number {
  return (a[0]! >>> 16) & 0x0f;
}

/** IPv6 link-local unicast (fe80::/10). */
export function isLinkLocal6(a: Words): boolean {
  return (a[0]! & 0xffc00000) >>> 0 === 0xfe800000;
}

/** The IPv6 loopback address ::1. */
export function isLoopback6(a: Words): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 1;
}

/** True when both addresses are equal. */
export function wordsEqual(a: Words, b: Words): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return a.length === b.length;
}

/**
 * glibc `inet_aton_exact` (resolv/inet_addr.c): one to four parts, each a C number (`0x` hex,
 * `0` octal, decimal), the last part filling the remaining bytes (`10.1` is 10.0.0.1,
 * `167772161` is 10.0.0.1); nothing may follow. Null when the text is not such an address.
 */
export function inetAtonExact(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const vals: number[] = [];
  for (const p of parts) {
    let v: number;
    // Each part is read by strtoul(…, 0): `0x` with no hex digit after it reads as 0 followed by
    // an `x`, which is then left over — refused, as `08` (an octal 0 and an `8`).
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number(p);
    else return null;
    if (!Number.isSafeInteger(v) || v > 0xffffffff) return null;
    vals.push(v);
  }
  const last = vals.pop()!;
  if (vals.some((v) => v > 255)) return null;
  const room = 4 - vals.length;
  if (room < 4 && last >= 2 ** (8 * room)) return null;
  let out = 0;
  for (const v of vals) out = out * 256 + v;
  return out * 2 ** (8 * room) + last;
}

/**
 * A host as glibc `getaddrinfo` reads it without any lookup (what libxtables gets for a host that
 * is no name): for IPv4 an `inet_aton` form, or an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`
 * is 1.2.3.4); for IPv6 an `inet_pton` address (an IPv4 text is refused: no `AI_V4MAPPED`). An
 * IPv6 text may carry a scope after `%` (`text_to_binary_address`, `__inet6_scopeid_pton`): a
 * decimal number up to 2^32 - 1, or for a link-local or link/node-local multicast address an
 * interface name — natsim knows only `lo` here, the one interface every network namespace has.
 * Null for anything else (host names, which natsim does not resolve).
 */
export function parseNumericHost(family: Family, text: string): Words | null {
  if (family === 'ipv4') {
    const v = inetAtonExact(text);
    if (v !== null) return [v];
  }
  const pct = text.indexOf('%');
  const w = parseIPv6(pct < 0 ? text : text.slice(0, pct));
  if (w === null) return null;
  const mapped = w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
  if (family === 'ipv4' && !mapped) return null;
  // glibc has already put the IPv4 address in the first word when it reads the scope.
  if (pct >= 0 && !scopeAccepted(family === 'ipv4' ? w[3]! : w[0]!, text.slice(pct + 1))) return null;
  return family === 'ipv4' ? [w[3]!] : w;
}

/** `__inet6_scopeid_pton` for an address whose first 32 bits are `first`. */
function scopeAccepted(first: number, scope: string): boolean {
  const linkLocal = (first & 0xffc00000) === (0xfe800000 | 0);
  const mcLocal = first >>> 24 === 0xff && ((first >>> 16) & 0xf) >= 1 && ((first >>> 16) & 0xf) <= 2;
  if ((linkLocal || mcLocal) && scope === 'lo') return true;
  return /^[0-9]+$/.test(scope) && BigInt(scope) <= 0xffffffffn;
}

/** Parse a numeric address of the family as iptables does (IPv4 completes short forms). */
export function parseAddr(family: Family, text: string): Words | null {
  if (family === 'ipv4') {
    const v = parseIPv4Numeric(text);
    return v === null ? null : [v];
  }
  return parseIPv6(text);
}

/** Parse a mask after `/`: a prefix length (C base-0 number) or a dotted/colon mask. */
export function parseMask(family: Family, text: string): Words | null {
  if (family === 'ipv4') {
    const dotted = parseIPv4Numeric(text, true);
    if (dotted !== null) return [dotted];
  } else {
    const w = parseIPv6(text);
    if (w !== null) return w;
  }
  const n = strtoulBase0(text);
  if (n === null || n > (family === 'ipv4' ? 32 : 128)) return null;
  return maskFromLength(family, n);
}

/** `addr/len` or `addr/mask` as iptables-save prints a masked address. */
export function formatPrefix(family: Family, p: Prefix): string {
  const len = maskLength(p.mask);
  const m = len >= 0 ? String(len) : formatAddr(family, p.mask);
  return `${formatAddr(family, p.addr)}/${m}`;
}
