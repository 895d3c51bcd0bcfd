/**
 * `expectSplit` and `natsim expect`: the seed's exact shares (the kernel's stored 1/4, 1/3, 1/2),
 * a hand-written chain structure that is not kube-proxy's (nested statistic chains, a MARK that a
 * later `-m mark` rule reads, goto and RETURN, an nth rule, a recent rule that makes its branch
 * unknown, filter DROP/REJECT after DNAT), kube-proxy-style session affinity, REDIRECT and no NAT.
 */
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { loadRuleset } from '../engine/ruleset/load.js';
import { hostFromSpec } from '../engine/host/host.js';
import { loadScenario } from '../sim/scenario.js';
import { expectSplit, formatFraction, type ExpectedSplit } from '../sim/expect.js';
import { formatExpected } from '../sim/commands/expect.js';
import { main } from '../sim/cli.js';
import type { Fraction } from '../sim/split.js';
import { addr } from './helpers/engine.js';

const shareText = (f: Fraction): string => `${f.num}/${f.den}`;

function total(s: ExpectedSplit): string {
  let num = 0n, den = 1n;
  for (const o of s.outcomes) { num = num * o.share.den + o.share.num * den; den *= o.share.den; }
  return num === den ? '1' : `${num}/${den}`;
}

const host = hostFromSpec({
  interfaces: [{ name: 'eth0', addrs: ['192.0.2.1/24'] }, { name: 'eth1', addrs: ['10.0.0.254/24'] }],
  routes: ['default via 192.0.2.254 dev eth0'],
});

const nested = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:INNER - [0:0]
:LB - [0:0]
:PICK - [0:0]
:TAGGED - [0:0]
-A PREROUTING -d 192.0.2.1/32 -p tcp -m tcp --dport 80 -j LB
-A PREROUTING -d 192.0.2.1/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.9:80
-A LB -m statistic --mode random --probability 0.5 -j INNER
-A LB -j PICK
-A INNER -p tcp -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.0.0.1:8080
-A INNER -j MARK --set-xmark 0x1/0xffffffff
-A PICK -p tcp -m mark --mark 0x1 -j DNAT --to-destination 10.0.0.2:8080
-A PICK -m statistic --mode nth --every 3 --packet 0 -g TAGGED
-A PICK -p tcp -m recent --rcheck --seconds 60 --name seen --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.0.0.4:8080
-A PICK -j RETURN
-A TAGGED -p tcp -m statistic --mode random --probability 0.25 -j DNAT --to-destination 10.0.0.3:8080
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -d 10.0.0.9/32 -j DROP
-A FORWARD -d 10.0.0.3/32 -p tcp -j REJECT --reject-with tcp-reset
COMMIT
`;

describe('expectSplit on the seed (scenarios/kube-seed)', () => {
  const sc = loadScenario('kube-seed');
  const rs = loadRuleset(sc.sources, { noflush: true });
  const split = expectSplit(rs, sc.host!, { family: 'ipv4', proto: 17, dst: addr('10.96.0.10'), dport: 53 });

  it('gives the four coredns endpoints exactly the shares the stored probabilities imply', () => {
    expect(split.outcomes.map((o) => [o.kind, o.endpoint, shareText(o.share)])).toEqual([
      ['endpoint', '10.244.0.10:53', '1/4'],
      ['endpoint', '10.244.0.5:53', '2147483649/8589934592'],
      ['endpoint', '10.244.0.6:53', '4294967295/17179869184'],
      ['endpoint', '10.244.0.9:53', '4294967295/17179869184'],
    ]);
    expect(split.exact).toBe(true);
    expect(split.notes).toEqual([]);
    expect(total(split)).toBe('1');
  });

  it('lists each path through the chains with the stored probabilities, and the fate after DNAT', () => {
    expect(split.outcomes[1]!.paths).toEqual([
      'PREROUTING#1 → KUBE-SERVICES#3 → KUBE-MARK-MASQ#1 MARK → KUBE-SERVICES#4 → not KUBE-SVC-TCOU7JCQXEZGVUNU#1 (1−p=0.75) → KUBE-SVC-TCOU7JCQXEZGVUNU#2 (p=0.33333333349) → KUBE-SEP-LPGSDLJ3FDW46N4W#2 DNAT → forwarded out cni0',
    ]);
  });

  it('does not touch the ruleset\'s counters', () => {
    for (const t of rs.tables.values()) for (const c of t.chains.values()) for (const r of c.rules) expect(r.counters.packets).toBe(0);
  });

  it('the TCP service on the same address splits the same way; the kubernetes API service has one endpoint', () => {
    const tcp = expectSplit(rs, sc.host!, { family: 'ipv4', proto: 6, dst: addr('10.96.0.10'), dport: 53 });
    expect(tcp.outcomes.map((o) => shareText(o.share))).toEqual(['1/4', '2147483649/8589934592', '4294967295/17179869184', '4294967295/17179869184']);
    const api = expectSplit(rs, sc.host!, { family: 'ipv4', proto: 6, dst: addr('10.96.0.1'), dport: 443 });
    expect(api.outcomes.map((o) => [o.kind, o.endpoint, shareText(o.share)])).toEqual([['endpoint', '172.18.0.2:6443', '1/1']]);
  });

  it('prints exact fractions, decimals and the deviation from an even split', () => {
    const text = formatExpected(split, 'seed', new Chalk({ level: 0 }));
    expect(text).toContain('10.244.0.10:53                     1/4  0.2500000000000  exactly 1/4 (even)');
    expect(text).toContain('2147483649/8589934592  0.2500000001164  +1/8589934592 from 1/4');
    expect(text).toContain('4294967295/17179869184  0.2499999999418  −1/17179869184 from 1/4');
  });

  it('`natsim expect --json` prints the same fractions', async () => {
    let out = '';
    const status = await main(['expect', '--scenario', 'kube-seed', '--to', '10.96.0.10:53', '--proto', 'udp', '--json'], { out: (s) => { out += s; }, err: () => undefined });
    expect(status).toBe(0);
    const j = JSON.parse(out) as { exact: boolean; outcomes: { endpoint: string; share: string; deviationFromEven: string }[] };
    expect(j.exact).toBe(true);
    expect(j.outcomes.map((o) => [o.endpoint, o.share, o.deviationFromEven])).toEqual([
      ['10.244.0.10:53', '1/4', '0/1'],
      ['10.244.0.5:53', '2147483649/8589934592', '1/8589934592'],
      ['10.244.0.6:53', '4294967295/17179869184', '-1/17179869184'],
      ['10.244.0.9:53', '4294967295/17179869184', '-1/17179869184'],
    ]);
  });

  it('`natsim expect` refuses a destination without a port', async () => {
    let err = '';
    const status = await main(['expect', '--scenario', 'kube-seed', '--to', '10.96.0.10', '--proto', 'udp'], { out: () => undefined, err: (s) => { err += s; } });
    expect(status).toBe(2);
    expect(err).toContain('give the service\'s port');
  });
});

describe('expectSplit on a hand-written chain structure', () => {
  const rs = loadRuleset([{ file: 'nested.rules', text: nested }]);
  const split = expectSplit(rs, host, { family: 'ipv4', proto: 6, dst: addr('192.0.2.1'), dport: 80, inIface: 'eth0' });
  const byLabel = new Map(split.outcomes.map((o) => [o.endpoint ?? o.kind, o]));

  it('follows nested statistic chains, MARK then -m mark, goto and RETURN, nth, and filter after DNAT', () => {
    expect(split.outcomes.map((o) => [o.kind, o.endpoint ?? null, shareText(o.share)])).toEqual([
      ['endpoint', '10.0.0.1:8080', '1/4'],
      ['endpoint', '10.0.0.2:8080', '1/4'],
      ['rejected', null, '1/24'],
      ['dropped', null, '1/8'],
      ['unknown', null, '1/3'],
    ]);
    expect(total(split)).toBe('1');
  });

  it('shows the MARK on the path that the -m mark rule then reads', () => {
    expect(byLabel.get('10.0.0.2:8080')!.paths).toEqual([
      'PREROUTING#1 → LB#1 (p=0.5) → not INNER#1 (1−p=0.5) → INNER#2 MARK → LB#2 → PICK#1 DNAT → forwarded out eth1',
    ]);
  });

  it('a goto returns to the chain that called the goto\'s chain', () => {
    expect(byLabel.get('dropped')!.paths).toEqual([
      'PREROUTING#1 → not LB#1 (1−p=0.5) → LB#2 → PICK#2 (p=1/3) (goto) → not TAGGED#1 (1−p=0.75) → PREROUTING#2 DNAT → dropped by filter FORWARD rule 1',
    ]);
    expect(byLabel.get('dropped')!.note).toContain('after DNAT to 10.0.0.9:80');
    expect(byLabel.get('rejected')!.note).toContain('rejected by filter FORWARD rule 2');
  });

  it('reports the recent branch as unknown, and nth as its long-run share, and says so', () => {
    expect(split.exact).toBe(false);
    expect(byLabel.get('unknown')!.note).toContain('-m recent --rcheck --name seen (nat PICK rule 3) depends on the addresses seen before');
    expect(split.notes.some((n) => n.includes('--mode nth --every 3 (nat PICK rule 2) is counted as its long-run share 1/3'))).toBe(true);
    expect(split.notes.some((n) => n.startsWith('1/3 of the connections take a branch a stateful match decides'))).toBe(true);
  });

  it('a client named by -s takes another branch (a goto straight to PICK)', () => {
    const rs2 = loadRuleset([{ file: 'src.rules', text: nested.replace('-A LB -m statistic', '-A LB -s 203.0.113.0/24 -g PICK\n-A LB -m statistic') }]);
    const s = expectSplit(rs2, host, { family: 'ipv4', proto: 6, dst: addr('192.0.2.1'), dport: 80, src: addr('203.0.113.9') });
    expect(s.outcomes.map((o) => [o.kind, shareText(o.share)])).toEqual([['rejected', '1/12'], ['dropped', '1/4'], ['unknown', '2/3']]);
    // Without --from, the default client is outside every -s, so the rule does not apply.
    const d = expectSplit(rs2, host, { family: 'ipv4', proto: 6, dst: addr('192.0.2.1'), dport: 80 });
    expect(d.outcomes.map((o) => shareText(o.share))).toEqual(split.outcomes.map((o) => shareText(o.share)));
  });
});

describe('expectSplit: affinity, REDIRECT, no NAT', () => {
  it('kube-proxy-style session affinity (recent --rcheck before the jump to the same-named chain) is false for a first connection', () => {
    const rs = loadRuleset([{ file: 'affinity.rules', text: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:SEP-A - [0:0]
:SEP-B - [0:0]
:SVC - [0:0]
-A PREROUTING -d 192.0.2.1/32 -p udp -m udp --dport 53 -j SVC
-A SEP-A -p udp -m recent --set --name SEP-A --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.0.0.1:53
-A SEP-B -p udp -m recent --set --name SEP-B --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.0.0.2:53
-A SVC -m recent --rcheck --seconds 10800 --reap --name SEP-A --mask 255.255.255.255 --rsource -j SEP-A
-A SVC -m recent --rcheck --seconds 10800 --reap --name SEP-B --mask 255.255.255.255 --rsource -j SEP-B
-A SVC -m statistic --mode random --probability 0.5 -j SEP-A
-A SVC -j SEP-B
COMMIT
` }]);
    const s = expectSplit(rs, host, { family: 'ipv4', proto: 17, dst: addr('192.0.2.1'), dport: 53 });
    expect(s.outcomes.map((o) => [o.endpoint, shareText(o.share)])).toEqual([['10.0.0.1:53', '1/2'], ['10.0.0.2:53', '1/2']]);
    expect(s.exact).toBe(true);
    expect(s.notes.filter((n) => n.includes('session affinity as kube-proxy writes it: false for a client\'s first connection'))).toHaveLength(2);
  });

  it('REDIRECT is local, to the incoming interface\'s first address; no binding is forwarded or local by route', () => {
    const rs = loadRuleset([{ file: 'redirect.rules', text: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 3128
COMMIT
` }]);
    const r = expectSplit(rs, host, { family: 'ipv4', proto: 6, dst: addr('198.51.100.5'), dport: 8080, inIface: 'eth0' });
    expect(r.outcomes.map((o) => [o.kind, o.endpoint, shareText(o.share)])).toEqual([['local', '192.0.2.1:3128', '1/1']]);
    const fwd = expectSplit(rs, host, { family: 'ipv4', proto: 6, dst: addr('198.51.100.5'), dport: 80 });
    expect(fwd.outcomes.map((o) => [o.kind, shareText(o.share), o.paths])).toEqual([['forwarded', '1/1', ['PREROUTING policy ACCEPT → forwarded out eth0']]]);
    const local = expectSplit(rs, host, { family: 'ipv4', proto: 6, dst: addr('10.0.0.254'), dport: 22 });
    expect(local.outcomes.map((o) => o.kind)).toEqual(['local']);
  });

  it('formats shares as a/b when the denominator is a power of two or small, else as a decimal', () => {
    expect(formatFraction({ num: 1n, den: 3n })).toBe('1/3');
    expect(formatFraction({ num: 4294967295n, den: 17179869184n })).toBe('4294967295/17179869184');
    expect(formatFraction({ num: 1n, den: 3000000007n })).toBe('0.0000000003333');
    expect(formatFraction({ num: 5n, den: 5n })).toBe('1');
  });
});

describe('expectSplit on a large kube-proxy ruleset', () => {
  it('skips the rules for other services by the destination index, with the same answers as a full walk', async () => {
    const { generateKubeRuleset } = await import('../sim/kube/generate.js');
    const { EXAMPLE_NODE, syntheticCluster } = await import('../sim/kube/examples.js');
    const { bigHost } = await import('../sim/bench/engine.js');
    const { compileRuleset } = await import('../engine/compile.js');
    const rs = loadRuleset([{ text: generateKubeRuleset(syntheticCluster(150, 3), EXAMPLE_NODE).dump, file: 'kube.rules' }]);
    const indexed = compileRuleset(rs);
    expect(indexed.tables.get('nat')!.dstIndex).not.toBeNull();
    const full = compileRuleset(rs);
    full.tables.get('nat')!.dstIndex = null;
    const h = bigHost(EXAMPLE_NODE.ip);
    for (const k of [0, 1, 77, 149, 150]) {
      const q = { family: 'ipv4' as const, proto: 6, dst: [(0xac1e0000 + 10 + k) >>> 0], dport: 80 };
      const a = expectSplit(rs, h, q, indexed), b = expectSplit(rs, h, q, full);
      expect(a).toEqual(b);
      // Service 150 does not exist: nothing DNATs it.
      expect(a.outcomes.filter((o) => o.kind === 'endpoint')).toHaveLength(k < 150 ? 3 : 0);
    }
  });
});
