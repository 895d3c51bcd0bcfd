/**
 * `-m limit [--limit N/unit] [--limit-burst B]`: a token bucket per rule (libxt_limit, xt_limit.c).
 * The rate is stored as a period of 10000·unit/N (default 3/hour) and saved in the largest clean
 * unit; the burst (default 5) is saved only when it is not 5. The legacy kernel refuses a burst
 * of 0 and slow rates whose credit computation overflows (`limit_mt_check`, -ERANGE).
 *
 * Packet behaviour (`limit_mt`): one token bucket per rule, in credits (CREDITS_PER_JIFFY = 128
 * per jiffy at HZ=250), starting full (`user2credits(avg·burst)`, which is also the cap); each
 * packet adds the credits of the jiffies since the previous one (u32 arithmetic, as the kernel's)
 * and matches when at least `user2credits(avg)` are left, which it then takes. The kernel starts
 * the clock (`prev`) at rule load; natsim starts it at the rule's first packet, which differs
 * only when the u32 credit sum would wrap (more than ~37 h between load and first packet).
 */
import type { MatchExtension } from '../types.js';
import { needUint } from '../values.js';
import { formatRate, jiffiesAt, parseRate } from '../rate.js';

/** CREDITS_PER_JIFFY for HZ=250: the power of two below 0xffffffff / (HZ·86400). */
const CREDITS_PER_JIFFY = 128;

/** Per-rule bucket (`struct xt_limit_priv`); `prev` is null until the first packet. */
export interface LimitRuntime { credit: number; prev: number | null }

/** XT_LIMIT_SCALE: the period unit is 1/10000 s. */
export const XT_LIMIT_SCALE = 10000;

/**
 * HZ · CREDITS_PER_JIFFY of the kernel the oracle runs (CONFIG_HZ=250: 250 · 128; HZ=1000 gives
 * the same 32000). The credit arithmetic of xt_limit depends on it.
 */
const HZ_TIMES_CPJ = 32000;

/** Parsed options: the kernel's `xt_rateinfo` (avg is the period, u32). */
export interface LimitState { avg: number; burst: number }

/** xt_limit `user2credits` in u32 arithmetic. */
export function user2credits(user: number): number {
  if (user > Math.floor(0xffffffff / HZ_TIMES_CPJ)) {
    return Number(BigInt.asUintN(32, BigInt(Math.floor(user / XT_LIMIT_SCALE)) * BigInt(HZ_TIMES_CPJ)));
  }
  return Math.floor((user * HZ_TIMES_CPJ) / XT_LIMIT_SCALE);
}

/** The limit match. */
export const limit: MatchExtension<LimitState, LimitRuntime> = {
  kind: 'match',
  name: 'limit',
  options: [
    { name: 'limit', args: 1 },
    { name: 'limit-burst', args: 1 },
  ],
  create: () => ({ avg: Number((BigInt(XT_LIMIT_SCALE) * 3600n) / 3n), burst: 5 }),
  parse(s, opt, [arg], _invert, ctx) {
    if (opt === 'limit-burst') {
      s.burst = needUint(ctx, 'limit-burst', arg!, 0, 10000);
      return;
    }
    const r = parseRate(arg!, BigInt(XT_LIMIT_SCALE), 32);
    if (r === 'too-fast') return ctx.fail(`Rate too fast "${arg}" (at most 10000/second)`);
    if (r === 'bad') return ctx.fail(`bad rate "${arg}" (expected N[/second|/minute|/hour|/day], N > 0)`);
    s.avg = Number(r.period);
  },
  check(s) {
    const product = Number(BigInt.asUintN(32, BigInt(s.avg) * BigInt(s.burst)));
    if (s.burst === 0 || user2credits(product) < user2credits(s.avg)) {
      return `limit: Overflow, try lower: ${s.avg}/${s.burst} (the kernel refuses a burst of 0, and bursts too large for a slow rate)`;
    }
    return null;
  },
  save(s) {
    const rate = formatRate(BigInt(s.avg), BigInt(XT_LIMIT_SCALE)).text;
    return ` --limit ${rate}${s.burst !== 5 ? ` --limit-burst ${s.burst}` : ''}`;
  },
  /** A full bucket per rule (`limit_mt_check`: credit = user2credits(avg·burst)). */
  init: (s) => ({ credit: user2credits(u32(s.avg * s.burst)), prev: null }),
  mutableRuntime: true,
  /** Refill by the jiffies elapsed (capped), then take `cost` credits if there are that many. */
  match(s, _pkt, rt, ctx) {
    const now = jiffiesAt(ctx.now);
    const cap = user2credits(u32(s.avg * s.burst));
    const cost = user2credits(s.avg);
    const prev = rt.prev ?? now;
    rt.prev = now;
    // (now - prev) · CREDITS_PER_JIFFY is added in u32 arithmetic, so it can wrap.
    let credit = u32(rt.credit + u32((now - prev) * CREDITS_PER_JIFFY));
    if (credit > cap) credit = cap;
    const ok = credit >= cost;
    if (ok) credit -= cost;
    rt.credit = credit;
    return ok;
  },
};

/** A value cut to 32 bits (unsigned), exact for products below 2^53. */
function u32(v: number): number {
  return Number(BigInt.asUintN(32, BigInt(v)));
}
