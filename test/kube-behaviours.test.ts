/**
 * Kubernetes Service behaviours K1–K20 (the project brief's kube-scenarios list), each run as real traffic
 * through the Engine on a node whose ruleset the kube-proxy generator wrote (kube-proxy's chain
 * names and rule text). The node is kube-proxy's test flavour (`test/helpers/kube-node.ts`):
 * node1 192.168.0.2/24 on eth0 with a default route via 192.168.0.1, pods on 10.0.0.0/8 behind
 * the bridge cni0 (which holds 10.0.0.1, so MASQUERADE out of cni0 picks 10.0.0.1), endpoints
 * 10.180.x.y, cluster IPs 172.30.0.0/16, external IP 192.168.99.11, LB IPs 1.2.3.4 and 5.6.7.8,
 * outside clients 203.0.113.0/24 with the source range 203.0.113.0/25.
 *
 * Every test asserts concrete values: where the packet is DNATed to, whether and to what it is
 * masqueraded, its fate (forwarded / delivered / sent / dropped, and by which rule), the answer
 * REJECT sends, conntrack state, and for random choices exact shares and fixed-seed statistics.
 *
 * One deliberate difference from the table: K11 expects "TCP RST for TCP", but kube-proxy writes a
 * bare `-j REJECT` for services without endpoints (proxier.go: `internalTrafficFilterTarget =
 * "REJECT"`; the kernel-made fixture saves it as `--reject-with icmp-port-unreachable`), so the
 * kernel answers a TCP SYN with ICMP port unreachable too (the client's connect() still fails
 * with ECONNREFUSED). The test asserts what the kernel does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketResult } from '../engine/engine.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { generateKubeRuleset, type KubeService } from '../sim/kube/generate.js';
import { OVERALL_SERVICES, VARIETY_SERVICES, syntheticCluster } from '../sim/kube/examples.js';
import { endpointChain, serviceChains } from '../sim/kube/names.js';
import {
  ACK, CHI2_P001, CNI_IP, NODE, NODE_IP, PSH, SCTP, SYN, TCP, UDP,
  arrive, chiSquare, connect, decidingRule, dest, exactShares, kubeEngineFrom, kubeNode, loadKube, matched, sawNatTable, sendLocal, tableLines,
} from './helpers/kube-node.js';

// ---------------------------------------------------------------------------------------------
// Services.

/** ClusterIP with client-IP affinity (default timeout 10800 s) over three endpoints. */
const STICKY: KubeService = {
  namespace: 'ns-aff', name: 'sticky', clusterIP: '172.30.0.60', sessionAffinity: 'ClientIP',
  ports: [{ name: 'dns', port: 53, protocol: 'udp' }],
  endpoints: [{ ip: '10.180.0.61', nodeName: 'node1' }, { ip: '10.180.1.62', nodeName: 'node2' }, { ip: '10.180.2.63', nodeName: 'node3' }],
};
/** NodePort, externalTrafficPolicy Cluster, endpoints on three nodes. */
const SPREAD: KubeService = {
  namespace: 'ns-np', name: 'spread', type: 'NodePort', clusterIP: '172.30.0.61',
  ports: [{ name: 'http', port: 80, protocol: 'tcp', targetPort: 8080, nodePort: 30090 }],
  endpoints: [{ ip: '10.180.0.41', nodeName: 'node1' }, { ip: '10.180.1.41', nodeName: 'node2' }, { ip: '10.180.2.41', nodeName: 'node3' }],
};
/** The node's services: kube-proxy's TestOverallIPTablesRules set, the variety set, and the two above. */
const NODE_SERVICES: readonly KubeService[] = [...OVERALL_SERVICES, ...VARIETY_SERVICES, STICKY, SPREAD];

/** LoadBalancer with externalTrafficPolicy Local on LB 1.2.3.4, external IP 192.168.99.11, node port 30080. */
function web(endpoints: KubeService['endpoints']): KubeService {
  return {
    namespace: 'ns-web', name: 'web', type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.70',
    externalIPs: ['192.168.99.11'], loadBalancerIPs: ['1.2.3.4'], healthCheckNodePort: 30700,
    ports: [{ name: 'http', port: 80, protocol: 'tcp', targetPort: 8080, nodePort: 30080 }], endpoints,
  };
}
const WEB_LOCAL = web([{ ip: '10.180.0.21', nodeName: 'node1' }, { ip: '10.180.0.22', nodeName: 'node1' }, { ip: '10.180.3.23', nodeName: 'node3' }]);
const WEB_REMOTE = web([{ ip: '10.180.3.23', nodeName: 'node3' }, { ip: '10.180.4.24', nodeName: 'node4' }]);
/** LoadBalancer (policy Cluster) on 5.6.7.8 limited to 203.0.113.0/25, node port 30081. */
const RANGED: KubeService = {
  namespace: 'ns-fw', name: 'ranged', type: 'LoadBalancer', clusterIP: '172.30.0.71', loadBalancerIPs: ['5.6.7.8'],
  loadBalancerSourceRanges: ['203.0.113.0/25'], ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30081 }],
  endpoints: [{ ip: '10.180.0.31', nodeName: 'node1' }, { ip: '10.180.1.31', nodeName: 'node2' }],
};

const WEB_CH = serviceChains('ns-web/web:http', 'tcp');
const RANGED_CH = serviceChains('ns-fw/ranged:http', 'tcp');

// Clients.
const POD = '10.180.5.7';
const OUTSIDE = '203.0.113.7'; // inside 203.0.113.0/25
const BLOCKED = '203.0.113.200'; // outside 203.0.113.0/25

/** FORWARD policy DROP (a node where Docker or a firewall set it), so only kube-proxy's rules let traffic through. */
const FORWARD_DROP = '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n';

/** `ip:port` of each result, counted. */
function tally(rs: readonly PacketResult[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rs) m.set(dest(r), (m.get(dest(r)) ?? 0) + 1);
  return m;
}

/** The `--probability` values of a chain's rules, as iptables-save printed them. */
function probabilities(dump: string, chain: string): string[] {
  return tableLines(dump, 'nat').filter((l) => l.startsWith(`-A ${chain} `)).flatMap((l) => /--probability (\S+)/.exec(l)?.[1] ?? []);
}

/** The ICMP type and code of an emitted packet, and where it went. */
function icmpOf(r: PacketResult): { type: number; code: number; src: string; dst: string; fate: PacketResult['fate'] } {
  const l4 = r.packet.l4;
  if (l4.kind !== 'icmp') throw new Error(`not ICMP: ${l4.kind}`);
  return { type: l4.h.type, code: l4.h.code, src: r.after.src, dst: r.after.dst, fate: r.fate };
}

// ---------------------------------------------------------------------------------------------

describe('K1 pod → ClusterIP, one endpoint', () => {
  it('is DNATed to the endpoint through its SVC and SEP chains, not SNATed, and the connection completes', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    const c = connect(engine, { from: 'cni0', src: POD, sport: 40000, dst: '172.30.0.41', dport: 80, proto: TCP });
    const first = c.first;
    expect(first.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(first.after).toEqual({ src: POD, sport: 40000, dst: '10.180.0.1', dport: 80, proto: TCP });
    expect(first.ctstate).toBe('NEW,DNAT');
    expect(matched(first, 'nat').slice(0, 4)).toEqual([
      'PREROUTING#1 jump KUBE-SERVICES',
      'KUBE-SERVICES#1 jump KUBE-SVC-XPGD46QRK7WJZT7O',
      'KUBE-SVC-XPGD46QRK7WJZT7O#2 jump KUBE-SEP-SXIVWICOYRO3J4NJ',
      'KUBE-SEP-SXIVWICOYRO3J4NJ#2 DNAT → ACCEPT',
    ]);
    // No mark: KUBE-POSTROUTING returns before MASQUERADE.
    expect(matched(first, 'nat')).toContain('KUBE-POSTROUTING#1 RETURN');
    expect(first.packet.mark).toBe(0);
    // Handshake, one data segment and its ACK, close: all 8 packets pass, the client's to the
    // endpoint, the endpoint's back from the cluster IP.
    expect(c.results).toHaveLength(8);
    for (const r of c.results) {
      expect(r.fate.kind).toBe('forwarded');
      if (r.before.src === POD) expect(dest(r)).toBe('10.180.0.1:80');
      else expect(r.after).toMatchObject({ src: '172.30.0.41', sport: 80, dst: POD, dport: 40000 });
    }
  });
});

describe('K2 pod → ClusterIP, n endpoints', () => {
  const dns = serviceChains('kube-system/kube-dns:dns', 'udp').svc;
  const dnsEndpoints = ['10.180.0.10:53', '10.180.0.5:53', '10.180.0.6:53', '10.180.0.9:53']; // kube-proxy's IP:port sort

  it('stores 1/4, 1/3, 1/2 as the kernel quantizes them; exact shares q_i·Π(1−q_j)', () => {
    const { gen } = kubeNode(NODE_SERVICES, { trace: false });
    const probs = probabilities(gen.dump, dns);
    expect(probs).toEqual(['0.25000000000', '0.33333333349', '0.50000000000']);
    const shares = exactShares(probs);
    expect(shares[0]).toBe(0.25);
    expect(shares[1]).toBeCloseTo(0.75 * (715827883 / 2 ** 31), 16);
    expect(shares[1]).toBeCloseTo(0.2500000001164153, 15);
    expect(shares[2]).toBeCloseTo(0.2499999999417923, 15);
    expect(shares[3]).toBeCloseTo(0.2499999999417923, 15);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  });

  it('4000 UDP connections to kube-dns split by those shares (chi-square, p > 0.001)', () => {
    const { engine, gen } = kubeNode(NODE_SERVICES, { seed: 'k2-udp', trace: false });
    const probs = probabilities(gen.dump, dns);
    const rs: PacketResult[] = [];
    for (let i = 0; i < 4000; i++) rs.push(arrive(engine, 'cni0', { src: POD, dst: '172.30.0.10', proto: UDP, sport: 10000 + i, dport: 53 }));
    for (const r of rs) {
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      expect(r.after.src).toBe(POD);
    }
    const t = tally(rs);
    expect([...t.keys()].sort()).toEqual(dnsEndpoints);
    const observed = dnsEndpoints.map((e) => t.get(e) ?? 0);
    const shares = exactShares(probs);
    expect(chiSquare(observed, shares)).toBeLessThan(CHI2_P001[3]!);
    observed.forEach((o, i) => expect(Math.abs(o / 4000 - shares[i]!)).toBeLessThan(0.03));
  });

  it('3000 TCP connections to a 3-endpoint service split 1/3 each (chi-square, p > 0.001)', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k2-tcp', trace: false });
    const rs: PacketResult[] = [];
    for (let i = 0; i < 3000; i++) rs.push(arrive(engine, 'cni0', { src: POD, dst: '172.30.0.53', proto: TCP, sport: 10000 + i, dport: 8080, tcpFlags: SYN }));
    const eps = ['10.180.0.50:8080', '10.180.0.51:8080', '10.180.0.52:8080'];
    const t = tally(rs);
    expect([...t.keys()].sort()).toEqual(eps);
    const { gen } = kubeNode(NODE_SERVICES, { trace: false });
    const probs = probabilities(gen.dump, serviceChains('ns13/unnamed', 'tcp').svc);
    expect(probs).toEqual(['0.33333333349', '0.50000000000']);
    const shares = exactShares(probs);
    expect(chiSquare(eps.map((e) => t.get(e) ?? 0), shares)).toBeLessThan(CHI2_P001[2]!);
  });

  it('later packets of a connection (both directions) stay on its endpoint and skip the nat table', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k2-pin' });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const c = connect(engine, { from: 'cni0', src: POD, sport: 30000 + i, dst: '172.30.0.53', dport: 8080, proto: TCP, packets: 3 });
      const ep = dest(c.first);
      seen.add(ep);
      expect(sawNatTable(c.first)).toBe(true);
      expect(c.results).toHaveLength(10);
      for (const r of c.results.slice(1)) {
        expect(sawNatTable(r)).toBe(false);
        expect(r.fate.kind).toBe('forwarded');
        if (r.before.src === POD) expect(dest(r)).toBe(ep);
        else {
          expect(`${r.before.src}:${r.before.sport}`).toBe(ep);
          expect(r.after).toMatchObject({ src: '172.30.0.53', sport: 8080, dst: POD, dport: 30000 + i });
        }
      }
    }
    expect(seen.size).toBe(3);
  });
});

describe('K3 hairpin: an endpoint → its own ClusterIP', () => {
  it('is masqueraded (to cni0\'s 10.0.0.1) exactly when the chosen endpoint is the sender', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k3' });
    const self = '10.180.0.5';
    let hairpins = 0, others = 0;
    for (let i = 0; i < 200; i++) {
      const r = arrive(engine, 'cni0', { src: self, dst: '172.30.0.10', proto: UDP, sport: 20000 + i, dport: 53 });
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      const sepHairpin = matched(r, 'nat').some((m) => /^KUBE-SEP-\w+#1 jump KUBE-MARK-MASQ$/.test(m));
      if (r.after.dst === self) {
        hairpins++;
        expect(r.after.src).toBe(CNI_IP);
        expect(r.ctstate).toBe('NEW,SNAT,DNAT');
        expect(sepHairpin).toBe(true);
        expect(matched(r, 'nat')).toContain('KUBE-POSTROUTING#3 MASQUERADE → ACCEPT');
        // The endpoint answers the bridge address; the reply comes back from the cluster IP.
        const back = arrive(engine, 'cni0', { src: self, dst: CNI_IP, proto: UDP, sport: 53, dport: r.after.sport });
        expect(back.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
        expect(back.after).toMatchObject({ src: '172.30.0.10', sport: 53, dst: self, dport: 20000 + i });
      } else {
        others++;
        expect(r.after).toMatchObject({ src: self, sport: 20000 + i });
        expect(r.ctstate).toBe('NEW,DNAT');
        expect(sepHairpin).toBe(false);
      }
    }
    expect(hairpins).toBeGreaterThan(25);
    expect(others).toBeGreaterThan(100);
  });
});

describe('K4 node (OUTPUT path) → ClusterIP', () => {
  it('is DNATed in nat OUTPUT, re-routed to cni0 and masqueraded (192.168.0.2 is outside the pod CIDR)', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k4' });
    const c = connect(engine, { from: 'local', src: NODE_IP, sport: 41000, dst: '172.30.0.41', dport: 80, proto: TCP });
    const first = c.first;
    expect(first.fate).toEqual({ kind: 'sent', out: 'cni0' });
    expect(first.after).toMatchObject({ src: CNI_IP, dst: '10.180.0.1', dport: 80 });
    expect(first.ctstate).toBe('NEW,SNAT,DNAT');
    expect(matched(first, 'nat').slice(0, 4)).toEqual([
      'OUTPUT#1 jump KUBE-SERVICES',
      'KUBE-SERVICES#1 jump KUBE-SVC-XPGD46QRK7WJZT7O',
      'KUBE-SVC-XPGD46QRK7WJZT7O#1 jump KUBE-MARK-MASQ',
      'KUBE-MARK-MASQ#1 MARK, continue',
    ]);
    expect(first.steps.some((s) => s.kind === 'route' && s.decision.startsWith('re-routed') && s.out === 'cni0')).toBe(true);
    // The endpoint's answer is delivered to the node's socket from the cluster IP.
    const synack = c.results[1]!;
    expect(synack.fate).toEqual({ kind: 'delivered', iface: 'cni0' });
    expect(synack.after).toMatchObject({ src: '172.30.0.41', sport: 80, dst: NODE_IP, dport: 41000 });
    expect(c.results.every((r) => r.fate.kind !== 'dropped')).toBe(true);
  });
});

describe('K5 external → NodePort, externalTrafficPolicy Cluster', () => {
  it('goes to any endpoint, masqueraded to the node\'s cni0 address, accepted in FORWARD by the mark', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k5', extra: FORWARD_DROP });
    const rs: PacketResult[] = [];
    for (let i = 0; i < 120; i++) {
      const r = arrive(engine, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: TCP, sport: 50000 + i, dport: 30090, tcpFlags: SYN });
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      expect(r.after.src).toBe(CNI_IP);
      expect(r.ctstate).toBe('NEW,SNAT,DNAT');
      expect(decidingRule(r, 'filter', 'FORWARD')).toBe('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT');
      rs.push(r);
    }
    expect([...tally(rs).keys()].sort()).toEqual(['10.180.0.41:8080', '10.180.1.41:8080', '10.180.2.41:8080']);
  });

  it('the whole connection passes FORWARD DROP: replies by RELATED,ESTABLISHED, back from the node port', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k5', extra: FORWARD_DROP });
    const c = connect(engine, { from: 'eth0', src: OUTSIDE, sport: 5555, dst: NODE_IP, dport: 3003, proto: TCP });
    expect(c.first.after).toMatchObject({ src: CNI_IP, dst: '10.180.0.3', dport: 80 });
    expect(c.results).toHaveLength(8);
    for (const r of c.results.slice(1)) {
      expect(r.fate.kind).toBe('forwarded');
      expect(decidingRule(r, 'filter', 'FORWARD')).toBe('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
      if (r.before.src === '10.180.0.3') expect(r.after).toMatchObject({ src: NODE_IP, sport: 3003, dst: OUTSIDE, dport: 5555 });
    }
  });
});

describe('K6 external → NodePort / LB IP / external IP, externalTrafficPolicy Local', () => {
  for (const [what, dst, dport] of [['node port', NODE_IP, 30080], ['LB IP', '1.2.3.4', 80], ['external IP', '192.168.99.11', 80]] as const) {
    it(`${what}: only the local endpoints, the client's address and port kept`, () => {
      const { engine } = kubeNode([WEB_LOCAL, RANGED], { seed: `k6-${what}` });
      const rs: PacketResult[] = [];
      for (let i = 0; i < 80; i++) {
        const client = `203.0.113.${1 + (i % 100)}`;
        const r = arrive(engine, 'eth0', { src: client, dst, proto: TCP, sport: 40000 + i, dport, tcpFlags: SYN });
        expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
        expect(r.after).toMatchObject({ src: client, sport: 40000 + i });
        expect(r.ctstate).toBe('NEW,DNAT');
        expect(matched(r, 'nat')).toContain(`${WEB_CH.ext}#4 jump ${WEB_CH.svl}`);
        rs.push(r);
      }
      expect([...tally(rs).keys()].sort()).toEqual(['10.180.0.21:8080', '10.180.0.22:8080']);
      // The reply leaves from the address the client used.
      const r0 = rs[0]!;
      const back = arrive(engine, 'cni0', { src: r0.after.dst, dst: r0.after.src, proto: TCP, sport: 8080, dport: 40000, tcpFlags: SYN | ACK, ack: 2 });
      expect(back.fate).toEqual({ kind: 'forwarded', out: 'eth0' });
      expect(back.after).toMatchObject({ src: dst, sport: dport, dst: '203.0.113.1', dport: 40000 });
    });
  }
});

describe('K7 externalTrafficPolicy Local without a local endpoint', () => {
  it('LB IP and external IP are dropped in FORWARD, the node port in INPUT, by KUBE-EXTERNAL-SERVICES', () => {
    const { engine } = kubeNode([WEB_REMOTE], { seed: 'k7' });
    const lb = arrive(engine, 'eth0', { src: OUTSIDE, dst: '1.2.3.4', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN });
    expect(lb.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-EXTERNAL-SERVICES rule 2' });
    expect(decidingRule(lb, 'filter')).toBe('-A KUBE-EXTERNAL-SERVICES -d 1.2.3.4/32 -p tcp -m comment --comment "ns-web/web:http has no local endpoints" -m tcp --dport 80 -j DROP');
    expect(lb.after.dst).toBe('1.2.3.4');
    expect(lb.emitted).toEqual([]);
    const ext = arrive(engine, 'eth0', { src: OUTSIDE, dst: '192.168.99.11', proto: TCP, sport: 40001, dport: 80, tcpFlags: SYN });
    expect(ext.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-EXTERNAL-SERVICES rule 1' });
    const np = arrive(engine, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: TCP, sport: 40002, dport: 30080, tcpFlags: SYN });
    expect(np.fate).toMatchObject({ kind: 'dropped', hook: 'INPUT', by: 'filter KUBE-EXTERNAL-SERVICES rule 3' });
    expect(decidingRule(np, 'filter')).toBe('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "ns-web/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP');
  });

  it('pods still reach the cluster IP and the LB IP (short-circuit) on the remote endpoints', () => {
    const { engine } = kubeNode([WEB_REMOTE], { seed: 'k7' });
    const cip = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.70', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN });
    expect(cip.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(['10.180.3.23:8080', '10.180.4.24:8080']).toContain(dest(cip));
    const lb = arrive(engine, 'cni0', { src: POD, dst: '1.2.3.4', proto: TCP, sport: 40001, dport: 80, tcpFlags: SYN });
    expect(lb.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(['10.180.3.23:8080', '10.180.4.24:8080']).toContain(dest(lb));
    expect(lb.after.src).toBe(POD);
  });
});

describe('K8 pod → LB IP or NodePort, externalTrafficPolicy Local', () => {
  for (const [what, dst, dport] of [['LB IP', '1.2.3.4', 80], ['node port', NODE_IP, 30080]] as const) {
    it(`${what}: short-circuits to all endpoints (remote ones too), no masquerade`, () => {
      const { engine } = kubeNode([WEB_LOCAL, RANGED], { seed: `k8-${what}` });
      const rs: PacketResult[] = [];
      for (let i = 0; i < 90; i++) {
        const r = arrive(engine, 'cni0', { src: POD, dst, proto: TCP, sport: 40000 + i, dport, tcpFlags: SYN });
        expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
        expect(r.after).toMatchObject({ src: POD, sport: 40000 + i });
        expect(r.ctstate).toBe('NEW,DNAT');
        expect(matched(r, 'nat')).toContain(`${WEB_CH.ext}#1 jump ${WEB_CH.svc}`);
        rs.push(r);
      }
      expect([...tally(rs).keys()].sort()).toEqual(['10.180.0.21:8080', '10.180.0.22:8080', '10.180.3.23:8080']);
    });
  }
});

describe('K9 LB source ranges', () => {
  it('allowed client: an endpoint, masqueraded (policy Cluster)', () => {
    const { engine } = kubeNode([WEB_LOCAL, RANGED], { seed: 'k9' });
    const r = arrive(engine, 'eth0', { src: OUTSIDE, dst: '5.6.7.8', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN });
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(['10.180.0.31:80', '10.180.1.31:80']).toContain(dest(r));
    expect(r.after.src).toBe(CNI_IP);
    expect(r.ctstate).toBe('NEW,SNAT,DNAT');
    expect(matched(r, 'nat')).toContain(`${RANGED_CH.fw}#1 jump ${RANGED_CH.ext}`);
  });

  it('blocked client and a pod: not DNATed, dropped by KUBE-PROXY-FIREWALL', () => {
    const { engine } = kubeNode([WEB_LOCAL, RANGED], { seed: 'k9' });
    const drop = `-A KUBE-PROXY-FIREWALL -d 5.6.7.8/32 -p tcp -m comment --comment "ns-fw/ranged:http traffic not accepted by ${RANGED_CH.fw}" -m tcp --dport 80 -j DROP`;
    const blocked = arrive(engine, 'eth0', { src: BLOCKED, dst: '5.6.7.8', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN });
    expect(blocked.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-PROXY-FIREWALL rule 1' });
    expect(decidingRule(blocked, 'filter')).toBe(drop);
    expect(blocked.after).toMatchObject({ src: BLOCKED, dst: '5.6.7.8', dport: 80 });
    expect(blocked.ctstate).toBe('NEW');
    const pod = arrive(engine, 'cni0', { src: POD, dst: '5.6.7.8', proto: TCP, sport: 40001, dport: 80, tcpFlags: SYN });
    expect(pod.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-PROXY-FIREWALL rule 1' });
    expect(decidingRule(pod, 'filter')).toBe(drop);
  });
});

describe('K10 NodePort from a client outside the source ranges', () => {
  it('is still served (the ranges apply to the LB IP only), masqueraded', () => {
    const { engine } = kubeNode([WEB_LOCAL, RANGED], { seed: 'k10' });
    const c = connect(engine, { from: 'eth0', src: BLOCKED, sport: 40000, dst: NODE_IP, dport: 30081, proto: TCP });
    expect(c.first.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(['10.180.0.31:80', '10.180.1.31:80']).toContain(dest(c.first));
    expect(c.first.after.src).toBe(CNI_IP);
    expect(matched(c.first, 'nat').some((m) => m.startsWith('KUBE-FW-'))).toBe(false);
    expect(c.results).toHaveLength(8);
    expect(c.results.every((r) => r.fate.kind === 'forwarded')).toBe(true);
    expect(c.results[1]!.after).toMatchObject({ src: NODE_IP, sport: 30081, dst: BLOCKED, dport: 40000 });
  });
});

describe('K11 service without endpoints', () => {
  it('UDP from a pod: REJECT in FORWARD, ICMP port unreachable from the bridge address back to the pod', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    const r = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.52', proto: UDP, sport: 40000, dport: 53 });
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-SERVICES rule 3' });
    expect(decidingRule(r, 'filter')).toBe('-A KUBE-SERVICES -d 172.30.0.52/32 -p udp -m comment --comment "ns12/empty:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable');
    expect(r.emitted).toHaveLength(1);
    expect(icmpOf(r.emitted[0]!)).toEqual({ type: 3, code: 3, src: CNI_IP, dst: POD, fate: { kind: 'sent', out: 'cni0' } });
    expect(r.emitted[0]!.ctstate).toBe('RELATED');
  });

  it('TCP from a pod: kube-proxy\'s bare -j REJECT answers the SYN with ICMP port unreachable (not a RST)', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    const r = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.46', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN });
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-SERVICES rule 1' });
    expect(r.emitted).toHaveLength(1);
    expect(icmpOf(r.emitted[0]!)).toEqual({ type: 3, code: 3, src: CNI_IP, dst: POD, fate: { kind: 'sent', out: 'cni0' } });
  });

  it('UDP from outside: the node port in INPUT (answered from the node address), the LB IP and external IP in FORWARD', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    const np = arrive(engine, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: UDP, sport: 40000, dport: 30053 });
    expect(np.fate).toMatchObject({ kind: 'dropped', hook: 'INPUT' });
    expect(decidingRule(np, 'filter')).toBe('-A KUBE-EXTERNAL-SERVICES -p udp -m comment --comment "ns12/empty:dns has no endpoints" -m addrtype --dst-type LOCAL -m udp --dport 30053 -j REJECT --reject-with icmp-port-unreachable');
    expect(icmpOf(np.emitted[0]!)).toEqual({ type: 3, code: 3, src: NODE_IP, dst: OUTSIDE, fate: { kind: 'sent', out: 'eth0' } });
    for (const [dst, sport] of [['5.6.7.8', 40001], ['192.168.99.12', 40002]] as const) {
      const r = arrive(engine, 'eth0', { src: OUTSIDE, dst, proto: UDP, sport, dport: 53 });
      expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD' });
      expect(decidingRule(r, 'filter')).toMatch(/^-A KUBE-EXTERNAL-SERVICES -d .* "ns12\/empty:dns has no endpoints" .* -j REJECT --reject-with icmp-port-unreachable$/);
      expect(icmpOf(r.emitted[0]!)).toEqual({ type: 3, code: 3, src: NODE_IP, dst: OUTSIDE, fate: { kind: 'sent', out: 'eth0' } });
    }
  });
});

describe('K12 internalTrafficPolicy Local', () => {
  it('without a local endpoint: DROP in filter KUBE-SERVICES, nothing sent back (pod and node)', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    const r = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.49', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN });
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-SERVICES rule 2' });
    expect(decidingRule(r, 'filter')).toBe('-A KUBE-SERVICES -d 172.30.0.49/32 -p tcp -m comment --comment "ns9/itp-remote:p80 has no local endpoints" -m tcp --dport 80 -j DROP');
    expect(r.emitted).toEqual([]);
    expect(r.ctstate).toBe('NEW');
    const n = sendLocal(engine, { src: NODE_IP, dst: '172.30.0.49', proto: TCP, sport: 40001, dport: 80, tcpFlags: SYN });
    expect(n.fate).toMatchObject({ kind: 'dropped', hook: 'OUTPUT', by: 'filter KUBE-SERVICES rule 2' });
  });

  it('with a local endpoint: only that one (10.180.0.8, never node2\'s 10.180.1.8)', () => {
    const { engine } = kubeNode(NODE_SERVICES, { trace: false });
    const rs = Array.from({ length: 40 }, (_, i) => arrive(engine, 'cni0', { src: POD, dst: '172.30.0.48', proto: TCP, sport: 40000 + i, dport: 80, tcpFlags: SYN }));
    expect([...tally(rs).entries()]).toEqual([['10.180.0.8:80', 40]]);
  });
});

describe('K13 TCP, UDP and SCTP on one port number', () => {
  it('each protocol goes through its own service chain', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k13' });
    const cases = [
      { proto: TCP, port: 'dns-tcp', name: 'tcp', tp: 5353 },
      { proto: UDP, port: 'dns-udp', name: 'udp', tp: 53 },
      { proto: SCTP, port: 'dns-sctp', name: 'sctp', tp: 53 },
    ] as const;
    cases.forEach((c, i) => {
      const r = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.47', proto: c.proto, sport: 40000 + i, dport: 53, ...(c.proto === TCP ? { tcpFlags: SYN } : {}) });
      const svc = serviceChains(`ns7/multi:${c.port}`, c.name).svc;
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      expect(r.after.proto).toBe(c.proto);
      expect([`10.180.0.1:${c.tp}`, `10.180.2.1:${c.tp}`]).toContain(dest(r));
      const sep = endpointChain(`ns7/multi:${c.port}`, c.name, dest(r));
      expect(matched(r, 'nat').filter((m) => m.includes(svc) || m.includes(sep))).toEqual([
        expect.stringMatching(new RegExp(`^KUBE-SERVICES#\\d+ jump ${svc}$`)),
        expect.stringMatching(new RegExp(`^${svc}#\\d+ jump ${sep}$`)),
        `${sep}#2 DNAT → ACCEPT`,
      ]);
    });
  });

  it('UDP and SCTP to a TCP-only port match nothing: not DNATed, routed on by the default route', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    for (const [proto, sport] of [[UDP, 40000], [SCTP, 40001]] as const) {
      const r = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.41', proto, sport, dport: 80 });
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'eth0' });
      expect(r.after).toMatchObject({ src: POD, dst: '172.30.0.41', dport: 80 });
      expect(r.ctstate).toBe('NEW');
      expect(matched(r, 'nat').some((m) => m.includes('KUBE-SVC-'))).toBe(false);
    }
  });
});

describe('K14 targetPort ≠ port', () => {
  const LOGS = '*filter\n-I FORWARD 1 -p tcp -m tcp --dport 53 -j LOG --log-prefix "saw-53 "\n-I FORWARD 1 -p tcp -m tcp --dport 5353 -j LOG --log-prefix "saw-5353 "\nCOMMIT\n';

  it('DNAT rewrites 53 → 5353; filter FORWARD sees the new port; the reply leaves from port 53', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k14', extra: LOGS });
    const r = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.47', proto: TCP, sport: 40000, dport: 53, tcpFlags: SYN });
    expect(r.before.dport).toBe(53);
    expect(r.after.dport).toBe(5353);
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatch(new RegExp(`^saw-5353 IN=cni0 OUT=cni0 .*SRC=${POD} DST=${r.after.dst.replace(/\./g, '\\.')} .*SPT=40000 DPT=5353 `));
    const back = arrive(engine, 'cni0', { src: r.after.dst, dst: POD, proto: TCP, sport: 5353, dport: 40000, tcpFlags: SYN | ACK, ack: 2 });
    expect(back.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(back.after).toMatchObject({ src: '172.30.0.47', sport: 53, dst: POD, dport: 40000 });
  });
});

describe('K15 localhost → NodePort', () => {
  it('with localhost node ports on (default): DNAT and masquerade, and the answer returns to 127.0.0.1', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k15' });
    const c = connect(engine, { from: 'local', src: '127.0.0.1', sport: 42000, dst: '127.0.0.1', dport: 3003, proto: TCP });
    expect(c.first.fate).toEqual({ kind: 'sent', out: 'cni0' });
    expect(c.first.after).toMatchObject({ src: CNI_IP, dst: '10.180.0.3', dport: 80 });
    expect(c.first.ctstate).toBe('NEW,SNAT,DNAT');
    expect(matched(c.first, 'nat')).toContainEqual(expect.stringMatching(/^KUBE-SERVICES#\d+ jump KUBE-NODEPORTS$/));
    expect(matched(c.first, 'nat')).toContain('KUBE-POSTROUTING#3 MASQUERADE → ACCEPT');
    const synack = c.results[1]!;
    expect(synack.fate).toEqual({ kind: 'delivered', iface: 'cni0' });
    expect(synack.after).toMatchObject({ src: '127.0.0.1', sport: 3003, dst: '127.0.0.1', dport: 42000 });
  });

  it('with --iptables-localhost-nodeports=false: not DNATed, delivered on lo', () => {
    const { engine } = kubeNode(NODE_SERVICES, { node: { localhostNodePorts: false } });
    const r = sendLocal(engine, { src: '127.0.0.1', dst: '127.0.0.1', proto: TCP, sport: 42000, dport: 3003, tcpFlags: SYN });
    expect(r.fate).toEqual({ kind: 'delivered', iface: 'lo' });
    expect(r.after).toMatchObject({ src: '127.0.0.1', dst: '127.0.0.1', dport: 3003 });
    expect(r.ctstate).toBe('NEW');
  });
});

describe('K16 health-check node port', () => {
  it('is accepted in filter INPUT by KUBE-NODEPORTS (INPUT policy DROP); other ports are not', () => {
    const { engine } = kubeNode(NODE_SERVICES, { extra: '*filter\n:INPUT DROP [0:0]\nCOMMIT\n' });
    const hc = arrive(engine, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: TCP, sport: 40000, dport: 30000, tcpFlags: SYN });
    expect(hc.fate).toEqual({ kind: 'delivered', iface: 'eth0' });
    expect(decidingRule(hc, 'filter', 'INPUT')).toBe('-A KUBE-NODEPORTS -p tcp -m comment --comment "ns2/svc2:p80 health check node port" -m tcp --dport 30000 -j ACCEPT');
    const hc2 = arrive(engine, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: TCP, sport: 40001, dport: 30500, tcpFlags: SYN });
    expect(hc2.fate).toEqual({ kind: 'delivered', iface: 'eth0' });
    const other = arrive(engine, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: TCP, sport: 40002, dport: 30501, tcpFlags: SYN });
    expect(other.fate).toMatchObject({ kind: 'dropped', hook: 'INPUT', by: 'filter INPUT policy' });
  });
});

describe('K17 session affinity (ClientIP, 10800 s)', () => {
  it('first connection random; the same client sticks within the timeout; random again after it', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k17' });
    const svc = serviceChains('ns-aff/sticky:dns', 'udp').svc;
    const eps = ['10.180.0.61:53', '10.180.1.62:53', '10.180.2.63:53'];
    // Rule 1 masquerades non-pod sources, rules 2–4 are the `recent --rcheck` rules, 5–7 the random ones.
    const svcRule = (r: PacketResult): number => {
      for (const s of r.steps) if (s.kind === 'rule' && s.step.matched && s.step.chain === svc && s.step.action?.startsWith('jump KUBE-SEP-')) return s.step.num;
      throw new Error('no endpoint jump');
    };
    let sport = 10000;
    const go = (client: string): PacketResult => {
      const r = arrive(engine, 'cni0', { src: client, dst: '172.30.0.60', proto: UDP, sport: sport++, dport: 53 });
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      return r;
    };
    const clients = Array.from({ length: 60 }, (_, i) => `10.180.5.${i + 1}`);
    const first = new Map<string, string>();
    for (const c of clients) {
      const r = go(c);
      expect(svcRule(r)).toBeGreaterThanOrEqual(5);
      first.set(c, dest(r));
    }
    expect(new Set(first.values())).toEqual(new Set(eps));
    // An hour later, five more connections each: all pinned by the recent rule of their endpoint.
    engine.advance(3600_000);
    for (const c of clients) {
      for (let k = 0; k < 5; k++) {
        const r = go(c);
        expect(dest(r)).toBe(first.get(c));
        expect(svcRule(r)).toBe(2 + eps.indexOf(first.get(c)!));
      }
    }
    // One jiffy (4 ms) before the timeout since the last connection: still pinned.
    engine.advance(10800_000 - 4);
    for (const c of clients) {
      const r = go(c);
      expect(dest(r)).toBe(first.get(c));
      expect(svcRule(r)).toBe(2 + eps.indexOf(first.get(c)!));
    }
    // Exactly 10800 s after the last connection: still pinned (xt_recent skips a stamp only when
    // time_after(now − 10800·HZ, stamp), which is false at equality).
    engine.advance(10800_000);
    for (const c of clients) {
      const r = go(c);
      expect(dest(r)).toBe(first.get(c));
      expect(svcRule(r)).toBe(2 + eps.indexOf(first.get(c)!));
    }
    // One jiffy later: `--seconds 10800` no longer matches; random again.
    engine.advance(10800_000 + 4);
    const again = new Map<string, string>();
    for (const c of clients) {
      const r = go(c);
      expect(svcRule(r)).toBeGreaterThanOrEqual(5);
      again.set(c, dest(r));
    }
    const changed = clients.filter((c) => again.get(c) !== first.get(c)).length;
    expect(changed).toBeGreaterThanOrEqual(25); // 40 expected (2/3 of 60), sd 3.7
    expect(changed).toBeLessThanOrEqual(55);
    // …and pinned to the new choice.
    for (const c of clients) expect(dest(go(c))).toBe(again.get(c));
  });
});

describe('K18 replies and INVALID', () => {
  it('replies are un-DNATed and un-SNATed from conntrack; later packets skip the nat table', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k18' });
    const c = connect(engine, { from: 'eth0', src: '203.0.113.9', sport: 5555, dst: NODE_IP, dport: 3003, proto: TCP, packets: 3 });
    expect(c.first.after).toMatchObject({ src: CNI_IP, dst: '10.180.0.3', dport: 80 });
    const masqPort = c.first.after.sport;
    expect(c.results).toHaveLength(10);
    for (const r of c.results.slice(1)) {
      expect(sawNatTable(r)).toBe(false);
      expect(r.ctstate).toBe('ESTABLISHED,SNAT,DNAT');
      if (r.before.src === '10.180.0.3') {
        expect(r.before).toMatchObject({ dst: CNI_IP, dport: masqPort });
        expect(r.after).toMatchObject({ src: NODE_IP, sport: 3003, dst: '203.0.113.9', dport: 5555 });
        // Destination restored at PREROUTING (un-SNAT), source at POSTROUTING (un-DNAT).
        const nat = r.steps.filter((s) => s.kind === 'nat');
        expect(nat.map((s) => s.kind === 'nat' && `${s.hook} ${s.what} ${s.reply}`)).toEqual(['PREROUTING established true', 'POSTROUTING established true']);
      } else {
        expect(r.after).toMatchObject({ src: CNI_IP, sport: masqPort, dst: '10.180.0.3', dport: 80 });
      }
    }
  });

  /** Pod → svc1's cluster IP (DNAT only), handshake done; returns the endpoint's next segment's result. */
  function outOfWindow(engine: ReturnType<typeof kubeNode>['engine'], seqOffset: number): PacketResult {
    const syn = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.41', proto: TCP, sport: 40000, dport: 80, tcpFlags: SYN, seq: 1000 });
    expect(dest(syn)).toBe('10.180.0.1:80');
    const synack = arrive(engine, 'cni0', { src: '10.180.0.1', dst: POD, proto: TCP, sport: 80, dport: 40000, tcpFlags: SYN | ACK, seq: 5000, ack: 1001 });
    expect(synack.after).toMatchObject({ src: '172.30.0.41', sport: 80 });
    const ack = arrive(engine, 'cni0', { src: POD, dst: '172.30.0.41', proto: TCP, sport: 40000, dport: 80, tcpFlags: ACK, seq: 1001, ack: 5001 });
    expect(ack.ctstate).toBe('ESTABLISHED,DNAT');
    return arrive(engine, 'cni0', { src: '10.180.0.1', dst: POD, proto: TCP, sport: 80, dport: 40000, tcpFlags: ACK | PSH, seq: 5001 + seqOffset, ack: 1001 });
  }

  it('an out-of-window segment from the endpoint is INVALID: dropped by KUBE-FORWARD instead of leaving un-DNATed', () => {
    const { engine } = kubeNode(NODE_SERVICES, { seed: 'k18' });
    const bad = outOfWindow(engine, 0x40000000);
    expect(bad.ctstate).toBe('INVALID');
    expect(bad.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-FORWARD rule 1' });
    expect(decidingRule(bad, 'filter')).toBe('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
    expect(bad.after).toMatchObject({ src: '10.180.0.1', sport: 80, dst: POD }); // no conntrack, no un-DNAT
    // The in-window segment passes, from the cluster IP.
    const good = arrive(engine, 'cni0', { src: '10.180.0.1', dst: POD, proto: TCP, sport: 80, dport: 40000, tcpFlags: ACK, seq: 5001, ack: 1001 });
    expect(good.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(good.after).toMatchObject({ src: '172.30.0.41', sport: 80, dst: POD, dport: 40000 });
  });

  it('with nf_conntrack_tcp_be_liberal kube-proxy writes no INVALID rule, and conntrack keeps the segment (un-DNATed)', () => {
    const { engine, gen } = kubeNode(NODE_SERVICES, { seed: 'k18', node: { conntrackTCPLiberal: true }, conntrack: { tcpBeLiberal: true } });
    expect(tableLines(gen.dump, 'filter').filter((l) => l.includes('INVALID'))).toEqual([]);
    const r = outOfWindow(engine, 0x40000000);
    expect(r.ctstate).toBe('ESTABLISHED,DNAT');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(r.after).toMatchObject({ src: '172.30.0.41', sport: 80, dst: POD, dport: 40000 });
  });

  it('a lone SYN/ACK to a pod is INVALID and dropped by KUBE-FORWARD', () => {
    const { engine } = kubeNode(NODE_SERVICES);
    const r = arrive(engine, 'eth0', { src: '203.0.113.50', dst: '10.180.0.3', proto: TCP, sport: 80, dport: 4444, tcpFlags: SYN | ACK, seq: 1, ack: 1 });
    expect(r.ctstate).toBe('INVALID');
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter KUBE-FORWARD rule 1' });
  });
});

describe('K19 large cluster (no endpoint comments)', () => {
  const services = syntheticCluster(400, 3); // 1200 endpoints: large-cluster mode
  const large = generateKubeRuleset(services, NODE);
  const commented = generateKubeRuleset(services, { ...NODE, largeClusterMode: false });

  it('differs from the commented dump exactly by the endpoint comments', () => {
    const natLarge = tableLines(large.dump, 'nat');
    expect(natLarge.filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('-m comment'))).toEqual([]);
    expect(tableLines(commented.dump, 'nat').filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('-m comment'))).toHaveLength(2400);
    const stripped = commented.dump.split('\n').map((l) => {
      if (l.startsWith('-A KUBE-SEP-')) return l.replace(/ -m comment --comment \S+/, '');
      if (l.startsWith('-A KUBE-SVC-') && l.includes(' -> ')) return l.replace(/ -m comment --comment "[^"]*"/, '');
      return l;
    }).join('\n');
    expect(stripped).toBe(large.dump);
    expect(large.counts.nat!.rules).toBe(400 * (2 + 3 * 3) + 8);
  });

  it('gives the same verdicts as the commented dump, connection by connection', () => {
    const a = kubeEngineFrom(large, 'k19');
    const b = kubeEngineFrom(commented, 'k19');
    const summary = (r: PacketResult) => ({ fate: r.fate.kind, after: r.after, ct: r.ctstate });
    for (let i = 0; i < 300; i++) {
      const k = (i * 37) % 400;
      const s = services[k]!;
      const p = { src: `10.180.9.${1 + (i % 200)}`, dst: s.clusterIP, proto: TCP, sport: 30000 + i, dport: 80, tcpFlags: SYN };
      const ra = arrive(a, 'cni0', p);
      const rb = arrive(b, 'cni0', p);
      expect(summary(ra)).toEqual(summary(rb));
      expect(ra.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      expect(s.endpoints.map((e) => `${e.ip}:8080`)).toContain(dest(ra));
    }
    // A port no service has is not DNATed in either.
    const miss = { src: POD, dst: services[0]!.clusterIP, proto: TCP, sport: 1, dport: 81, tcpFlags: SYN };
    expect(summary(arrive(a, 'cni0', miss))).toEqual(summary(arrive(b, 'cni0', miss)));
  });
});

describe('K20 restore-input dialect vs canonical dialect', () => {
  /** A traffic mix over most services of the node. */
  function mix(node: ReturnType<typeof kubeNode>['engine']): unknown[] {
    const out: unknown[] = [];
    const rec = (r: PacketResult) => out.push({ fate: r.fate.kind, after: r.after, ct: r.ctstate, emitted: r.emitted.map((x) => x.after) });
    for (let i = 0; i < 40; i++) {
      rec(arrive(node, 'cni0', { src: POD, dst: '172.30.0.10', proto: UDP, sport: 1000 + i, dport: 53 }));
      rec(arrive(node, 'cni0', { src: `10.180.5.${i % 5}`, dst: '172.30.0.60', proto: UDP, sport: 2000 + i, dport: 53 }));
      rec(arrive(node, 'eth0', { src: OUTSIDE, dst: NODE_IP, proto: TCP, sport: 3000 + i, dport: 30090, tcpFlags: SYN }));
      rec(arrive(node, 'eth0', { src: OUTSIDE, dst: '1.2.3.4', proto: TCP, sport: 4000 + i, dport: 80, tcpFlags: SYN }));
      rec(arrive(node, 'eth0', { src: i % 2 ? OUTSIDE : BLOCKED, dst: '5.6.7.8', proto: TCP, sport: 5000 + i, dport: 80, tcpFlags: SYN }));
      rec(arrive(node, 'cni0', { src: POD, dst: '172.30.0.52', proto: UDP, sport: 6000 + i, dport: 53 }));
      rec(sendLocal(node, { src: NODE_IP, dst: '172.30.0.53', proto: TCP, sport: 7000 + i, dport: 8080, tcpFlags: SYN }));
    }
    return out;
  }

  it('same packets, same results; same save output, counters included', () => {
    const a = kubeNode(NODE_SERVICES, { seed: 'k20', trace: false });
    const b = kubeNode(NODE_SERVICES, { seed: 'k20', trace: false, dialect: 'restore' });
    for (const t of ['filter', 'nat', 'mangle']) expect(saveRuleset(b.ruleset, { table: t, comments: false })).toBe(saveRuleset(a.ruleset, { table: t, comments: false }));
    expect(mix(b.engine)).toEqual(mix(a.engine));
    for (const t of ['filter', 'nat', 'mangle']) {
      const sa = saveRuleset(a.ruleset, { table: t, comments: false, counters: true });
      expect(saveRuleset(b.ruleset, { table: t, comments: false, counters: true })).toBe(sa);
      if (t !== 'mangle') expect(sa).toMatch(/\[[1-9]\d*:\d+\] -A /); // traffic was counted
    }
  });

  it('the restore dialect really is the other spelling (no /32, -m comment first, 10-decimal probabilities)', () => {
    const { gen } = kubeNode(NODE_SERVICES, { trace: false });
    const sep = endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80');
    expect(gen.restore).toContain('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(gen.dump).toContain('-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(gen.restore).toContain(`-A ${sep} -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ`);
    expect(gen.dump).toContain(`-A ${sep} -s 10.180.0.1/32 -m comment --comment "ns1/svc1:p80" -j KUBE-MARK-MASQ`);
    expect(gen.restore).toContain('--probability 0.3333333333 ');
    expect(gen.dump).toContain('--probability 0.33333333349 ');
    // Loaded from either text, a node saves the canonical dump (table by table).
    const rs = loadKube(gen, 'restore');
    for (const t of ['filter', 'nat', 'mangle']) {
      const want = gen.dump.slice(gen.dump.indexOf(`*${t}\n`)).replace(/(\nCOMMIT\n)[\s\S]*$/, '$1');
      expect(saveRuleset(rs, { table: t, comments: false })).toBe(want);
    }
  });

  // iptables-legacy-save lists the tables newest first (netfilter-semantics.md §7.1); base creates
  // mangle, nat, filter, so the kernel printed filter, nat, mangle, and so does natsim.
  it('whole save output after base + restore is the kernel\'s, table order included', () => {
    const rs = loadKube(generateKubeRuleset([...OVERALL_SERVICES, ...VARIETY_SERVICES], NODE), 'restore');
    expect(saveRuleset(rs, { comments: false })).toBe(readFileSync(join(import.meta.dirname, 'fixtures/kube/overall-variety.kernel-save'), 'utf8'));
  });
});
