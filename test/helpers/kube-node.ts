/**
 * A kube-proxy node for behaviour tests, in the flavour of kube-proxy's own tests: node1 with
 * 192.168.0.2/24 on eth0 (default route via 192.168.0.1), pods on 10.0.0.0/8 behind the bridge
 * cni0 (the bridge holds 10.0.0.1; endpoints are 10.180.x.y), cluster IPs in 172.30.0.0/16.
 * The ruleset is what the generator writes for a list of services (`sim/kube/generate.ts`),
 * loaded either as the node's canonical `iptables-save` dump or as kubelet's base plus
 * kube-proxy's own `iptables-restore --noflush` input. Traffic helpers drive single packets and
 * whole connections (`sim/traffic.ts`) through the Engine, and read from a packet's trace which
 * rule decided it.
 */
import { Engine, type PacketResult } from '../../engine/engine.js';
import type { ConntrackConfig } from '../../engine/conntrack/table.js';
import { hostFromSpec, type Host } from '../../engine/host/host.js';
import { quantizeProbability } from '../../engine/ext/match/statistic.js';
import { loadRuleset, type RulesetSource } from '../../engine/ruleset/load.js';
import { ruleText } from '../../engine/ruleset/save.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { generateKubeRuleset, type KubeNode, type KubeRuleset, type KubeService } from '../../sim/kube/generate.js';
import { runConnection, type ConnectionOutcome } from '../../sim/traffic.js';
import { addr, packet } from './engine.js';

/** The node's address on eth0. */
export const NODE_IP = '192.168.0.2';
/** The bridge's address: what MASQUERADE picks for packets leaving through cni0. */
export const CNI_IP = '10.0.0.1';
/** kube-proxy's node: `--cluster-cidr 10.0.0.0/8`, every other flag at its default. */
export const NODE: KubeNode = { name: 'node1', ip: NODE_IP, podCIDR: '10.0.0.0/8' };

/** The node's interfaces and routes. */
export function kubeHost(routeLocalnet = true): Host {
  // kube-proxy sets route_localnet for localhost NodePorts (its default).
  return hostFromSpec({
    routeLocalnet,
    interfaces: [
      { name: 'eth0', addrs: [`${NODE_IP}/24`], mac: '02:00:c0:a8:00:02' },
      { name: 'cni0', addrs: [`${CNI_IP}/24`], mac: '02:00:0a:00:00:01' },
    ],
    routes: ['default via 192.168.0.1 dev eth0', '10.0.0.0/8 dev cni0'],
  });
}

/** How to build a node. */
export interface KubeNodeOptions {
  node?: Partial<KubeNode>;
  seed?: string;
  /** `dump`: the canonical iptables-save (default); `restore`: base, then kube-proxy's input with --noflush. */
  dialect?: 'dump' | 'restore';
  /** Extra restore text applied last with --noflush (a policy, a LOG rule …). */
  extra?: string;
  trace?: boolean;
  /** Conntrack sysctls (`nf_conntrack_tcp_be_liberal` …). */
  conntrack?: ConntrackConfig;
}

/** A node: the generated texts, the loaded ruleset and an engine running it. */
export interface KubeTestNode {
  gen: KubeRuleset;
  ruleset: Ruleset;
  engine: Engine;
}

/** The ruleset of `gen` in one dialect, plus `extra`. */
export function loadKube(gen: KubeRuleset, dialect: 'dump' | 'restore' = 'dump', extra?: string): Ruleset {
  const sources: RulesetSource[] = dialect === 'dump'
    ? [{ text: gen.dump, file: 'iptables-save' }]
    : [{ text: gen.base, file: 'base' }, { text: gen.restore, file: 'kube-proxy-restore' }];
  if (extra !== undefined) sources.push({ text: extra, file: 'extra' });
  return loadRuleset(sources, { noflush: true });
}

/** Generate the rules of `services`, load them and start an engine on the node. */
export function kubeNode(services: readonly KubeService[], o: KubeNodeOptions = {}): KubeTestNode {
  const gen = generateKubeRuleset(services, { ...NODE, ...o.node });
  const ruleset = loadKube(gen, o.dialect, o.extra);
  const engine = new Engine({ ruleset, host: kubeHost(o.node?.localhostNodePorts ?? NODE.localhostNodePorts ?? true), seed: o.seed ?? 'kube', trace: o.trace ?? true, ...(o.conntrack ? { conntrack: o.conntrack } : {}) });
  return { gen, ruleset, engine };
}

/** An engine on an already generated ruleset (canonical dump), with tracing off. */
export function kubeEngineFrom(gen: KubeRuleset, seed: string): Engine {
  return new Engine({ ruleset: loadKube(gen), host: kubeHost(), seed, trace: false });
}

/** Protocol numbers. */
export const TCP = 6, UDP = 17, SCTP = 132;
/** TCP flags. */
export const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

/** One packet arriving on `iface`. */
export function arrive(e: Engine, iface: string, p: { src: string; dst: string; proto: number; sport: number; dport: number; tcpFlags?: number; seq?: number; ack?: number }): PacketResult {
  return e.receive(packet(p), iface);
}

/** One packet the node sends. */
export function sendLocal(e: Engine, p: { src: string; dst: string; proto: number; sport: number; dport: number; tcpFlags?: number }): PacketResult {
  return e.send(packet(p));
}

/** A whole connection (UDP datagrams + reply, or TCP handshake/data/close) from `from` (`local`: the node). */
export function connect(e: Engine, c: { from: string; src: string; sport: number; dst: string; dport: number; proto: 6 | 17 | 132; reply?: boolean; packets?: number }): ConnectionOutcome {
  return runConnection(e, { family: 'ipv4', proto: c.proto, src: addr(c.src), sport: c.sport, dst: addr(c.dst), dport: c.dport, from: c.from, reply: c.reply ?? true, packets: c.packets ?? 2 });
}

/** `ip:port` a packet left with. */
export function dest(r: PacketResult): string {
  return `${r.after.dst}:${r.after.dport}`;
}

/** The rules of a traced packet that matched in `table`, as `CHAIN#n action`. */
export function matched(r: PacketResult, table?: string): string[] {
  const out: string[] = [];
  for (const s of r.steps) {
    if (s.kind === 'rule' && s.step.matched && (table === undefined || s.step.table === table)) out.push(`${s.step.chain}#${s.step.num} ${s.step.action ?? ''}`.trim());
  }
  return out;
}

/** The last matched rule of a table that ended the traversal: `CHAIN#n action`. */
export function decidedBy(r: PacketResult, table: string, hook?: string): string | null {
  let last: string | null = null;
  for (const s of r.steps) {
    if (s.kind === 'rule' && s.step.matched && s.step.table === table && (hook === undefined || s.step.hook === hook)) last = `${s.step.chain}#${s.step.num} ${s.step.action ?? ''}`.trim();
  }
  return last;
}

/**
 * The rule (as iptables-save prints it) or the policy (`:CHAIN POLICY`) that last matched in
 * `table`, optionally at one hook: for a filter decision, the rule that accepted or dropped.
 */
export function decidingRule(r: PacketResult, table: string, hook?: string): string | null {
  let text: string | null = null;
  for (const s of r.steps) {
    if (s.kind !== 'rule' || !s.step.matched || s.step.table !== table || (hook !== undefined && s.step.hook !== hook)) continue;
    const en = s.step.entry;
    text = en.kind === 'rule' ? ruleText('ipv4', en.chain.name, en.rule) : `:${en.chain.name} ${en.policy ?? '-'}`;
  }
  return text;
}

/** Whether the nat table was consulted for this packet. */
export function sawNatTable(r: PacketResult): boolean {
  return r.steps.some((s) => s.kind === 'rule' && s.step.table === 'nat');
}

/**
 * The shares of n endpoints behind kube-proxy's statistic rules, from the probability texts as
 * iptables-save prints them: endpoint i gets q_i·Π_{j<i}(1−q_j), the last one the remainder, with
 * q = round(p·2³¹)/2³¹ as the kernel stores and tests it.
 */
export function exactShares(probabilities: readonly string[]): number[] {
  const q = probabilities.map((p) => quantizeProbability(Number(p)) / 2 ** 31);
  const out: number[] = [];
  let rest = 1;
  for (const qi of q) { out.push(rest * qi); rest *= 1 - qi; }
  out.push(rest);
  return out;
}

/** Pearson's chi-square statistic of observed counts against expected shares. */
export function chiSquare(observed: readonly number[], shares: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((acc, o, i) => acc + (o - n * shares[i]!) ** 2 / (n * shares[i]!), 0);
}

/** Chi-square critical values for p = 0.001 by degrees of freedom. */
export const CHI2_P001: Readonly<Record<number, number>> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458 };

/** The `-A chain` lines of one table of an iptables-save text. */
export function tableLines(text: string, table: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) cur = line.slice(1);
    else if (cur === table && line.startsWith('-A ')) out.push(line);
  }
  return out;
}
