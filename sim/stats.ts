/**
 * Chi-square tests, written from the definitions (used by the demo, the statistics reports and
 * the kernel packet suite): the log-gamma
 * function (Lanczos), the regularized incomplete gamma functions P and Q (series for x < a+1,
 * Lentz's continued fraction otherwise), the chi-square distribution built on them, a
 * goodness-of-fit test (observed counts against exact shares) and a two-sample test (are two
 * count vectors draws from the same distribution: natsim's against the kernel's).
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, about 15 significant digits). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma: x must be > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x); // reflection
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const EPS = 1e-15;
const MAX_ITER = 10_000;

function gammaSeries(a: number, x: number): number {
  // P(a,x) = e^{-x} x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n))
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
}

function gammaContinuedFraction(a: number, x: number): number {
  // Q(a,x) = e^{-x} x^a / Γ(a) · 1/(x+1-a- 1·(1-a)/(x+3-a- 2·(2-a)/(x+5-a- …))), modified Lentz.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || x < 0) throw new RangeError(`regularizedGammaP: need a > 0 and x >= 0 (a=${a}, x=${x})`);
  if (x === 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the far tail. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || x < 0) throw new RangeError(`regularizedGammaQ: need a > 0 and x >= 0 (a=${a}, x=${x})`);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** Chi-square cumulative distribution function F(x; df). */
export function chiSquareCdf(x: number, df: number): number {
  return x <= 0 ? 0 : regularizedGammaP(df / 2, x / 2);
}

/** Chi-square upper tail 1 − F(x; df): the p-value of a statistic x. */
export function chiSquareSurvival(x: number, df: number): number {
  return x <= 0 ? 1 : regularizedGammaQ(df / 2, x / 2);
}

/** The outcome of a chi-square test. */
export interface ChiSquareResult {
  statistic: number;
  df: number;
  p: number;
}

/** Goodness of fit of observed counts to exact shares (which are normalised to sum to 1). */
export function chiSquareGoodnessOfFit(observed: readonly number[], shares: readonly number[]): ChiSquareResult {
  if (observed.length !== shares.length || observed.length < 2) throw new RangeError('need at least two categories, as many shares as counts');
  const n = observed.reduce((a, b) => a + b, 0);
  const total = shares.reduce((a, b) => a + b, 0);
  if (n <= 0 || !(total > 0)) throw new RangeError('need some observations and positive shares');
  let stat = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = (n * shares[i]!) / total;
    if (e <= 0) {
      if (observed[i]! > 0) return { statistic: Infinity, df: observed.length - 1, p: 0 };
      continue;
    }
    stat += (observed[i]! - e) ** 2 / e;
  }
  const df = shares.filter((s) => s > 0).length - 1;
  return { statistic: stat, df, p: chiSquareSurvival(stat, df) };
}

/**
 * Two-sample chi-square (a 2×k contingency table): are counts `a` and `b` over the same k
 * categories consistent with one distribution? Totals may differ; categories empty in both
 * samples are dropped (and reduce df).
 */
export function chiSquareTwoSample(a: readonly number[], b: readonly number[]): ChiSquareResult {
  if (a.length !== b.length || a.length < 2) throw new RangeError('need two count vectors of the same length >= 2');
  const na = a.reduce((x, y) => x + y, 0);
  const nb = b.reduce((x, y) => x + y, 0);
  if (na <= 0 || nb <= 0) throw new RangeError('both samples need observations');
  const n = na + nb;
  let stat = 0;
  let cats = 0;
  for (let i = 0; i < a.length; i++) {
    const col = a[i]! + b[i]!;
    if (col === 0) continue;
    cats++;
    const ea = (na * col) / n;
    const eb = (nb * col) / n;
    stat += (a[i]! - ea) ** 2 / ea + (b[i]! - eb) ** 2 / eb;
  }
  const df = Math.max(1, cats - 1);
  return { statistic: stat, df, p: cats < 2 ? 1 : chiSquareSurvival(stat, df) };
}

/** The probability the kernel applies for `-m statistic --probability p`: round(p·2³¹)/2³¹. */
export function kernelProbability(p: number): number {
  return Math.round(p * 0x80000000) / 0x80000000;
}

/**
 * Shares of a kube-proxy endpoint chain: rule i jumps with probability p_i (the last rule
 * unconditionally), so endpoint i gets p_i · Π_{j<i} (1 − p_j).
 */
export function cascadeShares(probabilities: readonly number[]): number[] {
  const shares: number[] = [];
  let left = 1;
  for (const p of probabilities) {
    shares.push(left * p);
    left *= 1 - p;
  }
  shares.push(left);
  return shares;
}
