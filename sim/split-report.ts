/**
 * Observed connections against the exact expected split: per endpoint the observed count and
 * share, the expected share, the difference and a 95% Wilson score interval; the other fates
 * (dropped, rejected, local…); a chi-square goodness-of-fit test (outcomes expected fewer than 5
 * times are pooled first) with its p-value and a plain verdict; and a terminal table and bar chart.
 */
import type { ChalkInstance } from 'chalk';
import { chiSquareGoodnessOfFit } from './stats.js';
import { formatFraction, type ExpectedSplit } from './expect.js';
import { frac, toNumber, type Fraction } from './split.js';

/** One endpoint's row: counts, shares (0..1), the difference observed − expected, and the 95% interval of the observed share. */
export interface EndpointRow { endpoint: string; observed: number; share: number; expected: number; expectedFraction: string; difference: number; ci95: [number, number] }

/** The comparison: endpoint rows, other fates (observed count, expected share), and the goodness-of-fit test. */
export interface SplitComparison {
  connections: number;
  endpoints: EndpointRow[];
  other: { fate: string; observed: number; expected: number }[];
  chiSquare: number; degreesOfFreedom: number; pValue: number; verdict: string;
  /** How the test was set up (pooled outcomes, outcomes the rules never choose). */
  notes: string[];
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** The Wilson score interval of a proportion k/n at confidence z (95% by default). */
export function wilsonInterval(k: number, n: number, z = Z95): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

function addFraction(a: Fraction, b: Fraction): Fraction {
  return frac(a.num * b.den + b.num * a.den, a.den * b.den);
}

/** The key an outcome is counted under: its endpoint for DNAT/REDIRECT, else its kind. */
function outcomeKey(o: ExpectedSplit['outcomes'][number]): string {
  return (o.kind === 'endpoint' || o.kind === 'local') && o.endpoint ? o.endpoint : o.kind;
}

const FATES = new Set(['dropped', 'rejected', 'local', 'forwarded', 'unknown']);

function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)}%`;
}

function pText(p: number): string {
  if (Number.isNaN(p)) return 'n/a';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(2);
}

/** Compare observed counts (keys: 'ip:port' endpoints or fates) with the exact expected split. */
export function compareSplit(observed: Map<string, number>, expected: ExpectedSplit): SplitComparison {
  const exp = new Map<string, { share: Fraction; endpoint: boolean }>();
  for (const o of expected.outcomes) {
    const key = outcomeKey(o);
    const prev = exp.get(key);
    exp.set(key, { share: prev ? addFraction(prev.share, o.share) : o.share, endpoint: key !== o.kind });
  }
  for (const key of observed.keys()) if (!exp.has(key)) exp.set(key, { share: { num: 0n, den: 1n }, endpoint: !FATES.has(key) });
  const n = [...observed.values()].reduce((a, b) => a + b, 0);
  const endpoints: EndpointRow[] = [];
  const other: SplitComparison['other'] = [];
  for (const [key, e] of exp) {
    const k = observed.get(key) ?? 0;
    const expectedShare = toNumber(e.share);
    if (e.endpoint) {
      const share = n > 0 ? k / n : 0;
      endpoints.push({ endpoint: key, observed: k, share, expected: expectedShare, expectedFraction: formatFraction(e.share), difference: share - expectedShare, ci95: wilsonInterval(k, n) });
    } else {
      other.push({ fate: key, observed: k, expected: expectedShare });
    }
  }
  const notes: string[] = [];
  const result = (chiSquare: number, degreesOfFreedom: number, pValue: number, verdict: string): SplitComparison =>
    ({ connections: n, endpoints, other, chiSquare, degreesOfFreedom, pValue, verdict, notes });

  const unknown = exp.get('unknown');
  if (unknown && unknown.share.num > 0n) {
    return result(NaN, 0, NaN, `cannot test: ${pct(toNumber(unknown.share))} of connections take a branch a stateful match decides, so the expected split is not known`);
  }
  if (n === 0) return result(NaN, 0, NaN, 'cannot test: no connections observed');
  const never = [...exp].filter(([key, e]) => e.share.num === 0n && (observed.get(key) ?? 0) > 0);
  if (never.length) {
    const list = never.map(([key]) => `${observed.get(key)} to ${key}`).join(', ');
    return result(Infinity, Math.max(0, [...exp.values()].filter((e) => e.share.num > 0n).length - 1), 0, `not consistent: ${list}, which the rules never choose`);
  }
  // Categories with a non-zero expected share; those expected fewer than 5 times are pooled, and
  // a pool still under 5 joins the smallest other category.
  const cats = [...exp].filter(([, e]) => e.share.num > 0n).map(([key, e]) => ({ keys: [key], observed: observed.get(key) ?? 0, share: toNumber(e.share) }));
  cats.sort((a, b) => a.share - b.share);
  const small = cats.filter((c) => c.share * n < 5);
  let groups = cats.filter((c) => c.share * n >= 5);
  if (small.length) {
    const pool = { keys: small.flatMap((c) => c.keys), observed: small.reduce((s, c) => s + c.observed, 0), share: small.reduce((s, c) => s + c.share, 0) };
    if (pool.share * n < 5 && groups.length) {
      const target = groups[0]!;
      groups = [{ keys: [...target.keys, ...pool.keys], observed: target.observed + pool.observed, share: target.share + pool.share }, ...groups.slice(1)];
      notes.push(`expected fewer than 5 times (${pool.keys.join(', ')}) and pooled with ${target.keys.join(', ')} for the chi-square test`);
    } else {
      groups = [pool, ...groups];
      if (pool.keys.length > 1) notes.push(`expected fewer than 5 times each: ${pool.keys.join(', ')}, pooled into one category for the chi-square test`);
      else notes.push(`${pool.keys[0]} is expected fewer than 5 times: the chi-square approximation is rough there`);
    }
  }
  if (groups.length < 2) {
    return result(0, 0, 1, `consistent with the exact split: every connection has one possible outcome (${groups[0]?.keys.join(', ') ?? 'none'}) and all ${n} went there`);
  }
  const test = chiSquareGoodnessOfFit(groups.map((g) => g.observed), groups.map((g) => g.share));
  let verdict: string;
  if (test.p >= 0.05) {
    verdict = `consistent with the exact split at the 5% level (p = ${pText(test.p)})`;
  } else {
    const worst = endpoints.reduce<EndpointRow | null>((m, r) => (!m || Math.abs(r.difference) > Math.abs(m.difference) ? r : m), null);
    verdict = `not consistent with the exact split at the 5% level: chi-square ${test.statistic.toFixed(2)} on ${test.df} degrees of freedom, p = ${pText(test.p)}` +
      (worst ? `; the largest difference is ${worst.endpoint} (${pct(worst.share)} observed, ${pct(worst.expected)} expected)` : '');
  }
  return result(test.statistic, test.df, test.p, verdict);
}

/** Print the comparison: a table, a bar chart of observed against expected shares, the chi-square line and the verdict. */
export function formatSplit(cmp: SplitComparison, c: ChalkInstance, width = 80): string {
  const out: string[] = [];
  const rows = cmp.endpoints;
  const labels = [...rows.map((r) => r.endpoint), ...cmp.other.map((o) => o.fate)];
  const lw = Math.max(8, ...labels.map((l) => l.length));
  const fw = Math.max(8, ...rows.map((r) => r.expectedFraction.length));
  out.push(c.bold(`${'endpoint'.padEnd(lw)}  ${'observed'.padStart(9)}  ${'share'.padStart(8)}  ${'expected'.padStart(8)}  ${'exact'.padEnd(fw)}  ${'diff'.padStart(8)}  95% interval`));
  for (const r of rows) {
    const diff = `${r.difference >= 0 ? '+' : ''}${(r.difference * 100).toFixed(2)}%`.padStart(8);
    const inside = r.expected >= r.ci95[0] && r.expected <= r.ci95[1];
    out.push(`${r.endpoint.padEnd(lw)}  ${String(r.observed).padStart(9)}  ${pct(r.share).padStart(8)}  ${pct(r.expected).padStart(8)}  ${r.expectedFraction.padEnd(fw)}  ${inside ? diff : c.yellow(diff)}  [${pct(r.ci95[0])}, ${pct(r.ci95[1])}]`);
  }
  for (const o of cmp.other) {
    out.push(`${o.fate.padEnd(lw)}  ${String(o.observed).padStart(9)}  ${pct(cmp.connections ? o.observed / cmp.connections : 0).padStart(8)}  ${pct(o.expected).padStart(8)}`);
  }
  out.push(c.dim(`${cmp.connections} connections`));
  // Bar chart: one observed bar (█) and one expected bar (░) per endpoint, on a common scale.
  const chartRows = [...rows.map((r) => ({ label: r.endpoint, obs: r.share, exp: r.expected })), ...cmp.other.map((o) => ({ label: o.fate, obs: cmp.connections ? o.observed / cmp.connections : 0, exp: o.expected }))];
  const max = Math.max(1e-12, ...chartRows.flatMap((r) => [r.obs, r.exp]));
  const barWidth = Math.max(10, width - lw - 22);
  const bar = (x: number, ch: string): string => ch.repeat(Math.round((x / max) * barWidth));
  out.push('');
  for (const r of chartRows) {
    out.push(`${r.label.padEnd(lw)}  observed ${c.cyan(bar(r.obs, '█'))} ${pct(r.obs)}`);
    out.push(`${''.padEnd(lw)}  expected ${c.dim(bar(r.exp, '░'))} ${pct(r.exp)}`);
  }
  out.push('');
  if (!Number.isNaN(cmp.chiSquare)) out.push(`chi-square ${Number.isFinite(cmp.chiSquare) ? cmp.chiSquare.toFixed(3) : '∞'} on ${cmp.degreesOfFreedom} degree${cmp.degreesOfFreedom === 1 ? '' : 's'} of freedom, p = ${pText(cmp.pValue)}`);
  for (const n of cmp.notes) out.push(c.dim(`note: ${n}`));
  const ok = cmp.verdict.startsWith('consistent');
  out.push(ok ? c.green(cmp.verdict) : c.red(cmp.verdict));
  return out.join('\n');
}
