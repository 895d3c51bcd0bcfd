/**
 * A generator of kube-proxy-style iptables rulesets (iptables mode of a recent kube-proxy, v1.2x,
 * IPv4). From a short list of services and the node's settings it writes:
 * - `restore`: kube-proxy's own restore input (`iptables-restore --noflush` dialect: `-m comment`
 *   first, `-m tcp -p tcp`, addresses without `/32`, only the chains it writes are declared);
 * - `base`: what kubelet and kube-proxy install with single iptables commands before that
 *   (built-in chain jumps, canaries, KUBE-FIREWALL), as a normal restore file;
 * - `dump`: the node's `iptables-save` output (without the `#` comment lines) after both, in
 *   canonical form (`-d x/32 -p tcp -m comment … -m tcp --dport`, kernel-quantised probabilities).
 * Every rule is built once as a list of parts and printed in both dialects, so the three texts
 * always describe the same rules. The output is deterministic: services and ports keep their
 * input order, endpoints are sorted by `IP:port` as kube-proxy sorts them.
 */
import { applyMask, formatPrefix, maskFromLength, parseIPv4Strict } from '../../engine/net/addr.js';
import { formatProbability, quantizeProbability } from '../../engine/ext/match/statistic.js';
import { saveString } from '../../engine/ext/values.js';
import { endpointChain, serviceChains, servicePortName } from './names.js';

/** Service protocols kube-proxy handles. */
export type KubeProtocol = 'tcp' | 'udp' | 'sctp';

/** One port of a Service. */
export interface KubeServicePort {
  /** Port name (may be empty for a single unnamed port). */
  name: string;
  port: number;
  protocol: KubeProtocol;
  /** Endpoint port; defaults to `port`. */
  targetPort?: number;
  /** Node port (used for NodePort and LoadBalancer services). */
  nodePort?: number;
}

/** One endpoint (an EndpointSlice address). */
export interface KubeEndpoint {
  ip: string;
  /** Node the endpoint runs on; it is local when this is the generator's node. */
  nodeName?: string;
  /** Overrides the nodeName test. */
  local?: boolean;
  /** Ready condition; default true. Endpoints that are not ready get no rules. */
  ready?: boolean;
}

/** A Service with its endpoints. */
export interface KubeService {
  namespace: string;
  name: string;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  clusterIP: string;
  ports: KubeServicePort[];
  externalIPs?: string[];
  /** LoadBalancer ingress IPs (status.loadBalancer.ingress[].ip). */
  loadBalancerIPs?: string[];
  loadBalancerSourceRanges?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  /** `ClientIP` session affinity; timeout defaults to 10800 s. */
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityTimeout?: number;
  /** Health-check node port (LoadBalancer with externalTrafficPolicy Local). */
  healthCheckNodePort?: number;
  endpoints: KubeEndpoint[];
}

/** The node kube-proxy runs on, and kube-proxy's flags that change the rules. */
export interface KubeNode {
  name: string;
  ip: string;
  /** Pod CIDR used by the local-traffic detector (`--cluster-cidr`), e.g. 10.244.0.0/16. */
  podCIDR: string;
  /** Masquerade mark bit value; default 0x4000 (`--iptables-masquerade-bit 14`). */
  masqueradeMark?: number;
  /** `--iptables-localhost-nodeports`; default true. */
  localhostNodePorts?: boolean;
  /** MASQUERADE `--random-fully` (iptables and kernel support it); default true. */
  randomFully?: boolean;
  /** `--masquerade-all`; default false. */
  masqueradeAll?: boolean;
  /** Comments on endpoint rules are dropped above 1000 endpoints; force it either way here. */
  largeClusterMode?: boolean;
  /** nf_conntrack_tcp_be_liberal set: no INVALID drop rule; default false. */
  conntrackTCPLiberal?: boolean;
  /** Include the kubelet/kube-proxy canary chains (and the mangle table); default true. */
  canaries?: boolean;
}

/** The generated texts. */
export interface KubeRuleset {
  /** Chains and jump rules installed before the first restore (a normal restore file). */
  base: string;
  /** kube-proxy's restore input, to be restored with `--noflush` on top of `base`. */
  restore: string;
  /** The node's `iptables-save` after base + restore, canonical, without `#` lines. */
  dump: string;
  /** Rule counts of the dump per table. */
  counts: Record<string, { chains: number; rules: number }>;
}

// ---------------------------------------------------------------------------------------------
// Rules as parts, printed in both dialects.

type Part =
  | { k: 'src' | 'dst'; addr: string; inv: boolean }
  | { k: 'proto'; proto: KubeProtocol }
  | { k: 'm'; name: string; rs: string; sv: string }
  | { k: 'port'; rs: string; sv: string }
  | { k: 'j'; name: string; rs: string; sv: string };

/** One rule of a chain, printable as restore input and as iptables-save prints it. */
export class GenRule {
  private readonly parts: Part[] = [];
  constructor(readonly chain: string) {}

  /** `-m comment --comment text` (quoted in restore input when it has a space, as kube-proxy writes it). */
  comment(text: string): this {
    const rs = / /.test(text) ? `"${text}"` : text;
    return this.match('comment', ` --comment ${rs}`, ` --comment ${saveString(text)}`);
  }
  /** `-m name` with its options in both dialects. */
  match(name: string, rs: string, sv: string = rs): this {
    this.parts.push({ k: 'm', name, rs, sv });
    return this;
  }
  /** kube-proxy's `-m proto -p proto`. */
  proto(p: KubeProtocol): this {
    this.parts.push({ k: 'm', name: p, rs: '', sv: '' });
    this.parts.push({ k: 'proto', proto: p });
    return this;
  }
  /** `-p proto` alone (the protocol match is loaded by a later port option). */
  protoOnly(p: KubeProtocol): this {
    this.parts.push({ k: 'proto', proto: p });
    return this;
  }
  /** `[!] -s addr`. */
  src(addr: string, inv = false): this {
    this.parts.push({ k: 'src', addr, inv });
    return this;
  }
  /** `[!] -d addr`. */
  dst(addr: string, inv = false): this {
    this.parts.push({ k: 'dst', addr, inv });
    return this;
  }
  /** `--dport n`, an option of the protocol match. */
  dport(n: number): this {
    this.parts.push({ k: 'port', rs: ` --dport ${n}`, sv: ` --dport ${n}` });
    return this;
  }
  /** `-j target` with options in both dialects. */
  jump(name: string, rs = '', sv: string = rs): this {
    this.parts.push({ k: 'j', name, rs, sv });
    return this;
  }

  /** The rule as kube-proxy writes it (`-A CHAIN …`, parts in the order given). */
  restoreText(): string {
    let s = `-A ${this.chain}`;
    for (const p of this.parts) {
      switch (p.k) {
        case 'src': s += `${p.inv ? ' !' : ''} -s ${p.addr}`; break;
        case 'dst': s += `${p.inv ? ' !' : ''} -d ${p.addr}`; break;
        case 'proto': s += ` -p ${p.proto}`; break;
        case 'm': s += ` -m ${p.name}${p.rs}`; break;
        case 'port': s += p.rs; break;
        case 'j': s += ` -j ${p.name}${p.rs}`; break;
      }
    }
    return s;
  }

  /** The rule as iptables-save prints it: -s -d -p, then the matches in order, then the target. */
  saveText(): string {
    let src = '';
    let dst = '';
    let proto = '';
    let target = '';
    const matches: { name: string; sv: string }[] = [];
    let protoMatch: { name: string; sv: string } | null = null;
    for (const p of this.parts) {
      switch (p.k) {
        case 'src': src = `${p.inv ? ' !' : ''} -s ${canonicalPrefix(p.addr)}`; break;
        case 'dst': dst = `${p.inv ? ' !' : ''} -d ${canonicalPrefix(p.addr)}`; break;
        case 'proto': proto = ` -p ${p.proto}`; break;
        case 'm': {
          const m = { name: p.name, sv: p.sv };
          matches.push(m);
          if (p.name === 'tcp' || p.name === 'udp' || p.name === 'sctp') protoMatch = m;
          break;
        }
        case 'port': {
          if (!protoMatch) {
            // An implicit protocol match, loaded where its first option appears.
            const name = proto.slice(4);
            protoMatch = { name, sv: '' };
            matches.push(protoMatch);
          }
          protoMatch.sv += p.sv;
          break;
        }
        case 'j': target = ` -j ${p.name}${p.sv}`; break;
      }
    }
    return `-A ${this.chain}${src}${dst}${proto}${matches.map((m) => ` -m ${m.name}${m.sv}`).join('')}${target}`;
  }
}

/** `a.b.c.d` or `a.b.c.d/len` as iptables-save prints it (masked, with a prefix length). */
export function canonicalPrefix(text: string): string {
  const [a, l] = text.split('/');
  const addr = parseIPv4Strict(a!.trim());
  if (addr === null) throw new Error(`not an IPv4 address: '${text}'`);
  const len = l === undefined ? 32 : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new Error(`bad prefix length in '${text}'`);
  const mask = maskFromLength('ipv4', len);
  return formatPrefix('ipv4', { addr: applyMask([addr], mask), mask });
}

/** A CIDR as Go's `net.IPNet.String()` prints it (network address/len), whitespace trimmed. */
function goCIDR(text: string): string {
  return canonicalPrefix(text.trim());
}

function ipv4InCIDR(ip: string, cidr: string): boolean {
  const [a, l] = cidr.split('/');
  const len = Number(l ?? 32);
  const base = parseIPv4Strict(a!);
  const x = parseIPv4Strict(ip);
  if (base === null || x === null) return false;
  const mask = maskFromLength('ipv4', len)[0]!;
  return ((base & mask) >>> 0) === ((x & mask) >>> 0);
}

/**
 * Go's `fmt.Sprintf("%0.10f", x)` for 0 ≤ x ≤ 1: the exact binary value of the double, rounded to
 * 10 decimals, ties to even (JavaScript's toFixed rounds ties up).
 */
export function goFixed10(x: number): string {
  if (!(x >= 0 && x <= 1)) throw new Error(`probability out of range: ${x}`);
  if (x === 0) return '0.0000000000';
  // x = mant · 2^-exp exactly, with mant an integer.
  let mant = x;
  let exp = 0;
  while (!Number.isInteger(mant)) { mant *= 2; exp++; }
  const num = BigInt(mant) * 10n ** 10n;
  const den = 1n << BigInt(exp);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
  const whole = q / 10n ** 10n;
  return `${whole}.${(q % 10n ** 10n).toString().padStart(10, '0')}`;
}

/** kube-proxy's probability text for the i-th of n endpoints: `%0.10f` of 1/(n−i). */
export function kubeProbability(remaining: number): string {
  return goFixed10(1 / remaining);
}

/** The probability as iptables-save prints it back (stored as round(p·2³¹), printed `%.11f`). */
export function savedProbability(text: string): string {
  return formatProbability(quantizeProbability(Number(text)));
}

/** kube-proxy's mark text: Go's `%#08x` (0x and at least 8 hex digits). */
function kubeMark(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

function hexMark(v: number): string {
  return `0x${v.toString(16)}`;
}

// ---------------------------------------------------------------------------------------------
// Tables being built.

type TableName = 'mangle' | 'filter' | 'nat';

const BUILTINS: Record<TableName, string[]> = {
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/** Chains and rules of one table, in declaration and write order. */
class TableText {
  readonly chains: string[] = [];
  private readonly declared = new Set<string>();
  readonly rules: GenRule[] = [];
  constructor(readonly name: TableName) {}
  chain(name: string): void {
    if (this.declared.has(name)) return;
    this.declared.add(name);
    this.chains.push(name);
  }
  add(r: GenRule): void {
    this.rules.push(r);
  }
}

// Chain names.
const KUBE_SERVICES = 'KUBE-SERVICES';
const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
const KUBE_FORWARD = 'KUBE-FORWARD';
const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
const KUBE_FIREWALL = 'KUBE-FIREWALL';
const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';
const KUBE_KUBELET_CANARY = 'KUBE-KUBELET-CANARY';

/** Above this many endpoints kube-proxy drops the per-endpoint comments. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

interface PreparedEndpoint {
  ip: string;
  port: number;
  /** `IP:port`. */
  text: string;
  local: boolean;
  ready: boolean;
  chain: string;
}

/** Generate the three texts for `services` on `node`. */
export function generateKubeRuleset(services: readonly KubeService[], node: KubeNode): KubeRuleset {
  const mark = node.masqueradeMark ?? 0x4000;
  const localhostNodePorts = node.localhostNodePorts ?? true;
  const canaries = node.canaries ?? true;
  const podCIDR = goCIDR(node.podCIDR);

  const base = buildBase(canaries);
  const filter = new TableText('filter');
  const nat = new TableText('nat');

  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filter.chain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) nat.chain(c);

  nat.add(new GenRule(KUBE_POSTROUTING).match('mark', ` ! --mark ${kubeMark(mark)}/${kubeMark(mark)}`, ` ! --mark ${hexMark(mark)}/${hexMark(mark)}`).jump('RETURN'));
  nat.add(new GenRule(KUBE_POSTROUTING).jump('MARK', ` --xor-mark ${kubeMark(mark)}`, ` --set-xmark ${hexMark(mark)}/0x0`));
  const masq = new GenRule(KUBE_POSTROUTING).comment('kubernetes service traffic requiring SNAT');
  nat.add(node.randomFully ?? true ? masq.jump('MASQUERADE', ' --random-fully') : masq.jump('MASQUERADE'));
  nat.add(new GenRule(KUBE_MARK_MASQ).jump('MARK', ` --or-mark ${kubeMark(mark)}`, ` --set-xmark ${hexMark(mark)}/${hexMark(mark)}`));

  if (localhostNodePorts) {
    filter.chain(KUBE_FIREWALL);
    filter.add(localnetRule());
  }

  // Total endpoints decide large-cluster mode, as kube-proxy counts them (all, ready or not).
  let totalEndpoints = 0;
  for (const s of services) totalEndpoints += s.endpoints.length * s.ports.length;
  const large = node.largeClusterMode ?? totalEndpoints > LARGE_CLUSTER_ENDPOINTS;

  for (const svc of services) {
    for (const port of svc.ports) writeServicePort(svc, port, node, podCIDR, large, filter, nat);
  }

  // The NodePorts jump is the last rule of nat KUBE-SERVICES.
  const np = new GenRule(KUBE_SERVICES).comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain').match('addrtype', ' --dst-type LOCAL');
  if (!localhostNodePorts) np.dst('127.0.0.0/8', true);
  nat.add(np.jump(KUBE_NODEPORTS));

  if (!(node.conntrackTCPLiberal ?? false)) {
    filter.add(new GenRule(KUBE_FORWARD).match('conntrack', ' --ctstate INVALID').jump('DROP'));
  }
  filter.add(new GenRule(KUBE_FORWARD).comment('kubernetes forwarding rules')
    .match('mark', ` --mark ${kubeMark(mark)}/${kubeMark(mark)}`, ` --mark ${hexMark(mark)}/${hexMark(mark)}`).jump('ACCEPT'));
  filter.add(new GenRule(KUBE_FORWARD).comment('kubernetes forwarding conntrack rule').match('conntrack', ' --ctstate RELATED,ESTABLISHED').jump('ACCEPT'));

  const restoreTables = [filter, nat];
  const restore = restoreTables.map((t) => [
    `*${t.name}`,
    ...t.chains.map((c) => `:${c} - [0:0]`),
    ...t.rules.map((r) => r.restoreText()),
    'COMMIT',
  ].join('\n')).join('\n') + '\n';

  // The node's final state: base, then the restore input with --noflush (each declared chain is
  // created or flushed, then the rules are appended).
  const final = new Map<TableName, Map<string, GenRule[]>>();
  for (const t of base) {
    const chains = new Map<string, GenRule[]>();
    for (const c of t.chains) chains.set(c, []);
    for (const r of t.rules) chains.get(r.chain)!.push(r);
    final.set(t.name, chains);
  }
  for (const t of restoreTables) {
    let chains = final.get(t.name);
    if (!chains) {
      chains = new Map(BUILTINS[t.name].map((c) => [c, [] as GenRule[]]));
      final.set(t.name, chains);
    }
    for (const c of t.chains) chains.set(c, []);
    for (const r of t.rules) {
      const list = chains.get(r.chain);
      if (!list) throw new Error(`internal: rule for undeclared chain ${r.chain}`);
      list.push(r);
    }
  }

  const dumpLines: string[] = [];
  const counts: Record<string, { chains: number; rules: number }> = {};
  // Legacy iptables-save lists a namespace's tables newest first (each new table is added at the
  // head of the kernel's list), so the tables come out in the reverse of their creation order.
  for (const [name, chains] of [...final].reverse()) {
    const builtins = BUILTINS[name];
    const user = [...chains.keys()].filter((c) => !builtins.includes(c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    dumpLines.push(`*${name}`);
    for (const c of builtins) dumpLines.push(`:${c} ACCEPT [0:0]`);
    for (const c of user) dumpLines.push(`:${c} - [0:0]`);
    let rules = 0;
    for (const c of [...builtins, ...user]) {
      for (const r of chains.get(c)!) { dumpLines.push(r.saveText()); rules++; }
    }
    dumpLines.push('COMMIT');
    counts[name] = { chains: builtins.length + user.length, rules };
  }

  const baseText = base.map((t) => [
    `*${t.name}`,
    ...t.chains.map((c) => (BUILTINS[t.name].includes(c) ? `:${c} ACCEPT [0:0]` : `:${c} - [0:0]`)),
    ...t.rules.map((r) => r.restoreText()),
    'COMMIT',
  ].join('\n')).join('\n') + '\n';

  return { base: baseText, restore, dump: dumpLines.join('\n') + '\n', counts };
}

function localnetRule(): GenRule {
  return new GenRule(KUBE_FIREWALL).comment('block incoming localnet connections')
    .dst('127.0.0.0/8').src('127.0.0.0/8', true)
    .match('conntrack', ' ! --ctstate RELATED,ESTABLISHED,DNAT').jump('DROP');
}

/** One jump from a built-in chain, as kube-proxy's `iptablesJumpChains` lists it. */
interface JumpChain {
  table: TableName;
  dst: string;
  src: string;
  comment: string;
  ctNew: boolean;
}

const JUMP_CHAINS: readonly JumpChain[] = [
  { table: 'filter', dst: KUBE_EXTERNAL_SERVICES, src: 'INPUT', comment: 'kubernetes externally-visible service portals', ctNew: true },
  { table: 'filter', dst: KUBE_EXTERNAL_SERVICES, src: 'FORWARD', comment: 'kubernetes externally-visible service portals', ctNew: true },
  { table: 'filter', dst: KUBE_NODEPORTS, src: 'INPUT', comment: 'kubernetes health check service ports', ctNew: false },
  { table: 'filter', dst: KUBE_SERVICES, src: 'FORWARD', comment: 'kubernetes service portals', ctNew: true },
  { table: 'filter', dst: KUBE_SERVICES, src: 'OUTPUT', comment: 'kubernetes service portals', ctNew: true },
  { table: 'filter', dst: KUBE_FORWARD, src: 'FORWARD', comment: 'kubernetes forwarding rules', ctNew: false },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'INPUT', comment: 'kubernetes load balancer firewall', ctNew: true },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'OUTPUT', comment: 'kubernetes load balancer firewall', ctNew: true },
  { table: 'filter', dst: KUBE_PROXY_FIREWALL, src: 'FORWARD', comment: 'kubernetes load balancer firewall', ctNew: true },
  { table: 'nat', dst: KUBE_SERVICES, src: 'OUTPUT', comment: 'kubernetes service portals', ctNew: false },
  { table: 'nat', dst: KUBE_SERVICES, src: 'PREROUTING', comment: 'kubernetes service portals', ctNew: false },
  { table: 'nat', dst: KUBE_POSTROUTING, src: 'POSTROUTING', comment: 'kubernetes postrouting rules', ctNew: false },
];

/**
 * The state before kube-proxy's first restore: kubelet has created its canaries (mangle, nat,
 * filter, in that order) and KUBE-FIREWALL
 * (jumped to from INPUT and OUTPUT), then kube-proxy has created its canaries and prepended each
 * jump rule in list order (so the last one listed comes first in its built-in chain).
 */
function buildBase(canaries: boolean): TableText[] {
  const tables = new Map<TableName, TableText>();
  const order: TableName[] = canaries ? ['mangle', 'nat', 'filter'] : ['nat', 'filter'];
  for (const n of order) {
    const t = new TableText(n);
    for (const c of BUILTINS[n]) t.chain(c);
    tables.set(n, t);
  }
  const prepended = new Map<string, GenRule[]>();
  const push = (table: TableName, chain: string, r: GenRule, front: boolean): void => {
    const key = `${table} ${chain}`;
    const list = prepended.get(key) ?? [];
    if (front) list.unshift(r); else list.push(r);
    prepended.set(key, list);
  };
  if (canaries) for (const n of order) tables.get(n)!.chain(KUBE_KUBELET_CANARY);
  const filter = tables.get('filter')!;
  filter.chain(KUBE_FIREWALL);
  push('filter', KUBE_FIREWALL, localnetRule(), false);
  push('filter', 'INPUT', new GenRule('INPUT').jump(KUBE_FIREWALL), true);
  push('filter', 'OUTPUT', new GenRule('OUTPUT').jump(KUBE_FIREWALL), true);
  if (canaries) for (const n of order) tables.get(n)!.chain(KUBE_PROXY_CANARY);
  for (const j of JUMP_CHAINS) {
    tables.get(j.table)!.chain(j.dst);
    const r = new GenRule(j.src);
    if (j.ctNew) r.match('conntrack', ' --ctstate NEW');
    push(j.table, j.src, r.comment(j.comment).jump(j.dst), true);
  }
  for (const t of tables.values()) {
    for (const c of t.chains) for (const r of prepended.get(`${t.name} ${c}`) ?? []) t.add(r);
  }
  return [...tables.values()];
}

/** kube-proxy's syncProxyRules body for one service port. */
function writeServicePort(svc: KubeService, port: KubeServicePort, node: KubeNode, podCIDR: string, large: boolean, filter: TableText, nat: TableText): void {
  const proto = port.protocol;
  const name = servicePortName(svc.namespace, svc.name, port.name);
  const chains = serviceChains(name, proto);
  const type = svc.type ?? 'ClusterIP';
  const nodePort = type !== 'ClusterIP' ? port.nodePort ?? 0 : 0;
  const lbIPs = type === 'LoadBalancer' ? svc.loadBalancerIPs ?? [] : [];
  const externalIPs = svc.externalIPs ?? [];
  const sourceRanges = (svc.loadBalancerSourceRanges ?? []).map(goCIDR);
  const affinity = svc.sessionAffinity === 'ClientIP';
  const timeout = svc.sessionAffinityTimeout ?? 10800;

  const externallyAccessible = nodePort !== 0 || lbIPs.length > 0 || externalIPs.length > 0;
  const internalLocal = svc.internalTrafficPolicy === 'Local';
  const externalLocal = externallyAccessible && svc.externalTrafficPolicy === 'Local';
  const usesLocal = internalLocal || externalLocal;
  const usesCluster = !internalLocal || (externallyAccessible && !externalLocal);

  // Endpoints, sorted by IP:port like kube-proxy's endpoints map.
  const targetPort = port.targetPort ?? port.port;
  const seen = new Set<string>();
  const eps: PreparedEndpoint[] = [];
  for (const e of svc.endpoints) {
    const text = `${e.ip}:${targetPort}`;
    if (seen.has(text)) continue;
    seen.add(text);
    eps.push({
      ip: e.ip, port: targetPort, text,
      local: e.local ?? (e.nodeName !== undefined && e.nodeName === node.name),
      ready: e.ready ?? true,
      chain: endpointChain(name, proto, text),
    });
  }
  eps.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const ready = eps.filter((e) => e.ready);
  const clusterEndpoints = usesCluster ? ready : [];
  const localEndpoints = usesLocal ? ready.filter((e) => e.local) : [];
  const hasEndpoints = ready.length > 0;
  const reachable = eps.filter((e) => clusterEndpoints.includes(e) || localEndpoints.includes(e));

  const usesClusterChain = clusterEndpoints.length > 0 && usesCluster;
  const usesLocalChain = localEndpoints.length > 0 && usesLocal;
  let internalChain = chains.svc;
  let hasInternal = hasEndpoints;
  if (internalLocal) {
    internalChain = chains.svl;
    if (localEndpoints.length === 0) hasInternal = false;
  }
  let externalPolicyChain = chains.svc;
  let hasExternal = hasEndpoints;
  if (externalLocal) {
    externalPolicyChain = chains.svl;
    if (localEndpoints.length === 0) hasExternal = false;
  }
  const usesExtChain = hasEndpoints && externallyAccessible;
  const usesFW = hasEndpoints && lbIPs.length > 0 && sourceRanges.length > 0;
  const lbChain = usesFW ? chains.fw : chains.ext;

  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  if (!hasEndpoints) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = `${name} has no endpoints`;
  } else {
    if (!hasInternal) { internalFilterTarget = 'DROP'; internalFilterComment = `${name} has no local endpoints`; }
    if (!hasExternal) { externalFilterTarget = 'DROP'; externalFilterComment = `${name} has no local endpoints`; }
  }
  const filterJump = (r: GenRule, target: string): GenRule =>
    (target === 'REJECT' ? r.jump('REJECT', '', ' --reject-with icmp-port-unreachable') : r.jump(target));

  // Cluster IP.
  if (hasInternal) {
    nat.add(new GenRule(KUBE_SERVICES).comment(`${name} cluster IP`).proto(proto).dst(svc.clusterIP).dport(port.port).jump(internalChain));
  } else {
    filter.add(filterJump(new GenRule(KUBE_SERVICES).comment(internalFilterComment).proto(proto).dst(svc.clusterIP).dport(port.port), internalFilterTarget));
  }
  // External IPs.
  for (const ip of externalIPs) {
    if (hasEndpoints) nat.add(new GenRule(KUBE_SERVICES).comment(`${name} external IP`).proto(proto).dst(ip).dport(port.port).jump(chains.ext));
    if (!hasExternal) filter.add(filterJump(new GenRule(KUBE_EXTERNAL_SERVICES).comment(externalFilterComment).proto(proto).dst(ip).dport(port.port), externalFilterTarget));
  }
  // Load-balancer IPs.
  for (const ip of lbIPs) {
    if (hasEndpoints) nat.add(new GenRule(KUBE_SERVICES).comment(`${name} loadbalancer IP`).proto(proto).dst(ip).dport(port.port).jump(lbChain));
    if (usesFW) filter.add(new GenRule(KUBE_PROXY_FIREWALL).comment(`${name} traffic not accepted by ${chains.fw}`).proto(proto).dst(ip).dport(port.port).jump('DROP'));
  }
  if (!hasExternal) {
    for (const ip of lbIPs) filter.add(filterJump(new GenRule(KUBE_EXTERNAL_SERVICES).comment(externalFilterComment).proto(proto).dst(ip).dport(port.port), externalFilterTarget));
  }
  // Node port.
  if (nodePort !== 0) {
    if (hasEndpoints) nat.add(new GenRule(KUBE_NODEPORTS).comment(name).proto(proto).dport(nodePort).jump(chains.ext));
    if (!hasExternal) {
      filter.add(filterJump(new GenRule(KUBE_EXTERNAL_SERVICES).comment(externalFilterComment).match('addrtype', ' --dst-type LOCAL').proto(proto).dport(nodePort), externalFilterTarget));
    }
  }
  // Health-check node port.
  if (svc.healthCheckNodePort && type === 'LoadBalancer' && externalLocal) {
    filter.add(new GenRule(KUBE_NODEPORTS).comment(`${name} health check node port`).proto('tcp').dport(svc.healthCheckNodePort).jump('ACCEPT'));
  }

  // Internal traffic: masquerade what does not come from a pod.
  if (hasInternal) {
    const r = new GenRule(internalChain).comment(`${name} cluster IP`).proto(proto).dst(svc.clusterIP).dport(port.port);
    if (node.masqueradeAll) nat.add(r.jump(KUBE_MARK_MASQ));
    else nat.add(r.src(podCIDR, true).jump(KUBE_MARK_MASQ));
  }

  // External traffic.
  if (usesExtChain) {
    nat.chain(chains.ext);
    if (!externalLocal) {
      nat.add(new GenRule(chains.ext).comment(`masquerade traffic for ${name} external destinations`).jump(KUBE_MARK_MASQ));
    } else {
      nat.add(new GenRule(chains.ext).comment(`pod traffic for ${name} external destinations`).src(podCIDR).jump(chains.svc));
      nat.add(new GenRule(chains.ext).comment(`masquerade LOCAL traffic for ${name} external destinations`).match('addrtype', ' --src-type LOCAL').jump(KUBE_MARK_MASQ));
      nat.add(new GenRule(chains.ext).comment(`route LOCAL traffic for ${name} external destinations`).match('addrtype', ' --src-type LOCAL').jump(chains.svc));
    }
    if (hasExternal) nat.add(new GenRule(chains.ext).jump(externalPolicyChain));
  }

  // Load-balancer source ranges.
  if (usesFW) {
    nat.chain(chains.fw);
    let allowFromNode = false;
    for (const cidr of sourceRanges) {
      nat.add(new GenRule(chains.fw).comment(`${name} loadbalancer IP`).src(cidr).jump(chains.ext));
      if (ipv4InCIDR(node.ip, cidr)) allowFromNode = true;
    }
    if (allowFromNode) {
      for (const ip of lbIPs) nat.add(new GenRule(chains.fw).comment(`${name} loadbalancer IP`).src(ip).jump(chains.ext));
    }
    nat.add(new GenRule(chains.fw).comment(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`));
  }

  const toEndpoints = (chain: string, list: PreparedEndpoint[]): void => {
    if (affinity) {
      for (const e of list) {
        const r = new GenRule(chain);
        if (!large) r.comment(`${name} -> ${e.text}`);
        nat.add(r.match('recent', ` --name ${e.chain} --rcheck --seconds ${timeout} --reap`,
          ` --rcheck --seconds ${timeout} --reap --name ${e.chain} --mask 255.255.255.255 --rsource`).jump(e.chain));
      }
    }
    list.forEach((e, i) => {
      const r = new GenRule(chain);
      if (!large) r.comment(`${name} -> ${e.text}`);
      if (i < list.length - 1) {
        const p = kubeProbability(list.length - i);
        r.match('statistic', ` --mode random --probability ${p}`, ` --mode random --probability ${savedProbability(p)}`);
      }
      nat.add(r.jump(e.chain));
    });
  };
  if (usesClusterChain) {
    nat.chain(chains.svc);
    toEndpoints(chains.svc, clusterEndpoints);
  }
  if (usesLocalChain) {
    nat.chain(chains.svl);
    toEndpoints(chains.svl, localEndpoints);
  }

  // Endpoint chains: hairpin masquerade, then DNAT.
  for (const e of reachable) {
    nat.chain(e.chain);
    const hair = new GenRule(e.chain);
    if (!large) hair.comment(name);
    nat.add(hair.src(e.ip).jump(KUBE_MARK_MASQ));
    const dnat = new GenRule(e.chain);
    if (!large) dnat.comment(name);
    if (affinity) dnat.match('recent', ` --name ${e.chain} --set`, ` --set --name ${e.chain} --mask 255.255.255.255 --rsource`);
    nat.add(dnat.proto(proto).jump('DNAT', ` --to-destination ${e.text}`));
  }
}
