/**
 * `natsim kube`: the service list file (checks that name the file and field), `--replicas`
 * numbering, `kube show` in both dialects, `kube generate`'s scenario folder, and the seed's
 * scenarios (kube-coredns-2/4/7) being exactly what the generator writes, with the seed's names.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../engine/errors.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { loadScenario } from '../sim/scenario.js';
import { chainSplit, toDecimal } from '../sim/split.js';
import { runKubeGenerate, runKubeShow } from '../sim/commands/kube.js';
import { parseReplicas, parseServicesFile, scaleService } from '../sim/kube/services-file.js';

const dir = mkdtempSync(join(tmpdir(), 'natsim-kube-'));
const scenarios = join(import.meta.dirname, '..', 'scenarios');
const seedServices = join(scenarios, 'kube-coredns-2', 'services.json');

function capture(): { streams: { out: (s: string) => void; err: (s: string) => void }; out: () => string } {
  let text = '';
  return { streams: { out: (s) => { text += s; }, err: () => undefined }, out: () => text };
}

function parseError(text: string): string {
  try {
    parseServicesFile(text, 'svc.json');
  } catch (e) {
    expect(e).toBeInstanceOf(NatsimError);
    return (e as NatsimError).format();
  }
  throw new Error('expected an error');
}

describe('the service list file', () => {
  const ok = { namespace: 'ns1', name: 'web', clusterIP: '172.30.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: [{ ip: '10.180.0.1' }] };

  it('reads a bare list with the default node, protocols in any case', () => {
    const f = parseServicesFile(JSON.stringify([ok]), 'svc.json');
    expect(f.node).toEqual({ name: 'node1', ip: '192.168.0.2', podCIDR: '10.0.0.0/8' });
    expect(f.services[0]!.ports[0]!.protocol).toBe('tcp');
    expect(f.host).toBeNull();
  });

  it('names the file and the field of each mistake', () => {
    expect(parseError(JSON.stringify([{ ...ok, ports: [{ name: 'http', port: 80, protocol: 'HTTP' }] }])))
      .toBe('svc.json: services[0] (ns1/web).ports[0].protocol: "HTTP" is not one of tcp, udp, sctp');
    expect(parseError(JSON.stringify([{ ...ok, ports: [{ name: 'http', port: 80, targetport: 8080 }] }])))
      .toBe('svc.json: services[0] (ns1/web).ports[0]: unknown field "targetport" (expected name, port, protocol, targetPort, nodePort)');
    expect(parseError(JSON.stringify([{ ...ok, clusterIP: '172.30.0.500' }])))
      .toBe('svc.json: services[0] (ns1/web).clusterIP: expected an IPv4 address, got "172.30.0.500"');
    expect(parseError(JSON.stringify([{ ...ok, endpoints: [{ ip: '10.180.0.1', local: 'yes' }] }])))
      .toBe('svc.json: services[0] (ns1/web).endpoints[0].local: expected true or false, got "yes"');
    expect(parseError(JSON.stringify([{ ...ok, ports: [{ name: 'http', port: 70000 }] }])))
      .toBe('svc.json: services[0] (ns1/web).ports[0].port: expected a whole number from 1 to 65535, got 70000');
    expect(parseError(JSON.stringify([{ ...ok, type: 'Cluster' }]))).toMatch(/services\[0\] \(ns1\/web\)\.type: "Cluster" is not one of ClusterIP, NodePort, LoadBalancer/);
    expect(parseError(JSON.stringify([ok, ok]))).toBe('svc.json: services[1]: service ns1/web is listed twice (also services[0])');
    expect(parseError(JSON.stringify({ node: { ip: '172.18.0.2' }, services: [] }))).toMatch(/^svc\.json: node: missing field "podCIDR"/);
    expect(parseError(JSON.stringify({ services: [ok], extra: 1 }))).toMatch(/\(top level\): unknown field "extra"/);
    expect(parseError(JSON.stringify([{ ...ok, ports: [{ port: 80 }, { port: 81 }] }]))).toMatch(/ports\[0\]\.name: every port of a service with several ports needs a name/);
  });

  it('points at the line and column of a JSON syntax error', () => {
    expect(parseError('[\n  { "name": "web",\n    "namespace" "ns1" }\n]')).toMatch(/^svc\.json:3:\d+: not valid JSON/);
  });
});

describe('--replicas', () => {
  const f = parseServicesFile(readFileSync(seedServices, 'utf8'), 'services.json');
  const dnsEndpoints = (n: number): string[] => scaleService(f, parseReplicas(`kube-system/kube-dns=${n}`), 'services.json').services[1]!.endpoints.map((e) => e.ip);

  it('numbers new pods after the last one, like the seed (.5, .6 → .7, .8), and keeps the first ones when scaling down', () => {
    expect(dnsEndpoints(4)).toEqual(['10.244.0.5', '10.244.0.6', '10.244.0.7', '10.244.0.8']);
    expect(dnsEndpoints(7)).toEqual(['10.244.0.5', '10.244.0.6', '10.244.0.7', '10.244.0.8', '10.244.0.9', '10.244.0.10', '10.244.0.11']);
    expect(dnsEndpoints(1)).toEqual(['10.244.0.5']);
    expect(dnsEndpoints(0)).toEqual([]);
    const scaled = scaleService(f, parseReplicas('kube-system/kube-dns=3'), 'services.json').services[1]!.endpoints;
    expect(scaled[2]).toEqual({ ip: '10.244.0.7', local: true });
  });

  it('says what is wrong with a bad request', () => {
    expect(() => parseReplicas('kube-dns=3')).toThrow(/expected NAMESPACE\/NAME=N/);
    expect(() => scaleService(f, parseReplicas('default/nope=3'), 'services.json')).toThrow('--replicas: no service default/nope in services.json (it has default/kubernetes, kube-system/kube-dns)');
  });
});

describe('natsim kube show', () => {
  it('prints the canonical dump, or kube-proxy\'s restore input, or the base rules', () => {
    const dump = capture();
    runKubeShow({ file: seedServices, replicas: ['kube-system/kube-dns=4'] }, dump.streams);
    expect(dump.out()).toContain('-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.6:53" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-IRMT6RY5EEEBXDAY\n');
    const restore = capture();
    runKubeShow({ file: seedServices, replicas: ['kube-system/kube-dns=4'], restore: true }, restore.streams);
    expect(restore.out()).toContain('-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.6:53" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-IRMT6RY5EEEBXDAY\n');
    expect(restore.out()).toContain('-A KUBE-SEP-232DQYSHL5HNRYWJ -m comment --comment kube-system/kube-dns:dns -s 10.244.0.7 -j KUBE-MARK-MASQ\n');
    const base = capture();
    runKubeShow({ file: seedServices, base: true }, base.streams);
    expect(base.out()).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(() => runKubeShow({ file: seedServices, base: true, restore: true }, capture().streams)).toThrow(/give one/);
  });

  it('reports a missing file by name', () => {
    expect(() => runKubeShow({ file: join(dir, 'nope.json') }, capture().streams)).toThrow(/cannot read .*nope\.json: no such file/);
  });
});

describe('natsim kube generate', () => {
  it('writes a scenario folder that loads, with a README saying what it holds', () => {
    const svc = join(dir, 'web.json');
    writeFileSync(svc, JSON.stringify({
      node: { name: 'n1', ip: '192.168.5.2', podCIDR: '10.1.0.0/16' },
      services: [{ namespace: 'shop', name: 'web', type: 'NodePort', clusterIP: '10.96.3.3', externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP',
        ports: [{ name: 'http', port: 80, protocol: 'tcp', targetPort: 8080, nodePort: 30080 }],
        endpoints: [{ ip: '10.1.0.7', local: true }, { ip: '10.1.1.7' }] }],
    }));
    const out = join(dir, 'shop-web');
    const c = capture();
    runKubeGenerate({ file: svc, out }, c.streams);
    expect(c.out()).toContain('shop/web:http 10.96.3.3:80/tcp KUBE-SVC-');
    const spec = JSON.parse(readFileSync(join(out, 'scenario.json'), 'utf8'));
    expect(spec).toMatchObject({ name: 'shop-web', rules: ['node.rules'], host: 'host.json' });
    expect(JSON.parse(readFileSync(join(out, 'host.json'), 'utf8'))).toEqual({
      interfaces: [{ name: 'eth0', addrs: ['192.168.5.2/24'] }, { name: 'cni0', addrs: ['10.1.0.1/24'] }],
      routes: ['default via 192.168.5.1 dev eth0'], forwarding: true, routeLocalnet: true,
    });
    const rules = readFileSync(join(out, 'node.rules'), 'utf8');
    const rs = loadRuleset([{ file: 'node.rules', text: rules }]);
    expect([...rs.tables.get('nat')!.chains.keys()].filter((n) => n.startsWith('KUBE-SVL-'))).toHaveLength(1);
    expect(rules).toContain('-m recent --set --name KUBE-SEP-');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/`node\.rules`: the node's `iptables-save`/);
    expect(JSON.parse(readFileSync(join(out, 'services.json'), 'utf8')).services[0].endpoints).toHaveLength(2);
  });
});

describe('the seed scenarios kube-coredns-2, -4, -7', () => {
  const regenerate = (replicas: string[]): string => {
    const out = join(dir, `regen-${replicas.join('-').replace(/\W/g, '_') || 'none'}`);
    runKubeGenerate({ file: seedServices, out, replicas }, capture().streams);
    return readFileSync(join(out, 'node.rules'), 'utf8');
  };

  it('are exactly what the generator writes from kube-coredns-2/services.json', () => {
    const strip = (t: string): string => t.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(strip(regenerate([]))).toBe(strip(readFileSync(join(scenarios, 'kube-coredns-2', 'node.rules'), 'utf8')));
    expect(strip(regenerate(['kube-system/kube-dns=4']))).toBe(strip(readFileSync(join(scenarios, 'kube-coredns-4', 'node.rules'), 'utf8')));
    expect(strip(regenerate(['kube-system/kube-dns=7']))).toBe(strip(readFileSync(join(scenarios, 'kube-coredns-7', 'node.rules'), 'utf8')));
  });

  it('use the seed diff\'s chain names and its SEP rules', () => {
    const seedDiff = readFileSync(join(import.meta.dirname, 'fixtures', 'seed', 'coredns-scale-up.diff'), 'utf8').split('\n');
    const after = readFileSync(join(scenarios, 'kube-coredns-4', 'node.rules'), 'utf8');
    const before = readFileSync(join(scenarios, 'kube-coredns-2', 'node.rules'), 'utf8');
    const seps = seedDiff.filter((l) => /^[ +]-A KUBE-SEP-/.test(l)).map((l) => l.slice(1));
    expect(seps.length).toBeGreaterThan(20);
    for (const l of seps) expect(after).toContain(l + '\n');
    for (const l of seedDiff.filter((x) => /^ -A KUBE-SEP-/.test(x))) expect(before).toContain(l.slice(1) + '\n');
    const chains = new Set(seedDiff.join('\n').match(/KUBE-(SVC|SEP)-[A-Z0-9]{16}/g));
    for (const c of chains) expect(after).toContain(`:${c} - [0:0]`);
  });

  it('load as scenarios with the seed node as host, and split 1/2 → 1/4 (as stored) → ≈1/7', () => {
    const shares = (name: string): string[] => {
      const sc = loadScenario(name);
      expect(sc.host!.interfaces.get('cni0')!.addrs[0]!.prefixLen).toBe(24);
      const rs = loadRuleset(sc.sources);
      return chainSplit(rs.tables.get('nat')!.chains.get('KUBE-SVC-TCOU7JCQXEZGVUNU')!).branches.map((b) => `${b.share.num}/${b.share.den}`);
    };
    expect(shares('kube-coredns-2')).toEqual(['1/2', '1/2']);
    expect(shares('kube-coredns-4')).toEqual(['1/4', '2147483649/8589934592', '4294967295/17179869184', '4294967295/17179869184']);
    const seven = loadRuleset(loadScenario('kube-coredns-7').sources);
    const split = chainSplit(seven.tables.get('nat')!.chains.get('KUBE-SVC-TCOU7JCQXEZGVUNU')!);
    expect(split.branches.map((b) => toDecimal(b.share, 9))).toEqual(Array(7).fill('0.142857143'));
  });
});
