/**
 * `-m rpfilter` (libxt_rpfilter, ipt_rpfilter.c / ip6t_rpfilter.c): reverse-path filtering by a
 * route lookup of the source address — `--loose` accepts a route through any interface,
 * `--validmark` uses the packet mark in the lookup, `--accept-local` lets local source addresses
 * pass, `--invert` matches packets that fail. The kernel allows it only in the raw and mangle
 * tables, from PREROUTING; no option can be inverted with `!`.
 */
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
};
