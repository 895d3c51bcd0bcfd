/**
 * `-m iprange [!] --src-range a[-b] [!] --dst-range a[-b]`: `min <= addr <= max` on the source
 * and/or destination (libxt_iprange revision 1, xt_iprange.c). A single address is saved as
 * `a-a`; a reversed range is accepted (it never matches).
 *
 * Packet behaviour (`iprange_mt4`/`iprange_mt6`): the source (then the destination) compared as
 * host-order numbers, `min <= addr <= max`, XOR its `!`; a failing side ends the match.
 */
import type { Family, Words } from '../../net/addr.js';
import { formatAddr, parseIPv4Numeric, parseIPv6 } from '../../net/addr.js';
import type { MatchExtension, ParseContext } from '../types.js';

/** One range of addresses. */
export interface AddrRange { min: Words; max: Words; invert: boolean }

/** Parsed options: the kernel's `xt_iprange_mtinfo`. */
export interface IprangeState { src: AddrRange | null; dst: AddrRange | null }

function parseEnd(ctx: ParseContext, option: string, family: Family, text: string): Words {
  let w: Words | null;
  if (family === 'ipv4') {
    const v = parseIPv4Numeric(text);
    w = v === null ? null : [v];
  } else {
    w = parseIPv6(text);
  }
  if (w === null) ctx.fail(`Bad value for "--${option}" option: "${text}" (expected a numeric ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address)`);
  return w;
}

function parseRange(ctx: ParseContext, option: string, text: string, invert: boolean): AddrRange {
  const dash = text.indexOf('-');
  const lo = dash < 0 ? text : text.slice(0, dash);
  const hi = dash < 0 ? text : text.slice(dash + 1);
  return { min: parseEnd(ctx, option, ctx.family, lo), max: parseEnd(ctx, option, ctx.family, hi), invert };
}

/** Host-order comparison of two addresses of one family: <0, 0 or >0. */
function compare(a: Words, b: Words): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Whether the range test of one side passes (after its `!`). */
function inRange(r: AddrRange, a: Words): boolean {
  return (compare(a, r.min) >= 0 && compare(a, r.max) <= 0) !== r.invert;
}

/** The iprange match. */
export const iprange: MatchExtension<IprangeState> = {
  kind: 'match',
  name: 'iprange',
  options: [
    { name: 'src-range', args: 1, invert: true },
    { name: 'dst-range', args: 1, invert: true },
  ],
  create: () => ({ src: null, dst: null }),
  parse(s, opt, [arg], invert, ctx) {
    const r = parseRange(ctx, opt, arg!, invert);
    if (opt === 'src-range') s.src = r;
    else s.dst = r;
  },
  finalCheck(s, ctx) {
    if (!s.src && !s.dst) ctx.fail("iprange match: You must specify `--src-range' or `--dst-range'");
  },
  save(s, family) {
    const one = (name: string, r: AddrRange | null): string =>
      r ? `${r.invert ? ' !' : ''} --${name} ${formatAddr(family, r.min)}-${formatAddr(family, r.max)}` : '';
    return one('src-range', s.src) + one('dst-range', s.dst);
  },
  /** Source range, then destination range, each XOR its `!`. */
  match: (s, pkt) => (!s.src || inRange(s.src, pkt.src)) && (!s.dst || inRange(s.dst, pkt.dst)),
};
