/**
 * The TTL (IPv4) and HL (IPv6) targets share one shape (xt_HL.c, libxt_HL): exactly one of
 * `--P-set N` (0..255), `--P-dec N` and `--P-inc N` (1..255), mangle table only, saved as given.
 */
import type { Family } from '../../net/addr.js';
import type { TargetExtension } from '../types.js';
import { needXtUint } from '../xttypes.js';

/** Parsed options: the kernel's `ipt_TTL_info` / `ip6t_HL_info`. */
export interface HopLimitTargetState { mode: 'set' | 'dec' | 'inc' | null; value: number }

/** A TTL/HL-style target named `name` whose options start with `prefix` (`ttl`, `hl`). */
export function hopLimitTarget(name: string, prefix: string, family: Family): TargetExtension<HopLimitTargetState> {
  return {
    kind: 'target',
    name,
    families: [family],
    options: (['set', 'dec', 'inc'] as const).map((m) => ({ name: `${prefix}-${m}`, args: 1 as const })),
    tables: ['mangle'],
    create: () => ({ mode: null, value: 0 }),
    parse(s, opt, [arg], _invert, ctx) {
      if (s.mode !== null) ctx.fail(`option "--${opt}" cannot be used together with "--${prefix}-${s.mode}"`);
      const mode = opt.slice(prefix.length + 1) as 'set' | 'dec' | 'inc';
      s.value = needXtUint(ctx, opt, arg!, mode === 'set' ? 0 : 1, 255);
      s.mode = mode;
    },
    finalCheck(s, ctx) {
      if (s.mode === null) ctx.fail(`you must specify an action: one of --${prefix}-set, --${prefix}-dec, --${prefix}-inc`);
    },
    save: (s) => ` --${prefix}-${s.mode} ${s.value}`,
  };
}
