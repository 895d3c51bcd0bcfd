/**
 * `-m addrtype [!] --src-type T,… [!] --dst-type T,… [--limit-iface-in|--limit-iface-out]`: the
 * routing type of the source/destination address (libxt_addrtype revision 1,
 * xt_addrtype.c `addrtype_mt_v1`, `addrtype_mt_checkentry_v1`). Types are `1 << RTN_*`, saved in
 * bit order; the interface limits are restricted by hook, and IPv6 refuses some types.
 */
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
};
