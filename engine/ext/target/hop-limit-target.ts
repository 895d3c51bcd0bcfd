/**
 * The TTL (IPv4) and HL (IPv6) targets share one shape (xt_HL.c, libxt_HL): exactly one of
 * `--P-set N` (0..255), `--P-dec N` and `--P-inc N` (1..255), mangle table only, saved as given.
 *
 * Packet behaviour (`ttl_tg`, `hl_tg6`): the new value is N, or the old one plus/minus N clamped
 * to 0..255; when it differs, the byte is written (IPv4 with `csum_replace2` on the header
 * checksum) and `pkt.ttl` follows. Then the next rule. A TTL of 0 set here is not dropped by the
 * target (the forwarding path decides).
 */
import type { Family } from '../../net/addr.js';
import { CONTINUE, type TargetExtension } from '../types.js';
import { needXtUint } from '../xttypes.js';
import { setHopLimit } from './ip-header-rewrite.js';

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
    /** Set, increment or decrement the TTL / hop limit; continue. */
    target(s, pkt) {
      const old = pkt.family === 'ipv4' ? pkt.data[8]! : pkt.data[7]!;
      const now = s.mode === 'set' ? s.value : s.mode === 'inc' ? Math.min(255, old + s.value) : Math.max(0, old - s.value);
      if (now !== old) setHopLimit(pkt, now);
      return CONTINUE;
    },
  };
}
