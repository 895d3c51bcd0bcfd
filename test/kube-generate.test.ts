/**
 * The kube-proxy ruleset generator: chain-name recipe, probability texts, both dialects, the
 * kernel's own iptables-save of the generated rules (fixtures), and natsim's load/save fixpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableBlocks } from './helpers/save-text.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { generateKubeRuleset, goFixed10, kubeProbability, savedProbability, type KubeNode } from '../sim/kube/generate.js';
import { base32, chainHash, endpointChain, serviceChains } from '../sim/kube/names.js';
import { EXAMPLE_NODE, OVERALL_SERVICES, VARIETY_SERVICES, syntheticCluster } from '../sim/kube/examples.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures/kube', name), 'utf8');
const FLAGS_NODE: KubeNode = {
  ...EXAMPLE_NODE, localhostNodePorts: false, masqueradeAll: true, conntrackTCPLiberal: true,
  canaries: false, randomFully: false, largeClusterMode: true, masqueradeMark: 0x8000,
};
const all = generateKubeRuleset([...OVERALL_SERVICES, ...VARIETY_SERVICES], EXAMPLE_NODE);
const flags = generateKubeRuleset(VARIETY_SERVICES, FLAGS_NODE);

/** The `-A` lines of one table of a text. */
function tableRules(text: string, table: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) cur = line.slice(1);
    else if (cur === table && line.startsWith('-A ')) out.push(line);
  }
  return out;
}

describe('chain names (sha256 → base32 → 16 characters)', () => {
  it('matches the four check values', () => {
    expect(serviceChains('kube-system/kube-dns:dns', 'udp').svc).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(serviceChains('default/kubernetes:https', 'tcp').svc).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(serviceChains('ns1/svc1:p80', 'TCP').svc).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
  });

  it('uses one hash for SVC, SVL, EXT and FW', () => {
    const c = serviceChains('ns5/svc5:p80', 'tcp');
    expect(c).toEqual({ svc: 'KUBE-SVC-NUKIZ6OKUXPJNT4C', svl: 'KUBE-SVL-NUKIZ6OKUXPJNT4C', ext: 'KUBE-EXT-NUKIZ6OKUXPJNT4C', fw: 'KUBE-FW-NUKIZ6OKUXPJNT4C' });
    expect(chainHash('')).toHaveLength(16);
  });

  it('encodes base32 as RFC 4648 (test vectors)', () => {
    const enc = (s: string): string => base32(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc))
      .toEqual(['', 'MY======', 'MZXQ====', 'MZXW6===', 'MZXW6YQ=', 'MZXW6YTB', 'MZXW6YTBOI======']);
  });
});

describe('probabilities', () => {
  it('writes %0.10f of 1/(n−i) with Go rounding (ties to even on the exact double)', () => {
    expect([2, 3, 4, 7].map(kubeProbability)).toEqual(['0.5000000000', '0.3333333333', '0.2500000000', '0.1428571429']);
    expect(goFixed10(1 / 2048)).toBe('0.0004882812'); // exact tie: JavaScript's toFixed gives …813
    expect(goFixed10(1)).toBe('1.0000000000');
  });

  it('reads back as the kernel stores it', () => {
    expect(savedProbability('0.3333333333')).toBe('0.33333333349');
    expect(savedProbability('0.33333')).toBe('0.33332999982');
    expect(savedProbability('0.5000000000')).toBe('0.50000000000');
    expect(savedProbability('0.2500000000')).toBe('0.25000000000');
  });
});

describe('generated dump against the kernel', () => {
  it('is what iptables-legacy-save printed after base + restore (default flags)', () => {
    expect(all.dump).toBe(fixture('overall-variety.kernel-save'));
  });

  it('is what iptables-legacy-save printed after base + restore (other flags)', () => {
    expect(flags.dump).toBe(fixture('variety-flags.kernel-save'));
  });

  it('is deterministic', () => {
    const again = generateKubeRuleset([...OVERALL_SERVICES, ...VARIETY_SERVICES], EXAMPLE_NODE);
    expect(again).toEqual(all);
  });
});

describe('restore-input dialect', () => {
  const lines = all.restore.split('\n');

  it('declares only the chains kube-proxy writes, filter then nat', () => {
    expect(lines.filter((l) => l.startsWith('*'))).toEqual(['*filter', '*nat']);
    const chains = lines.filter((l) => l.startsWith(':'));
    expect(chains.every((l) => /^:KUBE-[A-Z0-9-]+ - \[0:0\]$/.test(l))).toBe(true);
    expect(chains).not.toContain(':KUBE-PROXY-CANARY - [0:0]');
    expect(lines.some((l) => l.startsWith('-A INPUT') || l.startsWith('-A PREROUTING'))).toBe(false);
  });

  it('puts -m comment first, writes no /32 and probabilities with 10 decimals', () => {
    const rules = lines.filter((l) => l.startsWith('-A '));
    for (const r of rules.filter((l) => l.includes(' -m comment '))) expect(r).toMatch(/^-A \S+ -m comment --comment /);
    expect(all.restore).not.toContain('/32');
    expect(all.restore).toContain('-m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O');
    const probs = [...all.restore.matchAll(/--probability (\S+)/g)].map((m) => m[1]);
    expect(probs.length).toBeGreaterThan(0);
    expect(probs.every((p) => /^0\.\d{10}$/.test(p!))).toBe(true);
    const saved = [...all.dump.matchAll(/--probability (\S+)/g)].map((m) => m[1]);
    expect(saved.every((p) => /^0\.\d{11}$/.test(p!))).toBe(true);
  });

  it('rejects traffic to a service without endpoints in filter', () => {
    const filter = tableRules(all.dump, 'filter');
    expect(filter).toContain('-A KUBE-SERVICES -d 172.30.0.46/32 -p tcp -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable');
    expect(filter.filter((r) => r.includes('ns12/empty:dns has no endpoints') && r.endsWith('-j REJECT --reject-with icmp-port-unreachable'))).toHaveLength(4);
    expect(tableRules(all.dump, 'nat').some((r) => r.includes('ns6/svc6') || r.includes('ns12/empty'))).toBe(false);
  });

  it('costs 2 + 3E nat rules and 1 + E chains per ClusterIP service port, plus fixed ones', () => {
    const small = generateKubeRuleset(syntheticCluster(10, 3), { ...EXAMPLE_NODE, canaries: false });
    // Fixed rules: the PREROUTING/OUTPUT/POSTROUTING jumps (3), KUBE-POSTROUTING (3),
    // KUBE-MARK-MASQ (1) and the KUBE-NODEPORTS jump (1); fixed chains: 4 built-in + 4 KUBE-.
    expect(small.counts.nat!.rules).toBe(10 * (2 + 3 * 3) + 8);
    expect(small.counts.nat!.chains).toBe(4 + 4 + 10 * 4);
  });
});

describe('large-cluster mode', () => {
  it('drops endpoint comments above 1000 endpoints', () => {
    const big = generateKubeRuleset(syntheticCluster(334, 3), EXAMPLE_NODE);
    const nat = tableRules(big.dump, 'nat');
    expect(nat.filter((r) => r.startsWith('-A KUBE-SEP-')).every((r) => !r.includes('-m comment'))).toBe(true);
    expect(nat.filter((r) => r.startsWith('-A KUBE-SVC-') && r.includes('-j KUBE-SEP-')).every((r) => !r.includes('-m comment'))).toBe(true);
    expect(nat.some((r) => r.includes('"ns0/svc0:http cluster IP"'))).toBe(true);
    const small = generateKubeRuleset(syntheticCluster(333, 3), EXAMPLE_NODE);
    expect(tableRules(small.dump, 'nat').some((r) => r.startsWith('-A KUBE-SEP-') && r.includes('-m comment'))).toBe(true);
  });
});

// These load the text through natsim; they need the extension modules (tcp, udp, sctp, conntrack,
// addrtype, recent, DNAT, MASQUERADE, REJECT …) that are still being written.
describe('through natsim', () => {
  for (const [name, gen] of [['default flags', all], ['other flags', flags]] as const) {
    it(`canonical dump is a load/save fixpoint (${name})`, () => {
      const rs = loadRuleset([{ text: gen.dump, file: 'dump' }]);
      expect(tableBlocks(saveRuleset(rs, { comments: false }))).toEqual(tableBlocks(gen.dump));
    });

    it(`restore dialect on top of base saves as the dump, table by table (K20, ${name})`, () => {
      const rs = loadRuleset([{ text: gen.base, file: 'base' }, { text: gen.restore, file: 'restore' }], { noflush: true });
      for (const table of ['filter', 'nat', 'mangle']) {
        const want = gen.dump.includes(`*${table}\n`) ? gen.dump.slice(gen.dump.indexOf(`*${table}\n`)).replace(/(\nCOMMIT\n)[\s\S]*$/, '$1') : '';
        expect(saveRuleset(rs, { table, comments: false })).toBe(want);
      }
    });
  }

  it('a large-cluster dump (1200 endpoints) is a fixpoint', () => {
    const big = generateKubeRuleset(syntheticCluster(400, 3), EXAMPLE_NODE);
    const rs = loadRuleset([{ text: big.dump, file: 'big' }]);
    expect(tableBlocks(saveRuleset(rs, { comments: false }))).toEqual(tableBlocks(big.dump));
  });
});
