/**
 * Pure checks of the kernel packet suite's helpers (test/kernel/packet/), run in `npm test` so
 * they never need root: the chi-square helpers (log-gamma, the regularized incomplete gamma
 * functions, chi-square tails against closed forms and table values, both chi-square tests, the
 * kube-proxy endpoint shares the seed case expects), the host-model safety checks, the
 * `iptables-save -c` and `conntrack -L` parsers, and the run comparison.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConntrackLine, parseSaveCounters } from './kernel/packet/collect.js';
import { compareConntrack, compareRuns, randomChains, type PacketRun } from './kernel/packet/compare.js';
import { checkHostModel, loadHostModel, type HostModel } from './kernel/packet/topology.js';
import {
  cascadeShares, chiSquareCdf, chiSquareGoodnessOfFit, chiSquareSurvival, chiSquareTwoSample,
  kernelProbability, lnGamma, regularizedGammaP, regularizedGammaQ,
} from '../sim/stats.js';

describe('lnGamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lnGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
    expect(lnGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
  });
  it('rejects x <= 0', () => expect(() => lnGamma(0)).toThrow(RangeError));
});

describe('regularized incomplete gamma', () => {
  it('P(1, x) = 1 − e^−x on both sides of the series/fraction switch', () => {
    for (const x of [0.01, 0.5, 1.9, 2.1, 10, 40]) expect(regularizedGammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 13);
  });
  it('P + Q = 1 and Q keeps precision in the far tail', () => {
    for (const [a, x] of [[0.5, 0.2], [3, 2], [3, 9], [50, 45], [50, 60]] as const) {
      expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 13);
    }
    expect(regularizedGammaQ(1, 700)).toBeGreaterThan(0);
    expect(regularizedGammaQ(1, 700) / Math.exp(-700)).toBeCloseTo(1, 10);
  });
  it('P(0, ·) and negative x are rejected; x = 0 gives the limits', () => {
    expect(() => regularizedGammaP(0, 1)).toThrow(RangeError);
    expect(() => regularizedGammaQ(1, -1)).toThrow(RangeError);
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, 0)).toBe(1);
  });
});

describe('chi-square distribution', () => {
  it('df = 2 is exponential: F(x) = 1 − e^(−x/2)', () => {
    for (const x of [0.1, 1, 5, 20]) expect(chiSquareCdf(x, 2)).toBeCloseTo(1 - Math.exp(-x / 2), 13);
  });
  it('matches table critical values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquareSurvival(7.814727903251178, 3)).toBeCloseTo(0.05, 10);
    expect(chiSquareSurvival(16.26623619623813, 3)).toBeCloseTo(0.001, 11);
    expect(chiSquareSurvival(0.1148318018991491, 3)).toBeCloseTo(0.99, 10);
    expect(chiSquareSurvival(124.3421134440439, 100)).toBeCloseTo(0.05, 9);
    expect(chiSquareCdf(0, 3)).toBe(0);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});

describe('chi-square goodness of fit', () => {
  it('perfect fit: statistic 0, p 1', () => {
    const r = chiSquareGoodnessOfFit([1000, 1000, 1000, 1000], [0.25, 0.25, 0.25, 0.25]);
    expect(r.statistic).toBe(0);
    expect(r.df).toBe(3);
    expect(r.p).toBeCloseTo(1, 12);
  });
  it('computes Σ (O−E)²/E: the notes\' first seed run', () => {
    // 991/1014/1016/979 against 1000 each: (81 + 196 + 256 + 441) / 1000 = 0.974
    const r = chiSquareGoodnessOfFit([991, 1014, 1016, 979], [1, 1, 1, 1]);
    expect(r.statistic).toBeCloseTo(0.974, 12);
    expect(r.p).toBeCloseTo(0.8075, 3);
  });
  it('a skewed sample is rejected', () => {
    expect(chiSquareGoodnessOfFit([1300, 900, 900, 900], [1, 1, 1, 1]).p).toBeLessThan(1e-10);
  });
  it('a count in a zero-share category gives p = 0', () => {
    expect(chiSquareGoodnessOfFit([5, 1], [1, 0]).p).toBe(0);
  });
});

describe('two-sample chi-square', () => {
  it('identical samples agree perfectly', () => {
    const r = chiSquareTwoSample([10, 20, 30], [10, 20, 30]);
    expect(r.statistic).toBe(0);
    expect(r.p).toBeCloseTo(1, 12);
  });
  it('matches a hand-computed 2×3 table', () => {
    // Column totals 30/40/50, expected 15/20/25 in each row: 2·(25/15 + 0 + 25/25) = 16/3.
    const r = chiSquareTwoSample([10, 20, 30], [20, 20, 20]);
    expect(r.statistic).toBeCloseTo(16 / 3, 12);
    expect(r.df).toBe(2);
    expect(r.p).toBeCloseTo(Math.exp(-8 / 3), 12);
  });
  it('handles different totals (proportions equal → statistic 0)', () => {
    expect(chiSquareTwoSample([100, 300], [10, 30]).statistic).toBeCloseTo(0, 12);
  });
  it('drops categories empty in both samples', () => {
    const r = chiSquareTwoSample([10, 0, 30], [20, 0, 20]);
    expect(r.df).toBe(1);
  });
});

describe('kube-proxy shares', () => {
  it('the seed\'s 4 endpoints, as the kernel rounds the probabilities', () => {
    const probs = [0.25, 0.3333333333, 0.5].map(kernelProbability);
    expect(probs[1]).toBeCloseTo(0.33333333349, 11);
    const s = cascadeShares(probs);
    expect(s[0]).toBe(0.25);
    expect(s[1]).toBeCloseTo(0.2500000001164, 13);
    expect(s[2]).toBeCloseTo(0.2499999999418, 13);
    expect(s[3]).toBeCloseTo(0.2499999999418, 13);
    expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  });
});

describe('host models', () => {
  const dir = join(import.meta.dirname, 'kernel/packet');
  const seed = loadHostModel(join(dir, 'seed-node.json')).model;

  it('the seed node and the home router pass the checks', () => {
    expect(checkHostModel(seed)).toEqual([]);
    expect(checkHostModel(loadHostModel(join(dir, 'home-router.json')).model)).toEqual([]);
    expect(seed.neighbours.map((n) => n.address)).toEqual(['172.18.0.100/16', '10.244.0.10/24', '10.244.0.5/24', '10.244.0.6/24', '10.244.0.9/24']);
  });

  const variant = (f: (m: HostModel) => void): string[] => {
    const m = structuredClone(seed);
    f(m);
    return checkHostModel(m);
  };
  it('refuses a node route that leaves the sandbox', () => {
    expect(variant((m) => { m.node.routes = [{ to: 'default', via: '172.18.0.1' }]; }).join()).toMatch(/through a neighbour's address/);
  });
  it('refuses a neighbour whose gateway is not the node', () => {
    expect(variant((m) => { m.neighbours[0]!.gateway = '172.18.0.1'; }).join()).toMatch(/not an address of the node/);
  });
  it('refuses interface names Linux would reject, unknown attachments, orphan ports, two neighbours on one veth', () => {
    expect(variant((m) => { m.node.bridges[0]!.ports[0] = 'a-very-long-port-name'; }).join()).toMatch(/not a valid Linux name/);
    expect(variant((m) => { m.neighbours[0]!.attach = 'eth9'; }).join()).toMatch(/unknown interface eth9/);
    expect(variant((m) => { m.node.bridges[0]!.ports.push('veth-extra'); }).join()).toMatch(/veth-extra has no neighbour/);
    expect(variant((m) => { m.neighbours[2]!.port = 'veth-pod10'; }).join()).toMatch(/node end of two neighbours/);
  });
});

describe('parsers', () => {
  it('iptables-save -c: chain policies and rule counters', () => {
    const t = parseSaveCounters([
      '# Generated by iptables-save v1.8.9', '*nat', ':PREROUTING ACCEPT [3:180]', ':KUBE-SVC-X - [0:0]',
      '[4000:116890] -A PREROUTING -j KUBE-SVC-X', '[1000:29000] -A KUBE-SVC-X -m statistic --mode random --probability 0.25000000000 -j KUBE-SEP-A',
      'COMMIT', '*filter', ':FORWARD DROP [0:0]', 'COMMIT',
    ].join('\n'));
    expect(t.map((x) => x.table)).toEqual(['nat', 'filter']);
    expect(t[0]!.chains[0]).toEqual({ name: 'PREROUTING', policy: 'ACCEPT', packets: 3, bytes: 180, rules: [{ packets: 4000, bytes: 116890, rule: '-A PREROUTING -j KUBE-SVC-X' }] });
    expect(t[1]!.chains[0]!.policy).toBe('DROP');
  });

  it('conntrack -L lines: TCP state, flags, both tuples, ICMP ids', () => {
    const tcp = parseConntrackLine('tcp      6 119 TIME_WAIT src=10.99.0.1 dst=10.99.0.2 sport=36950 dport=8080 src=10.99.0.2 dst=10.99.0.1 sport=8080 dport=36950 [ASSURED] mark=0 use=1');
    expect(tcp).toMatchObject({ proto: 'tcp', protonum: 6, timeout: 119, state: 'TIME_WAIT', flags: ['ASSURED'], mark: 0 });
    expect(tcp.orig).toEqual({ src: '10.99.0.1', dst: '10.99.0.2', sport: 36950, dport: 8080 });
    expect(tcp.reply).toEqual({ src: '10.99.0.2', dst: '10.99.0.1', sport: 8080, dport: 36950 });
    const udp = parseConntrackLine('udp      17 29 src=10.99.0.3 dst=10.99.0.2 sport=40000 dport=5353 [UNREPLIED] src=10.99.0.2 dst=10.99.0.1 sport=5353 dport=47265 mark=0 use=1');
    expect(udp.state).toBeUndefined();
    expect(udp.flags).toEqual(['UNREPLIED']);
    expect(udp.reply.dport).toBe(47265);
    const icmp = parseConntrackLine('icmp     1 29 src=10.99.0.1 dst=10.99.0.2 type=8 code=0 id=1 src=10.99.0.2 dst=10.99.0.1 type=0 code=0 id=1 mark=0 use=1 id=3735928559');
    expect(icmp.orig).toEqual({ src: '10.99.0.1', dst: '10.99.0.2', type: 8, code: 0, id: 1 });
    expect(icmp.reply).toEqual({ src: '10.99.0.2', dst: '10.99.0.1', type: 0, code: 0, id: 1 });
    const acct = parseConntrackLine('udp      17 25 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 packets=1 bytes=29 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 packets=1 bytes=40 mark=0 zone=3 use=1');
    expect(acct.reply).toEqual({ src: '2.2.2.2', dst: '1.1.1.1', sport: 2, dport: 1 });
  });
});

describe('run comparison', () => {
  const counters = parseSaveCounters([
    '*nat', ':PREROUTING ACCEPT [0:0]', ':SVC - [0:0]', ':SEP-A - [0:0]', ':SEP-B - [0:0]',
    '[100:2900] -A PREROUTING -j SVC', '[48:1392] -A SVC -m statistic --mode random --probability 0.50000000000 -j SEP-A',
    '[52:1508] -A SVC -j SEP-B', '[48:1392] -A SEP-A -j DNAT --to-destination 10.0.0.1', '[52:1508] -A SEP-B -j DNAT --to-destination 10.0.0.2', 'COMMIT',
  ].join('\n'));
  const ct = [parseConntrackLine('udp      17 29 src=1.1.1.1 dst=9.9.9.9 sport=1000 dport=53 src=10.0.0.1 dst=10.0.0.254 sport=53 dport=5555 mark=0 use=1')];
  const run: PacketRun = {
    endpointCounts: new Map([['10.0.0.1', 48], ['10.0.0.2', 52]]),
    counters, conntrack: ct,
    receivers: new Map([['a', [{ proto: 'udp', local: '10.0.0.1', localPort: 53, remote: '10.0.0.254', remotePort: 5555 }]]]),
  };

  it('finds the chains whose counters depend on random draws', () => {
    expect([...randomChains(counters)].sort()).toEqual(['nat/SEP-A', 'nat/SEP-B', 'nat/SVC']);
  });
  it('a run agrees with itself; a different draw in random chains still agrees', () => {
    expect(compareRuns(run, run)).toEqual([]);
    const other = structuredClone(run);
    other.endpointCounts = new Map([['10.0.0.1', 53], ['10.0.0.2', 47]]);
    other.counters[0]!.chains[1]!.rules[0]!.packets = 53;
    other.conntrack[0]!.reply.src = '10.0.0.2';
    other.conntrack[0]!.reply.dport = 6000;
    expect(compareRuns(run, other)).toEqual([]);
  });
  it('reports deterministic counter differences, skewed counts, missing entries and wrong receivers', () => {
    const other = structuredClone(run);
    other.counters[0]!.chains[0]!.rules[0]!.packets = 99;
    other.endpointCounts = new Map([['10.0.0.1', 90], ['10.0.0.2', 10]]);
    other.conntrack = [];
    other.receivers = new Map([['a', [{ proto: 'udp', local: '10.0.0.1', localPort: 53, remote: '1.1.1.1', remotePort: 1000 }]]]);
    const problems = compareRuns(run, other);
    expect(problems.some((p) => p.startsWith('endpoint counts differ'))).toBe(true);
    expect(problems.some((p) => p.includes('-A PREROUTING -j SVC: [100:2900] vs [99:2900]'))).toBe(true);
    expect(problems.some((p) => p.startsWith('conntrack entry missing'))).toBe(true);
    expect(problems.some((p) => p.startsWith('receiver a'))).toBe(true);
  });
});

describe('conntrack comparison and random ports', () => {
  const line = (sport: number, replyPort: number): string => `udp      17 29 src=172.18.0.100 dst=10.96.0.10 sport=${sport} dport=53 src=10.244.0.5 dst=10.244.0.1 sport=53 dport=${replyPort} mark=0 use=1`;
  it('under random ports, a port the kernel kept by chance need not be kept by the other side', () => {
    const kernel = [line(20000, 20000), line(20001, 4711), line(20002, 999), line(20003, 31337)].map(parseConntrackLine);
    const other = [line(20000, 1655), line(20001, 20001), line(20002, 7), line(20003, 8)].map(parseConntrackLine);
    expect(compareConntrack(kernel, other)).toEqual([]);
  });
  it('where the kernel keeps ports as a rule, a changed port is a difference', () => {
    const kernel = [line(20000, 20000), line(20001, 20001), line(20002, 20002)].map(parseConntrackLine);
    const other = [line(20000, 20000), line(20001, 5), line(20002, 20002)].map(parseConntrackLine);
    expect(compareConntrack(kernel, other)).toEqual(['udp 172.18.0.100:20001>10.96.0.10:53: kernel kept port 20001, other side changed it to 5']);
  });
});
