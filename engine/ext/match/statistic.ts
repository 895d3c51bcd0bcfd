/**
 * `-m statistic`: random (`--probability p`, stored as round(p·2³¹), matching when a 31-bit random
 * draw is below it) and nth (`--every n --packet p`) modes (libxt_statistic, xt_statistic.c).
 */
import type { MatchExtension } from '../types.js';
import { needUint } from '../values.js';

/** 2³¹: the scale of the stored probability. */
export const PROBABILITY_SCALE = 0x80000000;

/** Parsed options: the kernel's `xt_statistic_info`. */
export interface StatisticState {
  mode: 'random' | 'nth' | null;
  invert: boolean;
  /** Random mode: round(p·2³¹). */
  probability: number;
  /** Nth mode: n − 1, as the kernel stores `every`. */
  every: number;
  packet: number;
  /** Which options were given. */
  given: { probability: boolean; every: boolean; packet: boolean };
}

/** C strtod over the whole word; null when it is not a number. */
export function parseDouble(text: string): number | null {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  const hexf = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(text);
  if (hexf && (hexf[2] !== '' || hexf[3] !== '')) {
    const mant = parseInt((hexf[2] || '0') + (hexf[3] || ''), 16) / 16 ** (hexf[3] ?? '').length;
    const v = mant * 2 ** Number(hexf[4] ?? 0);
    return hexf[1] === '-' ? -v : v;
  }
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return null;
}

/** lround(2³¹·p), as libxt_statistic stores a probability. */
export function quantizeProbability(p: number): number {
  return Math.round(PROBABILITY_SCALE * p);
}

/** `%.11f` of P/2³¹ with glibc's exact rounding (ties to even), via integer arithmetic. */
export function formatProbability(stored: number): string {
  const num = BigInt(stored) * 100000000000n;
  const den = BigInt(PROBABILITY_SCALE);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
  const whole = q / 100000000000n;
  const frac = (q % 100000000000n).toString().padStart(11, '0');
  return `${whole}.${frac}`;
}

/** The statistic match. */
export const statistic: MatchExtension<StatisticState, { count: number } | null> = {
  kind: 'match',
  name: 'statistic',
  options: [
    { name: 'mode', args: 1 },
    { name: 'probability', args: 1, invert: true },
    { name: 'every', args: 1, invert: true },
    { name: 'packet', args: 1 },
  ],
  create: () => ({ mode: null, invert: false, probability: 0, every: 0, packet: 0, given: { probability: false, every: false, packet: false } }),
  parse(s, opt, [arg], invert, ctx) {
    switch (opt) {
      case 'mode':
        if (arg === 'random' || arg === 'nth') s.mode = arg;
        else ctx.fail(`Bad mode "${arg}"`);
        return;
      case 'probability': {
        const p = parseDouble(arg!);
        if (p === null) return ctx.fail(`bad value for option "--probability": "${arg}" (expected a number from 0 to 1)`);
        if (p < 0 || p > 1) return ctx.fail('--probability must be between 0 and 1');
        // In the kernel's struct the probability and nth's `every` share one word.
        s.probability = quantizeProbability(p);
        s.every = s.probability;
        s.given.probability = true;
        if (invert) s.invert = true;
        return;
      }
      case 'every': {
        const n = needUint(ctx, 'every', arg!, 1, 0xffffffff);
        s.every = n - 1;
        s.probability = s.every;
        s.given.every = true;
        if (invert) s.invert = true;
        return;
      }
      case 'packet':
        s.packet = needUint(ctx, 'packet', arg!);
        s.given.packet = true;
        return;
    }
  },
  finalCheck(s, ctx) {
    if (s.mode === null) ctx.fail('option "--mode" must be specified');
    if (s.given.every && !s.given.packet) ctx.fail('option "--every" also requires "--packet"');
    if (s.mode === 'random' && !s.given.probability) ctx.fail('--probability must be specified when using random mode');
    if (s.mode === 'nth' && !(s.given.every || s.given.packet)) ctx.fail('--every and --packet must be specified when using nth mode');
    if (s.packet > s.every) ctx.fail('the --packet p must be 0 <= p <= n-1');
  },
  // nth: one counter per rule instance, starting at every − packet (`statistic_mt_check`); random
  // mode keeps none.
  init: (s) => (s.mode === 'nth' ? { count: s.every - s.packet } : null),
  mutableRuntime: true,
  match(s, _pkt, rt, ctx) {
    if (s.mode === 'random') return ((ctx.random32() & 0x7fffffff) < s.probability) !== s.invert;
    const n = rt!;
    n.count = n.count === s.every ? 0 : n.count + 1;
    return (n.count === 0) !== s.invert;
  },
  save(s) {
    const inv = s.invert ? ' !' : '';
    if (s.mode === 'random') return ` --mode random${inv} --probability ${formatProbability(s.probability)}`;
    return ` --mode nth${inv} --every ${s.every + 1} --packet ${s.packet}`;
  },
};
