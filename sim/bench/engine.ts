/**
 * The engine half of `npm run bench`: packets through a node, on the one JavaScript thread.
 *
 * (a) New connections on the seed node (`scenarios/kube-seed`): UDP first packets from distinct
 *     client ports to 10.96.0.10:53 arriving on eth0 — conntrack lookup (miss), PREROUTING nat
 *     (KUBE-SERVICES, KUBE-MARK-MASQ, the statistic split, DNAT), routing, FORWARD filter,
 *     POSTROUTING nat (KUBE-POSTROUTING, MASQUERADE --random-fully), confirm. A fresh engine per
 *     run, so every packet really is a first packet.
 * (b) Established flows on the seed node: later packets of already-confirmed connections, both
 *     directions alternately (client → service on eth0, endpoint → client on cni0); conntrack
 *     hits, the NAT rewrite from the entry, no nat table.
 * (c) New connections on the generated 10,000-service ruleset: TCP SYNs to cluster IPs chosen
 *     round-robin over every service, so nat KUBE-SERVICES (two rules per service) is scanned
 *     linearly over half its length on average, as the kernel's ipt_do_table does.
 *
 * Each figure has a baseline measured in the same run with the same loop minus the engine: copy
 * the prebuilt datagram bytes and decode them into a packet record (`decodePacket`). Timings are
 * medians of several runs after warm-up runs; a garbage collection precedes each run.
 */
import { Engine } from '../../engine/engine.js';
import { hostFromSpec, type Host } from '../../engine/host/host.js';
import { parseIPv4Strict, type Words } from '../../engine/net/addr.js';
import { buildPacketBytes, decodePacket } from '../../engine/packet.js';
import { loadRuleset } from '../../engine/ruleset/load.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { loadScenario } from '../scenario.js';
import { collect, median, type Timing } from './measure.js';
import { allServiceFlows, runFlows } from '../commands/flows.js';
import { serviceShares } from '../commands/diff.js';

/** Targets of the engine figures (packets per second, on one core). */
export const ENGINE_TARGETS = { seedNewPerSec: 300_000, establishedPerSec: 1_000_000 } as const;

/** Settings of the engine benchmark. */
export interface EngineBenchOptions {
  runs: number;
  warmup: number;
  /** New connections per run on the seed node. */
  conns: number;
  /** Established flows, and how many rounds of one packet each way per run. */
  flows: number;
  rounds: number;
  /** New connections per run on the large ruleset. */
  bigConns: number;
}

/** One measured figure: the engine loop and its baseline, same packets, same run. */
export interface EngineFigure {
  label: string;
  /** Packets per timed run. */
  packets: number;
  engine: Timing;
  baseline: Timing;
  /** Packets per second at the median run. */
  rate: number;
  baselineRate: number;
  /** Target packets (connections) per second, if any. */
  target: number | null;
  /** Process CPU time / wall time over the engine's timed runs (1.0 = one core busy). */
  cpuPerWall: number;
  /** What the results looked like (a sanity line for the report). */
  check: string;
  /** False when a result was not what the figure assumes (then the figure is not trustworthy). */
  checkOk: boolean;
}

const ip = (t: string): Words => [parseIPv4Strict(t)!];
const ipv4Text = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;

/** A sink the optimiser cannot see through. */
let sink = 0;

/**
 * Time `run` (which processes `packets` packets) `runs` times after `warmup` untimed runs;
 * `setup` runs before each (untimed) and hands `run` its input.
 */
function timeLoop<S>(setup: () => S, run: (s: S) => void, runs: number, warmup: number): { timing: Timing; cpuPerWall: number } {
  for (let i = 0; i < warmup; i++) { const s = setup(); collect(); run(s); }
  const times: number[] = [];
  let cpu = 0, wall = 0;
  for (let i = 0; i < runs; i++) {
    const s = setup();
    collect();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run(s);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    times.push(t);
    wall += t;
    cpu += (c.user + c.system) / 1000;
  }
  return { timing: { runs: times, median: median(times), min: Math.min(...times) }, cpuPerWall: wall > 0 ? cpu / wall : 0 };
}

/** The baseline loop over a list of templates: copy the bytes, decode them. */
function decodeOnly(templates: readonly Uint8Array[], repeat = 1): void {
  let acc = 0;
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i < templates.length; i++) acc += decodePacket('ipv4', templates[i]!.slice()).sport;
  }
  sink ^= acc;
}

function figure(label: string, packets: number, engine: { timing: Timing; cpuPerWall: number }, baseline: Timing, target: number | null, check: string, checkOk: boolean): EngineFigure {
  return {
    label, packets, engine: engine.timing, baseline, target, cpuPerWall: engine.cpuPerWall, check, checkOk,
    rate: packets / (engine.timing.median / 1000), baselineRate: packets / (baseline.median / 1000),
  };
}

/** The seed node: kube-seed's two ruleset files (the second with --noflush) and its host. */
export function seedNode(): { ruleset: Ruleset; host: Host } {
  const sc = loadScenario('kube-seed');
  const ruleset = loadRuleset(sc.sources, { noflush: sc.spec.noflush ?? false });
  if (!sc.host) throw new Error('kube-seed has no host model');
  return { ruleset, host: sc.host };
}

/** The generated node's interfaces and routes (node1, 192.168.0.2 on eth0, pods 10.0.0.0/8 behind cni0). */
export function bigHost(nodeIp: string): Host {
  return hostFromSpec({
    interfaces: [
      { name: 'eth0', addrs: [`${nodeIp}/24`], mac: '02:00:c0:a8:00:02' },
      { name: 'cni0', addrs: ['10.0.0.1/24'], mac: '02:00:0a:00:00:01' },
    ],
    routes: ['default via 192.168.0.1 dev eth0', '10.0.0.0/8 dev cni0'],
  });
}

/** Client source address and port of connection k (ports 1024…65535, then the next address). */
function client(base: number, k: number): { src: Words; sport: number } {
  return { src: [(base + Math.floor(k / 64512)) >>> 0], sport: 1024 + (k % 64512) };
}

const CLIENT_BASE = parseIPv4Strict('172.18.0.100')!;
const SEED_SERVICE = ip('10.96.0.10');
const SEED_ENDPOINTS = new Set(['10.244.0.10', '10.244.0.5', '10.244.0.6', '10.244.0.9']);

function udpQuery(src: Words, sport: number, dst: Words, dport: number): Uint8Array {
  return buildPacketBytes({ family: 'ipv4', src, dst, proto: 17, sport, dport, payload: new Uint8Array([0x71]) });
}

/** (a) New connections per second on the seed node. */
export function benchSeedNew(o: EngineBenchOptions): EngineFigure {
  const node = seedNode();
  const templates: Uint8Array[] = [];
  for (let k = 0; k < o.conns; k++) {
    const c = client(CLIENT_BASE, k);
    templates.push(udpQuery(c.src, c.sport, SEED_SERVICE, 53));
  }
  const fresh = (): Engine => new Engine({ ruleset: node.ruleset, host: node.host, seed: 'bench', trace: false });
  // One untimed run first, its results checked: every packet forwarded out of cni0 to one of the
  // 4 endpoints, masqueraded, confirmed. The timed runs keep no results.
  const { ok, per, confirmed } = ((): { ok: number; per: Map<string, number>; confirmed: number } => {
    const checkEngine = fresh();
    let ok = 0;
    const per = new Map<string, number>();
    for (let i = 0; i < templates.length; i++) {
      const r = checkEngine.receive(decodePacket('ipv4', templates[i]!.slice()), 'eth0');
      if (r.fate.kind === 'forwarded' && r.fate.out === 'cni0' && SEED_ENDPOINTS.has(r.after.dst) && r.after.dport === 53 && r.after.src === '10.244.0.1' && r.ctstate === 'NEW,SNAT,DNAT') {
        ok++;
        per.set(r.after.dst, (per.get(r.after.dst) ?? 0) + 1);
      }
    }
    return { ok, per, confirmed: checkEngine.conntrack.count };
  })();
  const engine = timeLoop(fresh, (e) => {
    let acc = 0;
    for (let i = 0; i < templates.length; i++) acc += e.receive(decodePacket('ipv4', templates[i]!.slice()), 'eth0').packet.sport;
    sink ^= acc;
  }, o.runs, o.warmup);
  const baseline = timeLoop(() => null, () => decodeOnly(templates), o.runs, o.warmup).timing;
  const split = [...per.entries()].sort().map(([a, n]) => `${a} ${(100 * n / templates.length).toFixed(1)}%`).join(', ');
  const good = ok === o.conns && confirmed === o.conns;
  return figure('(a) seed: new connections (UDP → 10.96.0.10:53)', o.conns, engine, baseline, ENGINE_TARGETS.seedNewPerSec,
    `${ok.toLocaleString('en-US')}/${o.conns.toLocaleString('en-US')} DNATed + masqueraded + forwarded, ${confirmed.toLocaleString('en-US')} entries confirmed; split ${split}`, good);
}

/** (b) Packets per second of established flows on the seed node, both directions. */
export function benchEstablished(o: EngineBenchOptions): EngineFigure {
  const node = seedNode();
  const e = new Engine({ ruleset: node.ruleset, host: node.host, seed: 'bench', trace: false });
  const templates: Uint8Array[] = [];
  const ifaces: string[] = [];
  for (let k = 0; k < o.flows; k++) {
    const c = client(CLIENT_BASE, k);
    const q = udpQuery(c.src, c.sport, SEED_SERVICE, 53);
    const first = e.receive(decodePacket('ipv4', q.slice()), 'eth0');
    if (first.fate.kind !== 'forwarded') throw new Error(`established setup: first packet of flow ${k} was not forwarded (${JSON.stringify(first.fate)})`);
    const a = first.after;
    const reply = udpQuery(ip(a.dst), a.dport, ip(a.src), a.sport);
    const back = e.receive(decodePacket('ipv4', reply.slice()), first.out!);
    if (back.fate.kind !== 'forwarded') throw new Error(`established setup: reply of flow ${k} was not forwarded`);
    templates.push(q, reply);
    ifaces.push('eth0', first.out!);
  }
  const perRun = templates.length * o.rounds;
  // One untimed round, checked: client packets DNATed to an endpoint, replies de-NATed.
  let okClient = 0, okReply = 0;
  for (let i = 0; i < templates.length; i++) {
    const res = e.receive(decodePacket('ipv4', templates[i]!.slice()), ifaces[i]!);
    if (res.fate.kind !== 'forwarded' || res.ctstate !== 'ESTABLISHED,SNAT,DNAT') continue;
    if (i % 2 === 0 && SEED_ENDPOINTS.has(res.after.dst) && res.after.dport === 53 && res.after.src === '10.244.0.1') okClient++;
    if (i % 2 === 1 && res.after.src === '10.96.0.10' && res.after.sport === 53 && res.after.dst === ipv4Text(CLIENT_BASE + Math.floor((i >> 1) / 64512))) okReply++;
  }
  const engine = timeLoop(() => null, () => {
    let acc = 0;
    for (let r = 0; r < o.rounds; r++) {
      for (let i = 0; i < templates.length; i++) acc += e.receive(decodePacket('ipv4', templates[i]!.slice()), ifaces[i]!).packet.sport;
    }
    sink ^= acc;
  }, o.runs, o.warmup);
  const baseline = timeLoop(() => null, () => decodeOnly(templates, o.rounds), o.runs, o.warmup).timing;
  const good = okClient === o.flows && okReply === o.flows;
  return figure(`(b) seed: established flows, both directions`, perRun, engine, baseline, ENGINE_TARGETS.establishedPerSec,
    `${o.flows.toLocaleString('en-US')} flows × ${o.rounds} rounds × 2; checked round: ${okClient.toLocaleString('en-US')} client packets DNATed to an endpoint, ${okReply.toLocaleString('en-US')} replies de-NATed to 10.96.0.10:53`, good);
}

/**
 * (c) New connections per second on a large generated ruleset (`ruleset`, from `syntheticCluster`
 * on `nodeIp`): TCP SYNs from outside to service k mod n's cluster IP, port 80.
 */
export function benchBigNew(o: EngineBenchOptions, ruleset: Ruleset, services: number, nodeIp: string): EngineFigure {
  const host = bigHost(nodeIp);
  const templates: Uint8Array[] = [];
  // Round-robin over the services with a stride coprime to their count, so consecutive packets
  // do not walk the chain in order.
  const stride = coprimeStride(services);
  const clientBase = parseIPv4Strict('192.168.0.100')!;
  for (let k = 0; k < o.bigConns; k++) {
    const svc = (k * stride) % services;
    const c = client(clientBase, k);
    templates.push(buildPacketBytes({ family: 'ipv4', src: c.src, dst: [(0xac1e0000 + 10 + svc) >>> 0], proto: 6, sport: c.sport, dport: 80, tcpFlags: 0x02, seq: 1000 }));
  }
  const fresh = (): Engine => new Engine({ ruleset, host, seed: 'bench', trace: false });
  // One untimed, checked run first; the timed runs keep no results.
  const ok = ((): number => {
    const checkEngine = fresh();
    let n = 0;
    for (let i = 0; i < templates.length; i++) {
      const r = checkEngine.receive(decodePacket('ipv4', templates[i]!.slice()), 'eth0');
      if (r.fate.kind === 'forwarded' && r.fate.out === 'cni0' && r.after.dport === 8080 && r.after.dst.startsWith('10.') && r.after.src === '10.0.0.1' && r.ctstate === 'NEW,SNAT,DNAT') n++;
    }
    return n;
  })();
  const engine = timeLoop(fresh, (e) => {
    let acc = 0;
    for (let i = 0; i < templates.length; i++) acc += e.receive(decodePacket('ipv4', templates[i]!.slice()), 'eth0').packet.sport;
    sink ^= acc;
  }, o.runs, o.warmup);
  const baseline = timeLoop(() => null, () => decodeOnly(templates), o.runs, o.warmup).timing;
  return figure(`(c) ${services.toLocaleString('en-US')} services: new connections (TCP SYN)`, o.bigConns, engine, baseline, null,
    `${ok.toLocaleString('en-US')}/${o.bigConns.toLocaleString('en-US')} DNATed to an endpoint :8080 + masqueraded + forwarded; services round-robin (stride ${stride}), last service ${ipv4Text(0xac1e0000 + 10 + services - 1)}`, ok === o.bigConns);
}

/**
 * (d) `natsim flows` on the seed node: connections per second of the whole command loop
 * (distinct clients, each connection's query and the pod's reply through the engine, counting,
 * and the exact split), beside the decode-only baseline over the same number of queries.
 */
export function benchFlowsSeed(o: EngineBenchOptions): EngineFigure {
  const node = seedNode();
  const count = Math.max(1000, Math.floor(o.conns / 2));
  const flowsOpts = { rules: [], proto: 'udp', count, packetsPerConnection: 1, reply: true, seed: 'bench', json: false, allServices: false, interval: 1, in: 'eth0' };
  const dst = { addr: SEED_SERVICE, port: 53, family: 'ipv4' as const };
  const check = runFlows(node.ruleset, node.host, flowsOpts, dst, 17);
  const engine = timeLoop(() => null, () => { sink ^= runFlows(node.ruleset, node.host, flowsOpts, dst, 17).connections; }, o.runs, o.warmup);
  const templates: Uint8Array[] = [];
  for (let k = 0; k < count; k++) { const c = client(CLIENT_BASE, k); templates.push(udpQuery(c.src, c.sport, SEED_SERVICE, 53)); }
  const baseline = timeLoop(() => null, () => decodeOnly(templates, 2), o.runs, o.warmup).timing;
  const ok = check.repliesUnNated === count && check.unpinned === 0 && check.comparison.endpoints.length === 4;
  return figure(`(d) natsim flows, seed node (UDP query + reply)`, count, engine, baseline, null,
    `${count.toLocaleString('en-US')} connections, ${check.repliesUnNated.toLocaleString('en-US')} replies un-NATed, χ² p = ${check.comparison.pValue.toFixed(3)}`, ok);
}

/** (e) `natsim flows` on the large generated ruleset: connections to the middle service. */
export function benchFlowsBig(o: EngineBenchOptions, ruleset: Ruleset, services: number, nodeIp: string): EngineFigure {
  const host = bigHost(nodeIp);
  const count = o.bigConns;
  const flowsOpts = { rules: [], proto: 'tcp', count, packetsPerConnection: 1, reply: false, seed: 'bench', json: false, allServices: false, interval: 1, in: 'eth0', from: '192.168.0.0/24' };
  const svc = Math.floor(services / 2);
  const dst = { addr: [(0xac1e0000 + 10 + svc) >>> 0], port: 80, family: 'ipv4' as const };
  const check = runFlows(ruleset, host, flowsOpts, dst, 6);
  const engine = timeLoop(() => null, () => { sink ^= runFlows(ruleset, host, flowsOpts, dst, 6).connections; }, o.runs, o.warmup);
  const templates: Uint8Array[] = [];
  const clientBase = parseIPv4Strict('192.168.0.100')!;
  for (let k = 0; k < count; k++) { const c = client(clientBase, k); templates.push(buildPacketBytes({ family: 'ipv4', src: c.src, dst: dst.addr, proto: 6, sport: c.sport, dport: 80, tcpFlags: 0x02, seq: 1000 })); }
  const baseline = timeLoop(() => null, () => decodeOnly(templates), o.runs, o.warmup).timing;
  const ok = [...check.observed.keys()].every((k) => k.endsWith(':8080'));
  return figure(`(e) natsim flows, ${services.toLocaleString('en-US')} services (service ${svc + 1}, TCP)`, count, engine, baseline, null,
    `${count.toLocaleString('en-US')} connections to ${ipv4Text(dst.addr[0]!)}:80, χ² p = ${check.comparison.pValue.toFixed(3)}`, ok);
}

function gcd(a: number, b: number): number { return b === 0 ? a : gcd(b, a % b); }

/** A stride near 0.618·n that is coprime to n (1 for n ≤ 2). */
function coprimeStride(n: number): number {
  if (n <= 2) return 1;
  let s = Math.max(1, Math.round(n * 0.6180339887));
  while (gcd(s, n) !== 1) s++;
  return s;
}

/** Keeps `sink` observable. */
export function engineSink(): number {
  return sink;
}


/** Whole-ruleset commands on the large ruleset (one timed run each: they take seconds). */
export interface WholeRulesetFigures {
  services: number;
  /** `natsim diff` of the ruleset against itself: every service's exact split on both sides. */
  diffMs: number;
  /** `natsim flows --all-services --count N`: N connections to every service, a fresh node each. */
  flowsMs: number;
  flowsCount: number;
  /** Rows whose split was as expected (every service DNATed to its endpoints). */
  diffOk: boolean;
  flowsOk: boolean;
}

/**
 * (h) The commands that go over every service of a large ruleset: `natsim diff`'s per-service
 * shares (both sides) and `natsim flows --all-services` with `flowsCount` connections each.
 */
export function benchWholeRuleset(ruleset: Ruleset, nodeIp: string, flowsCount: number): WholeRulesetFigures {
  const host = bigHost(nodeIp);
  const side = { label: 'bench', ruleset, host };
  collect();
  let t = performance.now();
  const shares = serviceShares(side, side, {});
  const diffMs = performance.now() - t;
  collect();
  t = performance.now();
  const rows = allServiceFlows(ruleset, host, { rules: [], proto: 'tcp', count: flowsCount, packetsPerConnection: 1, reply: false, seed: 'bench', json: false, allServices: true, interval: 1, in: 'eth0' });
  const flowsMs = performance.now() - t;
  return {
    services: rows.length, diffMs, flowsMs, flowsCount,
    diffOk: shares.length === rows.length && shares.every((s) => s.unchanged && s.rows.length > 0 && s.rows.every((r) => r.key.endsWith(':8080'))),
    flowsOk: rows.every((r) => r.endpoints > 0),
  };
}
