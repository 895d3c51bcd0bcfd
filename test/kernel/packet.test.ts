/**
 * The packet half of the kernel conformance suite. Each case builds a host model
 * (test/kernel/packet/*.json) as network namespaces, sends real traffic with Node's dgram/net
 * (and ping) from neighbour namespaces, and reads back what the kernel did: per-endpoint
 * counts, `iptables-save -c` counters, `conntrack -L`, and what each receiver saw.
 *
 * - Seed node: 4,000 UDP connections from the client to 10.96.0.10:53 (kube-dns, 4 endpoints),
 *   200 TCP connections to the same service, and ICMP echo to a pod. The kernel's shares must
 *   fit the exact kube-proxy shares (chi-square), every packet must reach the pods masqueraded
 *   to 10.244.0.1 with random ports, conntrack entries must look as the notes say.
 * - Home router: TCP both ways through MASQUERADE out of wan0 and a DNAT port forward.
 *
 * Then natsim runs the same host model and the same traffic (natsim-run.ts) and compare.ts
 * checks it against the kernel: per-endpoint counts by a two-sample chi-square, counters exactly
 * outside random branches, conntrack tuples, states and flags, and what each receiver saw.
 * Needs root and `ip netns`; skips otherwise.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainOf, countBy, readConntrack, readCounters, type CtEntry, type TableCounters } from './packet/collect.js';
import { compareConntrack, compareCounters, compareEndpointCounts, compareReceivers, compareRuns, type PacketRun } from './packet/compare.js';
import { runNatsimModel } from './packet/natsim-run.js';
import { expectSplit } from '../../sim/expect.js';
import { frac, mul, oneMinus, type Fraction } from '../../sim/split.js';
import { loadScenario } from '../../sim/scenario.js';
import { loadRuleset } from '../../engine/ruleset/load.js';
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { cascadeShares, chiSquareGoodnessOfFit, chiSquareTwoSample, kernelProbability } from '../../sim/stats.js';
import { buildTopology, kernelSkipReason, liveTestNamespaces, loadHostModel, NAMESPACE_PREFIX, run, type Topology } from './packet/topology.js';
import {
  makeScratch, pingSkipReason, rmScratch, runClients, runPing, startReceiver, waitQuietAndZero,
  type ClientRun, type PingRun, type Receiver, type ReceiverRecord,
} from './packet/traffic.js';

const HERE = join(import.meta.dirname, 'packet');
const SKIP = kernelSkipReason();
/** Why ICMP echo cannot be sent here (iputils ping missing), or null. */
const PING_MISSING = pingSkipReason();
// In CI (NATSIM_KERNEL_REQUIRED) a missing ping is a failure, not a skip: the test runs and says why.
const PING_SKIP = SKIP ?? (process.env.NATSIM_KERNEL_REQUIRED ? null : PING_MISSING);
const kernelDescribe = (title: string, fn: () => void) =>
  describe.skipIf(SKIP !== null)(SKIP ? `${title} — skipped: ${SKIP}` : title, fn);

/** The seed's service endpoints in kube-proxy's rule order, with their exact shares. */
const SEED_ENDPOINTS = ['10.244.0.10', '10.244.0.5', '10.244.0.6', '10.244.0.9'];
const SEED_SHARES = cascadeShares([0.25, 0.3333333333, 0.5].map(kernelProbability));
const UDP_CONNECTIONS = 4000;
const TCP_CONNECTIONS = 200;
const PINGS = 3;
const SERVICE = '10.96.0.10';
const MASQ_SOURCE = '10.244.0.1';

/** DNAT rule counters of one protocol, by endpoint address. */
function dnatCounts(tables: TableCounters[], proto: 'udp' | 'tcp', port: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of tables.find((t) => t.table === 'nat')?.chains ?? []) {
    for (const r of c.rules) {
      const m = new RegExp(`-p ${proto} .*-j DNAT --to-destination ([\\d.]+):${port}$`).exec(r.rule);
      if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + r.packets);
    }
  }
  return out;
}

async function stopAll(receivers: Receiver[]): Promise<Map<string, ReceiverRecord[]>> {
  const out = new Map<string, ReceiverRecord[]>();
  for (const r of receivers) out.set(r.neighbour, await r.stop());
  return out;
}

/** Everything measured on the seed node. */
interface SeedRun {
  quietAfter: number;
  udp: ClientRun;
  tcp: ClientRun;
  ping: PingRun | null;
  counters: TableCounters[];
  conntrack: CtEntry[];
  conntrackSummary: number | null;
  receivers: Map<string, ReceiverRecord[]>;
  seconds: number;
}

kernelDescribe('kernel packet conformance: seed node (kube-dns behind 10.96.0.10)', () => {
  let topo: Topology | undefined;
  let scratch: string | undefined;
  let k: SeedRun;

  beforeAll(async () => {
    const t0 = Date.now();
    const { model, dir } = loadHostModel(join(HERE, 'seed-node.json'));
    topo = buildTopology(model, dir);
    scratch = makeScratch();
    const receivers: Receiver[] = [];
    try {
      for (const n of model.neighbours) if (n.listen) receivers.push(await startReceiver(topo, n.name, scratch));
      const quietAfter = await waitQuietAndZero(topo);
      const udp = await runClients(topo, 'client', 'udp', { to: SERVICE, port: 53, count: UDP_CONNECTIONS, sportBase: 20000, concurrency: 64, timeoutMs: 2000 });
      const tcp = await runClients(topo, 'client', 'tcp', { to: SERVICE, port: 53, count: TCP_CONNECTIONS, sportBase: 40000, concurrency: 16, timeoutMs: 3000 });
      const ping = PING_SKIP || PING_MISSING ? null : runPing(topo, 'client', '10.244.0.5', PINGS);
      const counters = readCounters(topo);
      const ct = readConntrack(topo);
      k = { quietAfter, udp, tcp, ping, counters, conntrack: ct.entries, conntrackSummary: ct.summary, receivers: await stopAll(receivers), seconds: 0 };
    } finally {
      topo.destroy();
      rmScratch(scratch);
    }
    k.seconds = (Date.now() - t0) / 1000;
  }, 60_000);

  afterAll(() => {
    topo?.destroy();
    if (scratch) rmScratch(scratch);
  });

  it('cleaned up: none of this run\'s namespaces is left', () => {
    expect(liveTestNamespaces()).toEqual([]);
    const left = run('ip', ['netns', 'list']).stdout.split('\n').filter((l) => l.startsWith(NAMESPACE_PREFIX));
    expect(left).toEqual([]);
  });

  it('per-endpoint counts fit the exact kube-proxy shares (χ² goodness of fit, p > 0.001)', () => {
    const byEndpoint = dnatCounts(k.counters, 'udp', 53);
    const observed = SEED_ENDPOINTS.map((e) => byEndpoint.get(e) ?? 0);
    const fit = chiSquareGoodnessOfFit(observed, SEED_SHARES);
    console.log(
      `kernel, ${UDP_CONNECTIONS} UDP connections to ${SERVICE}:53 → pods .10/.5/.6/.9: ${observed.join('/')} ` +
      `(χ² ${fit.statistic.toFixed(3)}, df ${fit.df}, p ${fit.p.toFixed(3)}); quiet after ${k.quietAfter} s; ` +
      `UDP ${k.udp.ms} ms, TCP ${k.tcp.ms} ms; whole case ${k.seconds.toFixed(1)} s`,
    );
    expect(observed.reduce((a, b) => a + b, 0)).toBe(UDP_CONNECTIONS);
    expect(fit.p).toBeGreaterThan(0.001);
  });

  it('counters, conntrack, receivers and clients all tell the same per-endpoint story', () => {
    const fromCounters = dnatCounts(k.counters, 'udp', 53);
    const udpCt = k.conntrack.filter((e) => e.proto === 'udp' && e.orig.dst === SERVICE && e.orig.dport === 53);
    const fromConntrack = countBy(udpCt, (e) => e.reply.src);
    const fromReceivers = new Map(SEED_ENDPOINTS.map((e) => {
      const name = `pod${e.split('.')[3]}`;
      return [e, (k.receivers.get(name) ?? []).filter((r) => r.proto === 'udp').length];
    }));
    const fromClient = countBy(k.udp.connections.filter((c) => c.replied), (c) => `10.244.0.${c.responder?.slice(3)}`);
    for (const e of SEED_ENDPOINTS) {
      expect(fromConntrack.get(e), `conntrack ${e}`).toBe(fromCounters.get(e));
      expect(fromReceivers.get(e), `receiver ${e}`).toBe(fromCounters.get(e));
      expect(fromClient.get(e), `client ${e}`).toBe(fromCounters.get(e));
    }
  });

  it('every client got its answer from the service address, 10.96.0.10:53', () => {
    const lost = k.udp.connections.filter((c) => !c.replied);
    expect(lost).toEqual([]);
    const sources = countBy(k.udp.connections, (c) => `${c.from}:${c.fromPort}`);
    expect([...sources]).toEqual([[`${SERVICE}:53`, UDP_CONNECTIONS]]);
  });

  it(`every packet reached the pods masqueraded to ${MASQ_SOURCE} with random source ports (--random-fully)`, () => {
    const all = [...k.receivers.values()].flat();
    expect(all.length).toBe(UDP_CONNECTIONS + TCP_CONNECTIONS);
    expect(all.filter((r) => r.remote !== MASQ_SOURCE)).toEqual([]);
    for (const r of all) expect(SEED_ENDPOINTS).toContain(r.local);
    const udp = all.filter((r) => r.proto === 'udp');
    // The client used source ports 20000..23999; --random-fully picks fresh ones.
    const kept = udp.filter((r) => r.remotePort >= 20000 && r.remotePort < 20000 + UDP_CONNECTIONS).length;
    expect(kept).toBeLessThan(UDP_CONNECTIONS * 0.2); // a random port lands there with p ≈ 0.06
    expect(new Set(udp.map((r) => r.remotePort)).size).toBeGreaterThan(UDP_CONNECTIONS * 0.85);
  });

  it('conntrack: one UDP entry per connection, DNATed and masqueraded, replied without ASSURED (30 s)', () => {
    expect(k.conntrackSummary).toBe(k.conntrack.length);
    const udp = k.conntrack.filter((e) => e.proto === 'udp');
    expect(udp.length).toBe(UDP_CONNECTIONS);
    const sports = new Set(udp.map((e) => e.orig.sport));
    expect(sports.size).toBe(UDP_CONNECTIONS);
    for (const e of udp) {
      expect(e.orig).toMatchObject({ src: '172.18.0.100', dst: SERVICE, dport: 53 });
      expect(SEED_ENDPOINTS).toContain(e.reply.src);
      expect(e.reply).toMatchObject({ dst: MASQ_SOURCE, sport: 53 });
      expect(e.flags).not.toContain('ASSURED');
      // The pods answered, so the entries are replied; an unanswered one would be [UNREPLIED].
      expect(e.flags).not.toContain('UNREPLIED');
      expect(e.timeout).toBeLessThanOrEqual(30);
      expect(e.protonum).toBe(17);
    }
  });

  it(`TCP: ${TCP_CONNECTIONS} connections to ${SERVICE}:53 complete and end TIME_WAIT [ASSURED], spread over the 4 pods`, () => {
    expect(k.tcp.connections.filter((c) => !c.completed)).toEqual([]);
    const tcp = k.conntrack.filter((e) => e.proto === 'tcp');
    expect(tcp.length).toBe(TCP_CONNECTIONS);
    for (const e of tcp) {
      expect(e.state).toBe('TIME_WAIT');
      expect(e.flags).toContain('ASSURED');
      expect(e.reply.dst).toBe(MASQ_SOURCE);
    }
    const byEndpoint = dnatCounts(k.counters, 'tcp', 53);
    const observed = SEED_ENDPOINTS.map((e) => byEndpoint.get(e) ?? 0);
    console.log(`kernel, ${TCP_CONNECTIONS} TCP connections → pods .10/.5/.6/.9: ${observed.join('/')}`);
    expect(chiSquareGoodnessOfFit(observed, SEED_SHARES).p).toBeGreaterThan(0.001);
  });

  it.skipIf(PING_SKIP !== null)(`ICMP echo from the client to pod 10.244.0.5${PING_SKIP ? ` — skipped: ${PING_SKIP}` : ''}`, () => {
    if (PING_MISSING) throw new Error(PING_MISSING);
    expect(k.ping).toEqual({ transmitted: PINGS, received: PINGS });
    const icmp = k.conntrack.filter((e) => e.proto === 'icmp');
    expect(icmp.length).toBe(1);
    expect(icmp[0]!.orig).toMatchObject({ src: '172.18.0.100', dst: '10.244.0.5', type: 8, code: 0 });
    // Not a service: no DNAT, and KUBE-POSTROUTING does not masquerade it.
    expect(icmp[0]!.reply).toMatchObject({ src: '10.244.0.5', dst: '172.18.0.100', type: 0, code: 0 });
  });

  it('nat counts only the first packet of each connection; the node was quiet before sending', () => {
    const connections = UDP_CONNECTIONS + TCP_CONNECTIONS + (k.ping ? 1 : 0);
    const pre = chainOf(k.counters, 'nat', 'PREROUTING');
    expect(pre.rules[0]!.packets).toBe(connections);
    expect(pre.packets).toBe(k.ping ? 1 : 0); // DNAT ends the traversal; only the echo reaches the policy
    const post = chainOf(k.counters, 'nat', 'KUBE-POSTROUTING');
    const masq = post.rules.find((r) => r.rule.includes('MASQUERADE'))!;
    expect(masq.packets).toBe(UDP_CONNECTIONS + TCP_CONNECTIONS);
    expect(chainOf(k.counters, 'nat', 'OUTPUT').rules[0]!.packets).toBe(0);
    // Bytes are IP total lengths: 20 (IP) + 8 (UDP) + the payload `q<i>`.
    const svc = chainOf(k.counters, 'nat', 'KUBE-SERVICES').rules.find((r) => r.rule.includes('-p udp') && r.rule.includes('-j KUBE-SVC-'))!;
    let bytes = 0;
    for (let i = 0; i < UDP_CONNECTIONS; i++) bytes += 28 + `q${i}`.length;
    expect(svc).toMatchObject({ packets: UDP_CONNECTIONS, bytes });
  });

  it('the comparison helpers accept the kernel run against itself', () => {
    const self = seedPacketRun(k);
    expect(compareRuns(self, self)).toEqual([]);
  });

  describe('natsim on the same model and traffic', () => {
    let sim: PacketRun;
    beforeAll(() => {
      const { dir } = loadHostModel(join(HERE, 'seed-node.json'));
      const pingEntry = k.conntrack.find((e) => e.proto === 'icmp');
      const run = runNatsimModel(join(HERE, 'seed-node.json'), dir, {
        flows: [
          { client: 'client', to: SERVICE, proto: 'udp', port: 53, count: UDP_CONNECTIONS, sportBase: 20000 },
          { client: 'client', to: SERVICE, proto: 'tcp', port: 53, count: TCP_CONNECTIONS, sportBase: 40000 },
        ],
        pinger: 'client',
        ping: k.ping && pingEntry ? { to: '10.244.0.5', count: PINGS, id: pingEntry.orig.id ?? 0 } : null,
      });
      sim = { endpointCounts: dnatCounts(run.counters, 'udp', 53), counters: run.counters, conntrack: run.conntrack, receivers: run.receivers };
      const kc = dnatCounts(k.counters, 'udp', 53);
      const eps = [...new Set([...kc.keys(), ...sim.endpointCounts.keys()])].sort();
      const two = chiSquareTwoSample(eps.map((e) => kc.get(e) ?? 0), eps.map((e) => sim.endpointCounts.get(e) ?? 0));
      console.log(`seed node, ${UDP_CONNECTIONS} UDP connections per endpoint (${eps.join(' / ')}) — kernel: ${eps.map((e) => kc.get(e) ?? 0).join('/')}; natsim: ${eps.map((e) => sim.endpointCounts.get(e) ?? 0).join('/')}; two-sample χ² ${two.statistic.toFixed(3)}, df ${two.df}, p ${two.p.toFixed(3)}`);
    });
    it('per-endpoint counts agree with the kernel\'s (two-sample χ², p > 0.001)', () => {
      const ep = compareEndpointCounts(dnatCounts(k.counters, 'udp', 53), sim.endpointCounts);
      expect(ep).toBeNull();
    });
    it('counters agree with iptables-save -c outside random branches', () => {
      expect(compareCounters(k.counters, sim.counters)).toEqual([]);
    });
    it('conntrack tuples, states and flags agree', () => {
      expect(compareConntrack(k.conntrack, sim.conntrack, dnatCounts(k.counters, 'udp', 53).keys())).toEqual([]);
    });
    it('each receiver saw the same packets', () => {
      expect(compareReceivers(k.receivers, sim.receivers)).toEqual([]);
    });
    it('natsim\'s exact expected shares equal what the kernel\'s stored probabilities imply', () => {
      // The probabilities the kernel holds, as its iptables-save prints them (11 decimals of
      // P/2^31, which give P back exactly), chained as the kernel evaluates them.
      const svc = chainOf(k.counters, 'nat', 'KUBE-SVC-TCOU7JCQXEZGVUNU');
      const stored = svc.rules.map((r) => /--probability (\d+\.\d+)/.exec(r.rule)?.[1]).filter((x): x is string => x !== undefined)
        .map((t) => frac(BigInt(Math.round(Number(t) * 2 ** 31)), 2n ** 31n));
      const kernelShares: Fraction[] = [];
      let rest: Fraction = { num: 1n, den: 1n };
      for (const q of stored) { kernelShares.push(mul(rest, q)); rest = mul(rest, oneMinus(q)); }
      kernelShares.push(rest);
      const sc = loadScenario('kube-seed');
      const exp = expectSplit(loadRuleset(sc.sources, { noflush: true }), sc.host!, { family: 'ipv4', proto: 17, dst: [parseIPv4Strict(SERVICE)!], dport: 53 });
      const natsimShares = SEED_ENDPOINTS.map((e) => exp.outcomes.find((o) => o.endpoint === `${e}:53`)!.share);
      expect(natsimShares.map((f) => `${f.num}/${f.den}`)).toEqual(kernelShares.map((f) => `${f.num}/${f.den}`));
    });
  });
});

function seedPacketRun(k: SeedRun): PacketRun {
  return { endpointCounts: dnatCounts(k.counters, 'udp', 53), counters: k.counters, conntrack: k.conntrack, receivers: k.receivers };
}

kernelDescribe('kernel packet conformance: home router (MASQUERADE out of wan0, port forward :80 → 192.168.1.10:8080)', () => {
  const N = 20;
  let topo: Topology | undefined;
  let scratch: string | undefined;
  let out: ClientRun, inbound: ClientRun;
  let counters: TableCounters[];
  let conntrack: CtEntry[];
  let seen: Map<string, ReceiverRecord[]>;

  beforeAll(async () => {
    const { model, dir } = loadHostModel(join(HERE, 'home-router.json'));
    topo = buildTopology(model, dir);
    scratch = makeScratch();
    try {
      const receivers = [await startReceiver(topo, 'laptop', scratch), await startReceiver(topo, 'server', scratch)];
      await waitQuietAndZero(topo);
      out = await runClients(topo, 'laptop', 'tcp', { to: '198.51.100.20', port: 80, count: N, sportBase: 41000 });
      inbound = await runClients(topo, 'server', 'tcp', { to: '198.51.100.2', port: 80, count: N, sportBase: 42000 });
      counters = readCounters(topo);
      conntrack = readConntrack(topo).entries;
      seen = await stopAll(receivers);
    } finally {
      topo.destroy();
      rmScratch(scratch);
    }
  }, 30_000);

  afterAll(() => {
    topo?.destroy();
    if (scratch) rmScratch(scratch);
  });

  it('LAN → WAN: every connection completes, the server sees the router\'s WAN address with the client\'s own ports', () => {
    expect(out.connections.filter((c) => !c.completed)).toEqual([]);
    const recs = seen.get('server')!;
    expect(recs.length).toBe(N);
    for (const r of recs) expect(r).toMatchObject({ proto: 'tcp', local: '198.51.100.20', localPort: 80, remote: '198.51.100.2' });
    // MASQUERADE without --random-fully keeps a free source port.
    expect(recs.map((r) => r.remotePort).sort()).toEqual(out.connections.map((c) => c.sport).sort());
  });

  it('WAN → LAN: the port forward delivers to 192.168.1.10:8080 from the server\'s own address', () => {
    expect(inbound.connections.filter((c) => !c.completed)).toEqual([]);
    const recs = seen.get('laptop')!;
    expect(recs.length).toBe(N);
    for (const r of recs) expect(r).toMatchObject({ proto: 'tcp', local: '192.168.1.10', localPort: 8080, remote: '198.51.100.20' });
  });

  it('counters: one DNAT and one MASQUERADE per connection, FORWARD policy never hit', () => {
    const pre = chainOf(counters, 'nat', 'PREROUTING');
    expect(pre.rules[0]!.packets).toBe(N);
    expect(chainOf(counters, 'nat', 'POSTROUTING').rules[0]!.packets).toBe(N);
    const fwd = chainOf(counters, 'filter', 'FORWARD');
    expect(fwd.packets).toBe(0);
    expect(fwd.rules[1]!.packets).toBeGreaterThanOrEqual(N); // LAN → WAN new connections
    expect(fwd.rules[2]!.packets).toBe(N); // the port forward's SYNs
  });

  it('conntrack: both directions end TIME_WAIT [ASSURED], SNAT keeps ports, DNAT rewrites the reply', () => {
    const tcp = conntrack.filter((e) => e.proto === 'tcp');
    expect(tcp.length).toBe(2 * N);
    for (const e of tcp) {
      expect(e.state).toBe('TIME_WAIT');
      expect(e.flags).toContain('ASSURED');
    }
    const snat = tcp.filter((e) => e.orig.src === '192.168.1.10');
    expect(snat.length).toBe(N);
    for (const e of snat) expect(e.reply).toMatchObject({ src: '198.51.100.20', sport: 80, dst: '198.51.100.2', dport: e.orig.sport });
    const dnat = tcp.filter((e) => e.orig.src === '198.51.100.20');
    expect(dnat.length).toBe(N);
    for (const e of dnat) {
      expect(e.orig).toMatchObject({ dst: '198.51.100.2', dport: 80 });
      expect(e.reply).toMatchObject({ src: '192.168.1.10', sport: 8080, dst: '198.51.100.20', dport: e.orig.sport });
    }
  });

  describe('natsim on the same model and traffic', () => {
    let sim: PacketRun;
    beforeAll(() => {
      const { dir } = loadHostModel(join(HERE, 'home-router.json'));
      const run = runNatsimModel(join(HERE, 'home-router.json'), dir, {
        flows: [
          { client: 'laptop', to: '198.51.100.20', proto: 'tcp', port: 80, count: N, sportBase: 41000 },
          { client: 'server', to: '198.51.100.2', proto: 'tcp', port: 80, count: N, sportBase: 42000 },
        ],
        ping: null,
      });
      sim = { endpointCounts: new Map(), counters: run.counters, conntrack: run.conntrack, receivers: run.receivers };
    });
    it('counters agree with iptables-save -c exactly', () => {
      expect(compareCounters(counters, sim.counters)).toEqual([]);
    });
    it('conntrack tuples, states and flags agree', () => {
      expect(compareConntrack(conntrack, sim.conntrack)).toEqual([]);
    });
    it('each receiver saw the same packets', () => {
      expect(compareReceivers(seen, sim.receivers)).toEqual([]);
    });
  });
});
