/**
 * The shared shape of `-m ttl` (IPv4 TTL) and `-m hl` (IPv6 hop limit): one of `--X-eq` (which
 * `!` turns into "not equal"), `--X-lt`, `--X-gt`, with `--X` a hidden alias of `--X-eq`
 * (libipt_ttl, libip6t_hl; xt_hl.c).
 *
 * Packet behaviour (xt_hl.c `ttl_mt` / `hl_mt6`): the IPv4 TTL (header byte 8) or IPv6 hop limit
 * (header byte 7) compared with the value: equal, not equal, less than, greater than.
 */
import type { Family } from '../net/addr.js';
import type { MatchExtension } from './types.js';
import { xtStrtoul } from '../net/cnum.js';

/** Parsed options: the kernel's `ipt_ttl_info` / `ip6t_hl_info` (mode EQ, NE, LT, GT). */
export interface HopLimitState { mode: 'eq' | 'ne' | 'lt' | 'gt' | null; value: number; seen: Set<string> }

/** A ttl/hl-style match named `name` (`ttl` or `hl`) for one family; `label` heads its messages. */
export function hopLimitMatch(name: string, family: Family, label: string): MatchExtension<HopLimitState> {
  const kinds = ['eq', 'lt', 'gt'] as const;
  return {
    kind: 'match',
    name,
    families: [family],
    options: [
      { name: `${name}-eq`, args: 1, invert: true },
      { name: `${name}-lt`, args: 1 },
      { name: `${name}-gt`, args: 1 },
      { name, args: 1, invert: true },
    ],
    create: () => ({ mode: null, value: 0, seen: new Set() }),
    parse(s, opt, [arg], invert, ctx) {
      const kind = opt === name ? 'eq' : (opt.slice(name.length + 1) as 'eq' | 'lt' | 'gt');
      if (s.seen.has(kind)) ctx.fail(`option "--${name}-${kind}" can only be used once.`);
      s.seen.add(kind);
      s.value = xtStrtoul(arg!, 0, 255) ?? ctx.fail(`bad value for option "--${opt}", or out of range (0-255).`);
      s.mode = kind === 'eq' && invert ? 'ne' : kind;
    },
    finalCheck(s, ctx) {
      const used = kinds.filter((k) => s.seen.has(k));
      if (used.length === 0) ctx.fail(`${label} match: You must specify one of \`--${name}-eq', \`--${name}-lt', \`--${name}-gt'`);
      if (used.length > 1) ctx.fail(`option "--${name}-${used[1]}" cannot be used together with "--${name}-${used[0]}".`);
    },
    /** `ttl_mt` / `hl_mt6`: compare the header's TTL / hop limit by the mode. */
    match(s, pkt) {
      const v = pkt.data[family === 'ipv4' ? 8 : 7]!;
      switch (s.mode) {
        case 'eq': return v === s.value;
        case 'ne': return v !== s.value;
        case 'lt': return v < s.value;
        case 'gt': return v > s.value;
        default: return false;
      }
    },
    save(s) {
      switch (s.mode) {
        case 'ne': return ` ! --${name}-eq ${s.value}`;
        default: return ` --${name}-${s.mode} ${s.value}`;
      }
    },
  };
}
