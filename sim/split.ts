/**
 * Exact endpoint shares of a load-balancing chain as the kernel runs it: each `statistic --mode
 * random` rule matches with its stored probability P/2³¹, so rule i is taken with probability
 * q_i·Π_{j<i}(1−q_j). Shares are exact rationals (BigInt), printed as fractions and decimals.
 */
import type { Chain } from '../engine/ruleset/model.js';
import { PROBABILITY_SCALE, type StatisticState } from '../engine/ext/match/statistic.js';

/** An exact non-negative rational number. */
export interface Fraction { num: bigint; den: bigint }

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** a/b in lowest terms. */
export function frac(num: bigint, den: bigint): Fraction {
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/** a·b. */
export function mul(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.num, a.den * b.den);
}

/** 1 − a. */
export function oneMinus(a: Fraction): Fraction {
  return frac(a.den - a.num, a.den);
}

/** A fraction as a decimal with `digits` places (exact, rounded half up). */
export function toDecimal(f: Fraction, digits = 13): string {
  const scale = 10n ** BigInt(digits);
  const q = (f.num * scale * 2n + f.den) / (2n * f.den);
  const s = q.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** A fraction as a JS number (for statistics; exactness is kept in the Fraction). */
export function toNumber(f: Fraction): number {
  return Number(f.num) / Number(f.den);
}

/** One branch of a load-balancing chain: where it jumps and with what exact probability. */
export interface Branch {
  /** Jump target (a chain or verdict). */
  target: string;
  /** Rule number in the chain (1-based). */
  rule: number;
  /** The probability written in the rule, as stored (P/2³¹), or null for an unconditional rule. */
  stored: Fraction | null;
  /** The exact share of packets that take this branch. */
  share: Fraction;
}

/**
 * The branches of a chain whose rules are unconditional or conditional only on `statistic
 * --mode random` (comments aside): kube-proxy's KUBE-SVC-* chains. Rules with other matches are
 * reported by number in `skipped`, since their share depends on the packet.
 */
export function chainSplit(chain: Chain): { branches: Branch[]; rest: Fraction; skipped: number[] } {
  let remaining: Fraction = { num: 1n, den: 1n };
  const branches: Branch[] = [];
  const skipped: number[] = [];
  chain.rules.forEach((r, i) => {
    if (remaining.num === 0n) return;
    const target = r.target.kind === 'jump' ? r.target.chain : r.target.kind === 'verdict' ? r.target.verdict : r.target.kind === 'ext' ? r.target.ext.name : null;
    const conds = r.matches.filter((m) => m.ext.name !== 'comment');
    const header = r.src || r.dst || r.inIface || r.outIface || r.proto || r.frag !== null;
    if (target === null || header || conds.length > 1) { skipped.push(i + 1); return; }
    let q: Fraction | null = null;
    if (conds.length === 1) {
      const m = conds[0]!;
      const st = m.state as StatisticState;
      if (m.ext.name !== 'statistic' || st.mode !== 'random' || st.invert) { skipped.push(i + 1); return; }
      q = frac(BigInt(st.probability), BigInt(PROBABILITY_SCALE));
    }
    const share = q ? mul(remaining, q) : remaining;
    branches.push({ target, rule: i + 1, stored: q, share });
    remaining = q ? mul(remaining, oneMinus(q)) : { num: 0n, den: 1n };
  });
  return { branches, rest: remaining, skipped };
}
