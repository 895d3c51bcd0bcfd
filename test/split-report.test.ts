/**
 * compareSplit and formatSplit: Wilson intervals and chi-square statistics against values known
 * from the definitions, pooling of rarely expected outcomes, outcomes the rules never choose, an
 * expected split with an unknown part, and the seed's exact split compared with counts.
 */
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { compareSplit, formatSplit, wilsonInterval } from '../sim/split-report.js';
import { expectSplit, type ExpectedSplit } from '../sim/expect.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { loadScenario } from '../sim/scenario.js';
import { frac } from '../sim/split.js';
import { addr } from './helpers/engine.js';

const plain = new Chalk({ level: 0 });

function split(shares: [string, bigint, bigint][], kind: 'endpoint' | 'dropped' | 'unknown' = 'endpoint'): ExpectedSplit {
  return {
    exact: true, notes: [],
    outcomes: shares.map(([key, n, d]) => (['dropped', 'rejected', 'unknown', 'local', 'forwarded'].includes(key)
      ? { kind: key as 'dropped', share: frac(n, d), paths: [] }
      : { kind, endpoint: key, share: frac(n, d), paths: [] })),
  };
}

const quarters = split([['a:1', 1n, 4n], ['b:1', 1n, 4n], ['c:1', 1n, 4n], ['d:1', 1n, 4n]]);

describe('wilsonInterval', () => {
  it('matches the closed form at known points', () => {
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.4038315, 6);
    expect(hi).toBeCloseTo(0.5961685, 6);
    // 0 of 10: [0, z²/(n+z²)].
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(3.841459 / 13.841459, 6);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('compareSplit', () => {
  it('computes shares, differences and the chi-square test (2 on 3 df: p = 0.5724)', () => {
    const cmp = compareSplit(new Map([['a:1', 30], ['b:1', 20], ['c:1', 25], ['d:1', 25]]), quarters);
    expect(cmp.connections).toBe(100);
    expect(cmp.endpoints.map((r) => [r.endpoint, r.observed, r.share, r.expected, r.expectedFraction])).toEqual([
      ['a:1', 30, 0.3, 0.25, '1/4'], ['b:1', 20, 0.2, 0.25, '1/4'], ['c:1', 25, 0.25, 0.25, '1/4'], ['d:1', 25, 0.25, 0.25, '1/4'],
    ]);
    expect(cmp.endpoints[0]!.difference).toBeCloseTo(0.05, 12);
    expect(cmp.chiSquare).toBeCloseTo(2, 12);
    expect(cmp.degreesOfFreedom).toBe(3);
    expect(cmp.pValue).toBeCloseTo(0.5724067, 6);
    expect(cmp.verdict).toBe('consistent with the exact split at the 5% level (p = 0.572)');
  });

  it('says plainly when the counts do not fit (12 on 3 df: p = 0.00738)', () => {
    const cmp = compareSplit(new Map([['a:1', 40], ['b:1', 20], ['c:1', 20], ['d:1', 20]]), quarters);
    expect(cmp.chiSquare).toBeCloseTo(12, 12);
    expect(cmp.pValue).toBeCloseTo(0.0073832, 6);
    expect(cmp.verdict).toBe('not consistent with the exact split at the 5% level: chi-square 12.00 on 3 degrees of freedom, p = 0.007; the largest difference is a:1 (40.00% observed, 25.00% expected)');
  });

  it('pools outcomes expected fewer than 5 times, and says how', () => {
    const s = split([['a:1', 49n, 100n], ['b:1', 49n, 100n], ['c:1', 2n, 100n]]);
    const cmp = compareSplit(new Map([['a:1', 50], ['b:1', 47], ['c:1', 3]]), s);
    // c (expected 2) joins the smallest other category: (50+3 − 51)²/51 + (47 − 49)²/49.
    expect(cmp.degreesOfFreedom).toBe(1);
    expect(cmp.chiSquare).toBeCloseTo(4 / 51 + 4 / 49, 12);
    expect(cmp.notes).toEqual(['expected fewer than 5 times (c:1) and pooled with a:1 for the chi-square test']);
  });

  it('reports other fates beside the endpoints', () => {
    const s = split([['a:1', 3n, 4n], ['dropped', 1n, 4n]]);
    const cmp = compareSplit(new Map([['a:1', 70], ['dropped', 30]]), s);
    expect(cmp.endpoints.map((r) => r.endpoint)).toEqual(['a:1']);
    expect(cmp.other).toEqual([{ fate: 'dropped', observed: 30, expected: 0.25 }]);
    expect(cmp.chiSquare).toBeCloseTo(25 / 75 + 25 / 25, 12);
  });

  it('fails outright when connections go where the rules never send them', () => {
    const cmp = compareSplit(new Map([['a:1', 99], ['b:1', 1], ['z:9', 2]]), split([['a:1', 1n, 2n], ['b:1', 1n, 2n]]));
    expect(cmp.pValue).toBe(0);
    expect(cmp.chiSquare).toBe(Infinity);
    expect(cmp.endpoints.find((r) => r.endpoint === 'z:9')!.expected).toBe(0);
    expect(cmp.verdict).toBe('not consistent: 2 to z:9, which the rules never choose');
  });

  it('does not test a split with an unknown part', () => {
    const cmp = compareSplit(new Map([['a:1', 60], ['b:1', 40]]), split([['a:1', 1n, 2n], ['unknown', 1n, 2n]]));
    expect(Number.isNaN(cmp.pValue)).toBe(true);
    expect(cmp.verdict).toMatch(/^cannot test: 50.00% of connections take a branch a stateful match decides/);
  });

  it('compares counts with the seed\'s exact split; the expected shares sum to exactly 1', () => {
    const sc = loadScenario('kube-seed');
    const rs = loadRuleset(sc.sources, { noflush: true });
    const s = expectSplit(rs, sc.host!, { family: 'ipv4', proto: 17, dst: addr('10.96.0.10'), dport: 53 });
    let num = 0n, den = 1n;
    for (const o of s.outcomes) { num = num * o.share.den + o.share.num * den; den *= o.share.den; }
    expect(num).toBe(den);
    const cmp = compareSplit(new Map([['10.244.0.10:53', 2510], ['10.244.0.5:53', 2490], ['10.244.0.6:53', 2500], ['10.244.0.9:53', 2500]]), s);
    expect(cmp.endpoints.map((r) => r.expectedFraction)).toEqual(['1/4', '2147483649/8589934592', '4294967295/17179869184', '4294967295/17179869184']);
    expect(cmp.degreesOfFreedom).toBe(3);
    expect(cmp.chiSquare).toBeCloseTo(0.08, 6);
    expect(cmp.verdict.startsWith('consistent with the exact split at the 5% level')).toBe(true);
  });
});

describe('formatSplit', () => {
  it('prints the table, one observed and one expected bar per endpoint, the chi-square line and the verdict', () => {
    const cmp = compareSplit(new Map([['a:1', 30], ['b:1', 20], ['c:1', 25], ['d:1', 25]]), quarters);
    const text = formatSplit(cmp, plain, 60);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^endpoint\s+observed\s+share\s+expected\s+exact\s+diff\s+95% interval$/);
    // Wilson 30/100: centre 0.30741, half-width 0.08846.
    expect(lines[1]).toBe('a:1              30    30.00%    25.00%  1/4         +5.00%  [21.89%, 39.58%]');
    // The largest share (30%) gets the full bar width: 60 − 8 − 22 = 30 cells.
    expect(text).toContain(`a:1       observed ${'█'.repeat(30)} 30.00%`);
    expect(text).toContain(`          expected ${'░'.repeat(25)} 25.00%`);
    expect(text).toContain('chi-square 2.000 on 3 degrees of freedom, p = 0.572');
    expect(lines[lines.length - 1]).toBe('consistent with the exact split at the 5% level (p = 0.572)');
  });
});
