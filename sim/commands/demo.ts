/**
 * `natsim demo`: the seed's story on the built-in kube-seed scenario — kube-proxy's restore input
 * for kube-dns with 4 coredns pods, what the kernel stores for each `--probability`, and the exact
 * share of new connections each pod gets from those stored values.
 */
import type { ChalkInstance } from 'chalk';
import { loadRuleset } from '../../engine/ruleset/load.js';
import type { Chain, Ruleset } from '../../engine/ruleset/model.js';
import { ruleText } from '../../engine/ruleset/save.js';
import { formatProbability, type StatisticState } from '../../engine/ext/match/statistic.js';
import { loadScenario } from '../scenario.js';
import { chainSplit, frac, toDecimal, toNumber } from '../split.js';
import type { Streams } from '../cli.js';
import { Engine, type PathStep } from '../../engine/engine.js';
import { buildPacket } from '../../engine/packet.js';
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { formatPath } from '../path-report.js';
import { runFlows } from './flows.js';

const SERVICE_CHAIN = 'KUBE-SVC-TCOU7JCQXEZGVUNU';

/** The DNAT destination of a kube-proxy endpoint chain (KUBE-SEP-*), if it has one. */
export function endpointOf(rs: Ruleset, sepChain: string): string | null {
  const c = rs.tables.get('nat')?.chains.get(sepChain);
  for (const r of c?.rules ?? []) {
    if (r.target.kind === 'ext' && r.target.ext.name === 'DNAT') {
      const saved = r.target.ext.save(r.target.state, rs.family);
      const m = /--to-destination (\S+)/.exec(saved);
      if (m) return m[1]!;
    }
  }
  return null;
}

/** Run the demo, writing to `streams.out`. */
export function runDemo(streams: Streams, c: ChalkInstance): void {
  const out = (s = ''): void => streams.out(s + '\n');
  const sc = loadScenario('kube-seed');
  const rs = loadRuleset(sc.sources, { noflush: true });
  const nat = rs.tables.get('nat')!;
  const svc: Chain = nat.chains.get(SERVICE_CHAIN)!;

  out(c.bold('natsim demo — the seed: kube-dns behind kube-proxy, coredns scaled to 4 pods'));
  out();
  out(`Ruleset: ${sc.sources.map((s) => s.file).join(' then ')} (the second with --noflush, as kube-proxy restores).`);
  out();
  out(c.bold('1. What kube-proxy wrote, and what the kernel keeps'));
  const written = sc.sources[1]!.text.split('\n').filter((l) => l.startsWith(`-A ${SERVICE_CHAIN} `));
  for (const l of written) out(`   ${c.dim('in ')} ${l}`);
  for (const r of svc.rules) out(`   ${c.green('out')} ${ruleText(rs.family, svc.name, r)}`);
  out();
  out('   The kernel stores each probability p as P = round(p·2^31) and a rule matches when a 31-bit');
  out('   random number is below P; iptables-save prints P/2^31 with 11 decimals, so 0.3333333333');
  out('   reads back as 0.33333333349.');
  out();
  out(c.bold('2. The exact share of new connections per pod (no sampling)'));
  const { branches } = chainSplit(svc);
  const rows = branches.map((b, i) => {
    const st = svc.rules[b.rule - 1]!.matches.find((m) => m.ext.name === 'statistic')?.state as StatisticState | undefined;
    return {
      n: i + 1,
      pod: endpointOf(rs, b.target) ?? b.target,
      written: st ? formatProbability(st.probability) : '(rest)',
      P: st ? String(st.probability) : '-',
      share: b.share,
    };
  });
  out(`   ${'#'.padEnd(2)} ${'pod'.padEnd(16)} ${'saved p'.padEnd(14)} ${'stored P'.padEnd(11)} ${'exact share'.padEnd(26)} ${'decimal'.padEnd(16)} vs 1/4`);
  for (const r of rows) {
    const dev = (toNumber(r.share) - 0.25) * 1e9;
    const fracText = `${r.share.num}/${r.share.den}`;
    out(`   ${String(r.n).padEnd(2)} ${r.pod.padEnd(16)} ${r.written.padEnd(14)} ${r.P.padEnd(11)} ${fracText.padEnd(26)} ${toDecimal(r.share).padEnd(16)} ${dev >= 0 ? '+' : ''}${dev.toFixed(3)} ppb`);
  }
  const total = branches.reduce((acc, b) => frac(acc.num * b.share.den + b.share.num * acc.den, acc.den * b.share.den), { num: 0n, den: 1n });
  out();
  out(`   The shares sum to ${total.num}/${total.den}. The first pod gets exactly 1/4; the 31-bit rounding of 1/3`);
  out('   gives the second a hair more, and the last two split what is left equally.');
  out();
  out(c.bold('3. One DNS query through the node'));
  const engine = new Engine({ ruleset: loadRuleset(sc.sources, { noflush: true }), host: sc.host!, seed: 'demo', trace: true });
  const q = buildPacket({ src: [parseIPv4Strict('172.18.0.100')!], dst: [parseIPv4Strict('10.96.0.10')!], proto: 17, sport: 40000, dport: 53 });
  const r = engine.receive(q, 'eth0');
  const keep = (st: PathStep): boolean => st.kind !== 'rule' || st.step.matched;
  out(formatPath({ ...r, steps: r.steps.filter(keep) }, rs.family, c, engine.now).split('\n').map((l) => '   ' + l).join('\n'));
  out(c.dim('   (rules that did not match are left out here; natsim packet shows them all)'));
  out();
  const N = 10000;
  out(c.bold(`4. The scale-up: ${N.toLocaleString('en-US')} new DNS connections before (2 coredns pods) and after (4 pods)`));
  const sides = ['kube-coredns-2', 'kube-coredns-4'].map((name) => {
    const s2 = loadScenario(name);
    const rs2 = loadRuleset(s2.sources, { noflush: s2.spec.noflush ?? false });
    const r2 = runFlows(rs2, s2.host!, { rules: [], proto: 'udp', count: N, packetsPerConnection: 1, reply: true, seed: 'demo', json: false, allServices: false, interval: 1, in: 'eth0' }, { addr: [parseIPv4Strict('10.96.0.10')!], port: 53, family: 'ipv4' }, 17);
    return { name, r: r2 };
  });
  const endpoints = [...new Set(sides.flatMap((x) => x.r.comparison.endpoints.map((e) => e.endpoint)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  out(`   ${'pod'.padEnd(15)} ${'before: observed'.padStart(17)} ${'expected'.padStart(9)}   ${'after: observed'.padStart(16)} ${'expected'.padStart(9)}`);
  for (const ep of endpoints) {
    const cell = (i: number): string => {
      const e = sides[i]!.r.comparison.endpoints.find((x) => x.endpoint === ep);
      if (!e) return `${'—'.padStart(17 - (i ? 1 : 0))} ${''.padStart(9)}`;
      return `${`${e.observed} (${(e.share * 100).toFixed(1)}%)`.padStart(17 - (i ? 1 : 0))} ${`${(e.expected * 100).toFixed(2)}%`.padStart(9)}`;
    };
    out(`   ${ep.padEnd(15)} ${cell(0)}   ${cell(1)}`);
  }
  for (const x of sides) {
    const cmp = x.r.comparison;
    out(`   ${x.name}: χ² ${cmp.chiSquare.toFixed(3)}, ${cmp.degreesOfFreedom} df, p = ${cmp.pValue.toFixed(3)} — ${cmp.pValue > 0.05 ? c.green(cmp.verdict) : c.red(cmp.verdict)}; ${x.r.repliesUnNated.toLocaleString('en-US')}/${x.r.replies.toLocaleString('en-US')} replies un-NATed to the client`);
  }
  out('   Before: 1/2 and 1/2. After: kube-proxy writes 1/4, 1/3, 1/2 and a last rule without a');
  out('   probability; each later rule sees only what the earlier ones let through, so every pod gets 1/4');
  out('   (up to the 31-bit rounding of 1/3). `natsim diff kube-coredns-2 kube-coredns-4` shows the rule changes.');
  out();
  out(c.dim(`Try: natsim packet --scenario kube-seed --in eth0 --src 172.18.0.100:40000 --dst 10.96.0.10:53 --proto udp --reply`));
  out(c.dim(`     natsim rules save --scenario kube-seed -t nat   (the whole nat table as iptables-save prints it)`));
}
