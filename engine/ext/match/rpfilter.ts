/**
 * `-m rpfilter` (libxt_rpfilter, ipt_rpfilter.c / ip6t_rpfilter.c): reverse-path filtering by a
 * route lookup of the source address — `--loose` accepts a route through any interface,
 * `--validmark` uses the packet mark in the lookup, `--accept-local` lets local source addresses
 * pass, `--invert` matches packets that fail. The kernel allows it only in the raw and mangle
 * tables, from PREROUTING; no option can be inverted with `!`.
 *
 * Packet behaviour (ipt_rpfilter.c / ip6t_rpfilter.c `rpfilter_mt`), everything XOR `--invert`:
 * - A packet that came in on a loopback device passes.
 * - IPv4: a source in 0.0.0.0/8 sent to 255.255.255.255 or 224.0.0.0/24 passes. Otherwise the
 *   source is looked up as a destination (`fib_lookup`, via the host model's `lookupRoute`): no
 *   route fails; a route other than unicast fails, except a local one with `--accept-local`;
 *   then the route must leave through the incoming device, or any device with `--loose`.
 * - IPv6: the source :: passes. Otherwise the source is looked up (`ip6_route_lookup`, local
 *   table then main) with the incoming device as the preferred out device — required for a
 *   link-local source, preferred among the routes of the longest matching prefix otherwise, not
 *   set with `--loose`. Reject (unreachable, prohibit, blackhole, throw) and anycast routes fail,
 *   a local route passes only with `--accept-local` (through any device, unlike IPv4), and a
 *   unicast route must use the incoming device unless `--loose`.
 * natsim's host has no policy-routing rules, so `--validmark` (the mark in the flow key) and the
 * packet's TOS and destination (also in the key) cannot change the lookup. A multicast packet the
 * node loops back to itself (`PACKET_LOOPBACK` on a non-loopback device) is not modelled.
 */
import type { Family, Words } from '../../net/addr.js';
import { applyMask, maskFromLength, wordsEqual } from '../../net/addr.js';
import type { Host, Route } from '../../host/host.js';
import { lookupRoute } from '../../host/host.js';
import type { Packet } from '../../packet.js';
import type { MatchExtension } from '../types.js';

/** The kernel's XT_RPFILTER_* flag bits, in save order. */
export const RPFILTER_FLAG = { LOOSE: 0x1, VALID_MARK: 0x2, ACCEPT_LOCAL: 0x4, INVERT: 0x8 } as const;

/** Parsed options: the kernel's `xt_rpfilter_info` flags. */
export interface RpfilterState { flags: number }

const OPTIONS: ReadonlyArray<[string, number]> = [
  ['loose', RPFILTER_FLAG.LOOSE],
  ['validmark', RPFILTER_FLAG.VALID_MARK],
  ['accept-local', RPFILTER_FLAG.ACCEPT_LOCAL],
  ['invert', RPFILTER_FLAG.INVERT],
];

/** Whether the named device is a loopback device (`IFF_LOOPBACK`). */
function isLoopbackDev(host: Host, dev: string): boolean {
  return host.interfaces.get(dev)?.linkType === 'loopback';
}

/** The device a route leaves through (a gateway route without one uses the gateway's route's). */
function routeDev(host: Host, r: Route): string | null {
  if (r.dev !== null || r.gateway === null) return r.dev;
  return lookupRoute(host, r.family, r.gateway)?.dev ?? null;
}

/** `rpfilter_lookup_reverse` (IPv4): the source's route is unicast (or local with --accept-local) through `dev`, or any with --loose. */
function reverse4(host: Host, src: Words, dev: string, flags: number): boolean {
  const res = lookupRoute(host, 'ipv4', src);
  if (!res) return false;
  if (res.type !== 'unicast' && !(res.type === 'local' && flags & RPFILTER_FLAG.ACCEPT_LOCAL)) return false;
  return res.dev === dev || (flags & RPFILTER_FLAG.LOOSE) !== 0;
}

/** `ipv6_addr_type(a) & IPV6_ADDR_UNICAST`: all but ::, multicast ff00::/8 and v4-mapped ::ffff:0:0/96. */
function isUnicast6(a: Words): boolean {
  if (a[0]! >>> 24 === 0xff) return false;
  if (a[0] === 0 && a[1] === 0) {
    if (a[2] === 0 && a[3] === 0) return false;
    if (a[2] === 0xffff) return false;
  }
  return true;
}

/** fe80::/10. */
const isLinkLocal6 = (a: Words): boolean => a[0]! >>> 22 === 0xfe80 >>> 6;

/** `ipv6_chk_addr(saddr, dev, 0)`: the address is on `dev`, or on any device when not link/host scope. */
function hasAddr6(host: Host, addr: Words, dev: string | null): boolean {
  for (const ifc of host.interfaces.values()) {
    for (const a of ifc.addrs) {
      if (a.family !== 'ipv6' || !wordsEqual(a.addr, addr)) continue;
      if (ifc.name === dev || (a.scope !== 'link' && a.scope !== 'host')) return true;
    }
  }
  return false;
}

/**
 * `ip6_route_lookup` as rpfilter calls it: per table (local, then main), the routes of the longest
 * matching prefix in metric order; `rt6_device_match` picks the one through `oif` (or, without
 * one, the one whose device holds `saddr`), else the first — or, with `iface` (a link-local
 * source), none, which backtracks to the next shorter prefix. Null when nothing is found.
 */
function lookup6(host: Host, dst: Words, saddr: Words | null, oif: string | null, iface: boolean): Route | null {
  for (const table of ['local', 'main'] as const) {
    const hits = host.routes.filter((r) => r.family === 'ipv6' && r.table === table && wordsEqual(applyMask(dst, maskFromLength('ipv6', r.prefixLen)), applyMask(r.dst, maskFromLength('ipv6', r.prefixLen))));
    const lens = [...new Set(hits.map((r) => r.prefixLen))].sort((a, b) => b - a);
    for (const len of lens) {
      const node = hits.filter((r) => r.prefixLen === len).sort((a, b) => a.metric - b.metric);
      if (oif === null && saddr === null) return node[0]!;
      const pick = node.find((r) => (oif !== null ? routeDev(host, r) === oif : hasAddr6(host, saddr!, routeDev(host, r))));
      if (pick) return pick;
      if (oif !== null && iface) continue;
      return node[0]!;
    }
  }
  return null;
}

/** `rpfilter_lookup_reverse6`. */
function reverse6(host: Host, pkt: Packet, dev: string, flags: number): boolean {
  const saddr = isUnicast6(pkt.dst) ? pkt.dst : null;
  const linkLocal = isLinkLocal6(pkt.src);
  const oif = linkLocal || !(flags & RPFILTER_FLAG.LOOSE) ? dev : null;
  const rt = lookup6(host, pkt.src, saddr, oif, linkLocal);
  if (!rt) return false;
  if (rt.type === 'unreachable' || rt.type === 'prohibit' || rt.type === 'blackhole' || rt.type === 'throw' || rt.type === 'anycast') return false;
  if (rt.type === 'local') return (flags & RPFILTER_FLAG.ACCEPT_LOCAL) !== 0;
  return routeDev(host, rt) === dev || (flags & RPFILTER_FLAG.LOOSE) !== 0;
}

/** `rpfilter_mt` before the inversion, for either family. */
export function rpfilterPasses(host: Host, family: Family, pkt: Packet, flags: number): boolean {
  const dev = pkt.inIface ?? '';
  if (isLoopbackDev(host, dev)) return true;
  if (family === 'ipv4') {
    const src = pkt.src[0]!, dst = pkt.dst[0]!;
    if (src >>> 24 === 0 && (dst === 0xffffffff || dst >>> 8 === 0xe00000)) return true;
    return reverse4(host, pkt.src, dev, flags);
  }
  if (pkt.src.every((w) => w === 0)) return true;
  return reverse6(host, pkt, dev, flags);
}

/** The rpfilter match. */
export const rpfilter: MatchExtension<RpfilterState> = {
  kind: 'match',
  name: 'rpfilter',
  options: OPTIONS.map(([name]) => ({ name, args: 0 as const })),
  tables: ['raw', 'mangle'],
  hooks: ['PREROUTING'],
  create: () => ({ flags: 0 }),
  parse(s, opt) {
    s.flags |= OPTIONS.find(([name]) => name === opt)![1];
  },
  save(s) {
    return OPTIONS.filter(([, f]) => s.flags & f).map(([name]) => ` --${name}`).join('');
  },
  /** Reverse-path lookup of the source through the host model, XOR `--invert` (`rpfilter_mt`). */
  match: (s, pkt, _rt, ctx) => rpfilterPasses(ctx.host, ctx.family, pkt, s.flags) !== ((s.flags & RPFILTER_FLAG.INVERT) !== 0),
};
