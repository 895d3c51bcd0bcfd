/**
 * `-m addrtype [!] --src-type T,… [!] --dst-type T,… [--limit-iface-in|--limit-iface-out]`: the
 * routing type of the source/destination address (libxt_addrtype revision 1,
 * xt_addrtype.c `addrtype_mt_v1`, `addrtype_mt_checkentry_v1`). Types are `1 << RTN_*`, saved in
 * bit order; the interface limits are restricted by hook, and IPv6 refuses some types.
 *
 * Packet behaviour (`addrtype_mt_v1`): the source test, then (if it passed) the destination
 * test, each XOR its `!`. IPv4: the address's type (`inet_dev_addr_type`, the host's `addrType`,
 * restricted to the in or out device under `--limit-iface-in/out`) must be in the list. IPv6
 * (`match_type6`): every listed kind is a condition: MULTICAST needs a multicast address, UNICAST
 * a unicast one (`ipv6_addr_type`), UNSPEC `::`; and when LOCAL, ANYCAST or UNREACHABLE is
 * listed, a route lookup must give one of them (no route or a reject route: UNREACHABLE; a local
 * route: LOCAL; an anycast route or the network address of a directly connected prefix:
 * ANYCAST). The IPv6 lookup restricted to a device is not modelled (NOT_IMPLEMENTED).
 */
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import { addrType, lookupRoute, type Host } from '../../host/host.js';
import type { Family, Words } from '../../net/addr.js';
import type { MatchExtension, ParseContext } from '../types.js';
import { isNamePrefix } from './ctstate.js';

/** Route types in RTN_* order: the bit of a type is `1 << index`. */
export const RTN_NAMES: readonly string[] = [
  'UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE',
  'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE',
];

/** Parsed options: the kernel's `xt_addrtype_info_v1`. */
export interface AddrtypeState {
  source: number;
  dest: number;
  invertSource: boolean;
  invertDest: boolean;
  limitIn: boolean;
  limitOut: boolean;
  given: { src: boolean; dst: boolean };
}

function parseTypes(ctx: ParseContext, text: string): number {
  let mask = 0;
  let rest = text;
  for (;;) {
    const comma = rest.indexOf(',');
    const item = comma < 0 ? rest : rest.slice(0, comma);
    const i = RTN_NAMES.findIndex((n) => isNamePrefix(item, n));
    if (i < 0) ctx.fail(`addrtype: bad type "${rest}" (expected a comma list of ${RTN_NAMES.join(', ')})`);
    mask |= 1 << i;
    if (comma < 0) return mask;
    rest = rest.slice(comma + 1);
  }
}

function formatTypes(mask: number): string {
  return RTN_NAMES.filter((_, i) => mask & (1 << i)).join(',');
}

/** XT_ADDRTYPE_* bits used by the IPv6 test. */
const T = { UNSPEC: 1 << 0, UNICAST: 1 << 1, LOCAL: 1 << 2, ANYCAST: 1 << 4, MULTICAST: 1 << 5, UNREACHABLE: 1 << 7 } as const;

/** `ipv6_addr_type` reduced to what `match_type6` asks: multicast, unicast, or `::`. */
function ipv6Kind(a: Words): 'multicast' | 'unicast' | 'any' | 'other' {
  const w0 = a[0]!;
  const top3 = w0 >>> 29;
  if (top3 !== 0 && top3 !== 7) return 'unicast';
  if (w0 >>> 24 === 0xff) return 'multicast';
  if (w0 >>> 22 === 0x3fa || w0 >>> 22 === 0x3fb) return 'unicast'; // fe80::/10, fec0::/10
  if (w0 >>> 25 === 0x7e) return 'unicast'; // fc00::/7
  if (w0 === 0 && a[1] === 0) {
    if (a[2] === 0) return a[3] === 0 ? 'any' : 'unicast'; // ::1 and IPv4-compatible are unicast
    if (a[2] === 0xffff) return 'other'; // IPv4-mapped: IPV6_ADDR_MAPPED only
  }
  return 'unicast';
}

/** `match_lookup_rt6` without a device: UNREACHABLE, or LOCAL and/or ANYCAST bits. */
function lookup6(host: Host, a: Words): number {
  const r = lookupRoute(host, 'ipv6', a);
  if (!r || r.type === 'unreachable' || r.type === 'prohibit' || r.type === 'blackhole' || r.type === 'throw') return T.UNREACHABLE;
  let ret = 0;
  if (r.type === 'local') ret |= T.LOCAL;
  const rt = r.route;
  const anycast = r.type === 'anycast'
    || (rt.prefixLen < 127 && rt.gateway === null && rt.dst.every((w, i) => w === a[i]));
  if (anycast) ret |= T.ANYCAST;
  return ret;
}

/** `match_type6`. */
function matchType6(host: Host, dev: string | null, limited: boolean, a: Words, mask: number): boolean {
  const kind = ipv6Kind(a);
  if (mask & T.MULTICAST && kind !== 'multicast') return false;
  if (mask & T.UNICAST && kind !== 'unicast') return false;
  if (mask & T.UNSPEC && kind !== 'any') return false;
  if (mask & (T.LOCAL | T.ANYCAST | T.UNREACHABLE)) {
    if (limited && dev !== null) {
      throw new NatsimError('NOT_IMPLEMENTED', '-m addrtype --limit-iface-in/out on IPv6 with LOCAL, ANYCAST or UNREACHABLE: the kernel\'s device-strict IPv6 route lookup is not modelled', {}, EXIT_OTHER);
    }
    return (mask & lookup6(host, a)) !== 0;
  }
  return true;
}

/** One side's test: whether the address's type is in the mask (before `!`). */
function typeMatches(host: Host, family: Family, dev: string | null, limited: boolean, a: Words, mask: number): boolean {
  if (family === 'ipv6') return matchType6(host, dev, limited, a, mask);
  const t = addrType(host, 'ipv4', a, dev ?? undefined);
  return (mask & (1 << RTN_NAMES.indexOf(t))) !== 0;
}

/** The addrtype match. */
export const addrtype: MatchExtension<AddrtypeState> = {
  kind: 'match',
  name: 'addrtype',
  options: [
    { name: 'src-type', args: 1, invert: true },
    { name: 'dst-type', args: 1, invert: true },
    { name: 'limit-iface-in', args: 0 },
    { name: 'limit-iface-out', args: 0 },
  ],
  create: () => ({ source: 0, dest: 0, invertSource: false, invertDest: false, limitIn: false, limitOut: false, given: { src: false, dst: false } }),
  parse(s, opt, [arg], invert, ctx) {
    switch (opt) {
      case 'src-type': s.source = parseTypes(ctx, arg!); s.invertSource = invert; s.given.src = true; return;
      case 'dst-type': s.dest = parseTypes(ctx, arg!); s.invertDest = invert; s.given.dst = true; return;
      case 'limit-iface-in': s.limitIn = true; return;
      case 'limit-iface-out': s.limitOut = true; return;
    }
  },
  finalCheck(s, ctx) {
    if (!s.given.src && !s.given.dst) ctx.fail('addrtype: you must specify --src-type or --dst-type');
    if (s.limitIn && s.limitOut) ctx.fail('addrtype: option "--limit-iface-in" cannot be used together with "--limit-iface-out".');
  },
  check(s, ctx) {
    if (s.limitOut && (ctx.hooks.has('PREROUTING') || ctx.hooks.has('INPUT'))) {
      return 'addrtype: output interface limitation (--limit-iface-out) is not valid in PREROUTING and INPUT';
    }
    if (s.limitIn && (ctx.hooks.has('POSTROUTING') || ctx.hooks.has('OUTPUT'))) {
      return 'addrtype: input interface limitation (--limit-iface-in) is not valid in POSTROUTING and OUTPUT';
    }
    if (ctx.family === 'ipv6') {
      const both = s.source | s.dest;
      if (both & (1 << 6)) return 'addrtype: ipv6 BLACKHOLE matching not supported';
      if (both >= 1 << 8) return 'addrtype: ipv6 PROHIBIT (THROW, NAT ..) matching not supported';
      if (both & (1 << 3)) return 'addrtype: ipv6 does not support BROADCAST matching';
    }
    return null;
  },
  save(s) {
    let out = '';
    if (s.source) out += `${s.invertSource ? ' !' : ''} --src-type ${formatTypes(s.source)}`;
    if (s.dest) out += `${s.invertDest ? ' !' : ''} --dst-type ${formatTypes(s.dest)}`;
    if (s.limitIn) out += ' --limit-iface-in';
    if (s.limitOut) out += ' --limit-iface-out';
    return out;
  },
  /** Source type, then destination type, each XOR its `!` (`addrtype_mt_v1`). */
  match(s, pkt, _rt, ctx) {
    const limited = s.limitIn || s.limitOut;
    const dev = s.limitIn ? pkt.inIface : s.limitOut ? pkt.outIface : null;
    if (s.source && typeMatches(ctx.host, ctx.family, dev, limited, pkt.src, s.source) === s.invertSource) return false;
    if (s.dest && typeMatches(ctx.host, ctx.family, dev, limited, pkt.dst, s.dest) === s.invertDest) return false;
    return true;
  },
};
