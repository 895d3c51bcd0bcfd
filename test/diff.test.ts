/**
 * `natsim diff`: the per-chain rule diff of the seed's scale-up (kube-coredns-2 → kube-coredns-4)
 * holds the seed `diff -u`'s changed rules, and the expected shares go from 1/2, 1/2 to the four
 * exact shares the kernel's stored probabilities give.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleset } from '../engine/ruleset/load.js';
import { loadScenario } from '../sim/scenario.js';
import { diffLines, diffRulesets, findKubeServices, formatRulesetDiff, targetKey } from '../sim/rules-diff.js';
import { fractionText, loadSide, runDiff, serviceShares } from '../sim/commands/diff.js';
import { main } from '../sim/cli.js';

const seedDiff = readFileSync(join(import.meta.dirname, 'fixtures', 'seed', 'coredns-scale-up.diff'), 'utf8').split('\n');
const load = (name: string) => loadRuleset(loadScenario(name).sources);
const before = load('kube-coredns-2');
const after = load('kube-coredns-4');
const dir = mkdtempSync(join(tmpdir(), 'natsim-diff-'));
const plain = { red: (s: string) => s, green: (s: string) => s, cyan: (s: string) => s, bold: (s: string) => s, dim: (s: string) => s } as never;

/** Drop the comment match: the seed's 2021 kube-proxy wrote no `-> IP:port` comments on the service chains' rules. */
const noComment = (l: string): string => l.replace(/ -m comment --comment ("[^"]*"|\S+)/, '');

function capture(): { streams: { out: (s: string) => void; err: (s: string) => void }; out: () => string; err: () => string } {
  let o = '', e = '';
  return { streams: { out: (s) => { o += s; }, err: (s) => { e += s; } }, out: () => o, err: () => e };
}

describe('rule diff by chain', () => {
  const d = diffRulesets(before, after);
  const nat = d.tables.find((t) => t.table === 'nat')!;

  it('only nat changes: 6 chains added, 3 service chains changed (2 changed + 2 added rules each)', () => {
    expect(d.tables.map((t) => t.table)).toEqual(['nat']);
    expect(nat.chainsAdded).toEqual(['KUBE-SEP-232DQYSHL5HNRYWJ', 'KUBE-SEP-A4UL7OUXQPUR7Y7Q', 'KUBE-SEP-CPH3WXMLRJ2BZFXW', 'KUBE-SEP-SISP6ORRA37L3ZYK', 'KUBE-SEP-XNZERJBNXRGRQGMS', 'KUBE-SEP-XRFUWCXKVCLGWYQC']);
    expect(nat.chainsRemoved).toEqual([]);
    const svc = nat.chains.filter((c) => c.status === 'changed');
    expect(svc.map((c) => c.chain)).toEqual(['KUBE-SVC-ERIFXISQEP7F7OF4', 'KUBE-SVC-JD5MR3NA4I4DYORP', 'KUBE-SVC-TCOU7JCQXEZGVUNU']);
    for (const c of svc) expect([c.rulesBefore, c.rulesAfter, c.changed, c.added, c.removed]).toEqual([3, 5, 2, 2, 0]);
    expect(d.totals).toEqual({ chainsAdded: 6, chainsRemoved: 0, rulesAdded: 18, rulesRemoved: 0, rulesChanged: 6 });
  });

  it('holds every rule the seed\'s diff -u adds or removes, on the same side', () => {
    const lines = nat.chains.flatMap((c) => c.lines);
    const plus = new Set(lines.filter((l) => l.op === '+').map((l) => noComment(l.text)));
    const minus = new Set(lines.filter((l) => l.op === '-').map((l) => noComment(l.text)));
    const seedPlus = seedDiff.filter((l) => /^\+-A /.test(l)).map((l) => noComment(l.slice(1)));
    const seedMinus = seedDiff.filter((l) => /^--A /.test(l)).map((l) => noComment(l.slice(1)));
    expect(seedPlus).toHaveLength(24);
    expect(seedMinus).toHaveLength(6);
    for (const l of seedPlus) expect(plus, l).toContain(l);
    for (const l of seedMinus) expect(minus, l).toContain(l);
    // And nothing else changed (the seed's added -N lines are the added chains).
    expect(plus.size).toBe(seedPlus.length);
    expect(minus.size).toBe(seedMinus.length);
    const seedChains = seedDiff.filter((l) => /^\+-N /.test(l)).map((l) => l.slice(4));
    expect(seedChains).toEqual(nat.chainsAdded);
  });

  it('prints each chain as diff -u would, with the masquerade rule as context', () => {
    const text = formatRulesetDiff(d);
    expect(text).toContain('6 chains added, 0 removed; 18 rules added, 0 removed, 6 changed\n');
    expect(text).toContain('@@ KUBE-SEP-232DQYSHL5HNRYWJ: new chain, 2 rules @@\n+-A KUBE-SEP-232DQYSHL5HNRYWJ -s 10.244.0.7/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ\n');
    const block = text.slice(text.indexOf('@@ KUBE-SVC-TCOU7JCQXEZGVUNU'));
    expect(block.split('\n').slice(0, 8).map((l) => l.replace(/ -m comment --comment "[^"]*"/, ''))).toEqual([
      '@@ KUBE-SVC-TCOU7JCQXEZGVUNU: 3 → 5 rules; 2 changed, 2 added @@',
      ' -A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-MARK-MASQ',
      '--A KUBE-SVC-TCOU7JCQXEZGVUNU -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-LPGSDLJ3FDW46N4W',
      '--A KUBE-SVC-TCOU7JCQXEZGVUNU -j KUBE-SEP-IRMT6RY5EEEBXDAY',
      '+-A KUBE-SVC-TCOU7JCQXEZGVUNU -m statistic --mode random --probability 0.25000000000 -j KUBE-SEP-LPGSDLJ3FDW46N4W',
      '+-A KUBE-SVC-TCOU7JCQXEZGVUNU -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-IRMT6RY5EEEBXDAY',
      '+-A KUBE-SVC-TCOU7JCQXEZGVUNU -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-232DQYSHL5HNRYWJ',
      '+-A KUBE-SVC-TCOU7JCQXEZGVUNU -j KUBE-SEP-SISP6ORRA37L3ZYK',
    ]);
  });

  it('reports removed chains, policy changes and nothing for equal rulesets', () => {
    expect(diffRulesets(after, after).tables).toEqual([]);
    expect(formatRulesetDiff(diffRulesets(after, after))).toBe('no rule changes\n');
    const back = diffRulesets(after, before).tables[0]!;
    expect(back.chainsRemoved).toHaveLength(6);
    const a = loadRuleset([{ file: 'a', text: '*filter\n:INPUT ACCEPT [0:0]\n:X - [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j X\nCOMMIT\n' }]);
    const b = loadRuleset([{ file: 'b', text: '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n' }]);
    const t = formatRulesetDiff(diffRulesets(a, b));
    expect(t).toContain('chains removed (1): X\n');
    expect(t).toContain('@@ INPUT: 2 → 2 rules; 1 added, 1 removed, policy changed @@\n-:INPUT ACCEPT\n+:INPUT DROP\n -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n--A INPUT -j X\n+-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\n');
    expect(t).toContain('@@ X: chain removed, had 0 rules @@');
  });

  it('diffLines keeps order and context; targetKey pairs changed rules', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c', 'd'])).toEqual([
      { op: ' ', text: 'a' }, { op: '-', text: 'b' }, { op: '+', text: 'x' }, { op: ' ', text: 'c' }, { op: '+', text: 'd' },
    ]);
    expect(targetKey('-A X -m statistic --mode random --probability 0.5 -j KUBE-SEP-A')).toBe(' -j KUBE-SEP-A');
  });
});

describe('services found from the rules', () => {
  it('are the four cluster-IP service ports with their chains', () => {
    expect(findKubeServices(after).map((s) => `${s.name} ${s.address}/${s.protoName} ${s.chain}`)).toEqual([
      'default/kubernetes:https 10.96.0.1:443/tcp KUBE-SVC-NPX46M4PTMTKRN6Y',
      'kube-system/kube-dns:dns 10.96.0.10:53/udp KUBE-SVC-TCOU7JCQXEZGVUNU',
      'kube-system/kube-dns:dns-tcp 10.96.0.10:53/tcp KUBE-SVC-ERIFXISQEP7F7OF4',
      'kube-system/kube-dns:metrics 10.96.0.10:9153/tcp KUBE-SVC-JD5MR3NA4I4DYORP',
    ]);
  });
});

describe('expected shares before and after', () => {
  const sb = loadSide('kube-coredns-2', undefined, 'before');
  const sa = loadSide(undefined, 'kube-coredns-4', 'after');

  it('go from 1/2, 1/2 to 1/4, 2147483649/2³³, 4294967295/2³⁴, 4294967295/2³⁴ for every kube-dns port', () => {
    const list = serviceShares({ ...sb, host: sb.host! }, { ...sa, host: sa.host! }, {});
    expect(list.map((s) => s.name)).toEqual(['default/kubernetes:https', 'kube-system/kube-dns:dns', 'kube-system/kube-dns:dns-tcp', 'kube-system/kube-dns:metrics']);
    expect(list[0]!.unchanged).toBe(true);
    expect(list[0]!.rows.map((r) => [r.key, fractionText(r.after!)])).toEqual([['172.18.0.2:6443', '1']]);
    for (const s of list.slice(1)) {
      const port = s.name.endsWith('metrics') ? 9153 : 53;
      expect(s.exact).toBe(true);
      expect(s.rows.map((r) => [r.key, r.before && fractionText(r.before), r.after && fractionText(r.after)])).toEqual([
        [`10.244.0.5:${port}`, '1/2', '1/4'],
        [`10.244.0.6:${port}`, '1/2', '2147483649/8589934592'],
        [`10.244.0.7:${port}`, null, '4294967295/17179869184'],
        [`10.244.0.8:${port}`, null, '4294967295/17179869184'],
      ]);
    }
  });

  it('--to narrows to one service; without --proto, every protocol at that address', () => {
    const one = serviceShares({ ...sb, host: sb.host! }, { ...sa, host: sa.host! }, { to: '10.96.0.10:53', proto: 'udp' });
    expect(one.map((s) => s.name)).toEqual(['kube-system/kube-dns:dns']);
    const both = serviceShares({ ...sb, host: sb.host! }, { ...sa, host: sa.host! }, { to: '10.96.0.10:53' });
    expect(both.map((s) => s.proto)).toEqual(['udp', 'tcp']);
    expect(() => serviceShares({ ...sb, host: sb.host! }, { ...sa, host: sa.host! }, { to: '10.96.0.99:53' })).toThrow(/--proto/);
  });

  it('prints the rule diff and a share table (natsim diff kube-coredns-2 kube-coredns-4 --to 10.96.0.10:53 --proto udp)', () => {
    const c = capture();
    runDiff({ before: 'kube-coredns-2', after: 'kube-coredns-4', to: '10.96.0.10:53', proto: 'udp' }, c.streams, plain);
    const out = c.out();
    expect(out).toMatch(/^--- scenario kube-coredns-2\n\+\+\+ scenario kube-coredns-4\n/);
    expect(out).toContain('kube-system/kube-dns:dns  10.96.0.10:53 udp  (KUBE-SVC-TCOU7JCQXEZGVUNU)\n');
    expect(out).toMatch(/10\.244\.0\.6:53 +1\/2 +0\.5000000000000 +2147483649\/8589934592 +0\.2500000001164\n/);
    expect(out).toMatch(/10\.244\.0\.8:53 +— +4294967295\/17179869184 +0\.2499999999418\n/);
    expect(c.err()).toBe('');
  });

  it('works on plain rules files with --host, and as JSON through the CLI', async () => {
    const b = join(dir, 'before.rules');
    const a = join(dir, 'after.rules');
    writeFileSync(b, readFileSync(join(import.meta.dirname, '..', 'scenarios', 'kube-coredns-2', 'node.rules')));
    writeFileSync(a, readFileSync(join(import.meta.dirname, '..', 'scenarios', 'kube-coredns-4', 'node.rules')));
    const c = capture();
    const status = await main(['diff', b, a, '--host', join(import.meta.dirname, '..', 'scenarios', 'kube-coredns-4', 'host.json'), '--to', '10.96.0.10:9153', '--json'], c.streams);
    expect(status).toBe(0);
    const j = JSON.parse(c.out());
    expect(j.rules.totals.chainsAdded).toBe(6);
    expect(j.services).toHaveLength(1);
    expect(j.services[0].rows.map((r: { endpoint: string; after: { fraction: string } }) => `${r.endpoint} ${r.after.fraction}`)).toEqual([
      '10.244.0.5:9153 1/4', '10.244.0.6:9153 2147483649/8589934592', '10.244.0.7:9153 4294967295/17179869184', '10.244.0.8:9153 4294967295/17179869184',
    ]);
  });

  it('clear errors: a missing side, a folder without scenario.json, mixed families', async () => {
    const c = capture();
    expect(await main(['diff', 'kube-coredns-2'], c.streams)).toBe(2);
    expect(c.err()).toMatch(/missing the after ruleset/);
    const c2 = capture();
    expect(await main(['diff', dir, 'kube-coredns-4', '--rules-only'], c2.streams)).toBe(2);
    expect(c2.err()).toMatch(/is a folder without scenario\.json/);
  });
});
