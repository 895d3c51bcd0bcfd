/**
 * `natsim flows`: connections through the engine counted per endpoint and compared with the
 * exact split; same seed, same sample; replies un-NATed; session affinity with --clients.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleset } from '../engine/compile.js';
import { Engine } from '../engine/engine.js';
import { hostFromSpec } from '../engine/host/host.js';
import { parseIPv4Strict } from '../engine/net/addr.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { runFlows, type FlowsOptions } from '../sim/commands/flows.js';
import { generateKubeRuleset } from '../sim/kube/generate.js';
import { loadScenario } from '../sim/scenario.js';

const base: FlowsOptions = { rules: [], proto: 'udp', count: 4000, packetsPerConnection: 1, reply: false, seed: 's', json: false, allServices: false, interval: 1, in: 'eth0' };
const dns = { addr: [parseIPv4Strict('10.96.0.10')!], port: 53, family: 'ipv4' as const };

describe('natsim flows on the seed node', () => {
  const sc = loadScenario('kube-seed');
  const rs = () => loadRuleset(sc.sources, { noflush: true });

  it('counts every connection at one of the four pods, consistent with the exact shares', () => {
    const r = runFlows(rs(), sc.host!, base, dns, 17);
    expect([...r.observed.values()].reduce((a, b) => a + b, 0)).toBe(4000);
    expect([...r.observed.keys()].sort()).toEqual(['10.244.0.10:53', '10.244.0.5:53', '10.244.0.6:53', '10.244.0.9:53']);
    expect(r.comparison.connections).toBe(4000);
    expect(r.comparison.degreesOfFreedom).toBe(3);
    expect(r.comparison.pValue).toBeGreaterThan(0.001);
    expect(r.comparison.endpoints.find((e) => e.endpoint === '10.244.0.5:53')!.expectedFraction).toBe('2147483649/8589934592');
  });

  it('same seed, same sample; another seed, another sample', () => {
    const a = runFlows(rs(), sc.host!, base, dns, 17);
    const b = runFlows(rs(), sc.host!, base, dns, 17);
    const c = runFlows(rs(), sc.host!, { ...base, seed: 'other' }, dns, 17);
    expect([...a.observed]).toEqual([...b.observed]);
    expect([...a.observed]).not.toEqual([...c.observed]);
  });

  it('later packets stay on their endpoint, and replies come back un-NATed (TCP too)', () => {
    const u = runFlows(rs(), sc.host!, { ...base, count: 500, packetsPerConnection: 3, reply: true }, dns, 17);
    expect(u.unpinned).toBe(0);
    expect(u.repliesUnNated).toBe(500);
    const t = runFlows(rs(), sc.host!, { ...base, count: 300, packetsPerConnection: 2, reply: true }, dns, 6);
    expect(t.unpinned).toBe(0);
    expect(t.repliesUnNated).toBe(300);
  });

  it('a full conntrack table refuses connections before the rules see them: counted apart, the split is over the rest', () => {
    // 300 entries in the default 262,144 buckets: early drop mostly finds nothing, as on a node.
    const r = runFlows(rs(), sc.host!, { ...base, count: 3000, conntrack: { max: 300 } }, dns, 17);
    const compared = [...r.observed.values()].reduce((a, b) => a + b, 0);
    expect(r.refusedTableFull).toBeGreaterThan(2000);
    expect(compared + r.refusedTableFull).toBe(3000);
    expect([r.conntrackMax, r.conntrackBuckets]).toEqual([300, 262144]);
    expect([...r.observed.keys()].sort()).toEqual(['10.244.0.10:53', '10.244.0.5:53', '10.244.0.6:53', '10.244.0.9:53']);
    expect(r.comparison.connections).toBe(compared);
    // As many buckets as entries: early drop nearly always finds room.
    const roomy = runFlows(rs(), sc.host!, { ...base, count: 3000, conntrack: { max: 300, buckets: 300 } }, dns, 17);
    expect(roomy.refusedTableFull).toBeLessThan(30);
    const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');
    const cli = spawnSync(process.execPath, [bin, 'flows', '--scenario', 'kube-seed', '--to', '10.96.0.10:53', '--count', '3000', '--sysctl', 'net.netfilter.nf_conntrack_max=300', '--no-color'], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/^[\d,]+ refused by conntrack before any rule saw them: the table was full \(nf_conntrack_max 300, nf_conntrack_buckets 262,144\) .* the split below is over the other [\d,]+$/m);
    const j = JSON.parse(spawnSync(process.execPath, [bin, 'flows', '--scenario', 'kube-seed', '--to', '10.96.0.10:53', '--count', '3000', '--sysctl', 'net.netfilter.nf_conntrack_max=300', '--json'], { encoding: 'utf8' }).stdout);
    expect(j.opened).toBe(3000);
    expect(j.connections + j.refusedTableFull).toBe(3000);
  });

  it('--json prints the fields the issue asks for', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');
    const r = spawnSync(process.execPath, [bin, 'flows', '--scenario', 'kube-seed', '--to', '10.96.0.10:53', '--proto', 'udp', '--count', '2000', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.connections).toBe(2000);
    expect(j.endpoints).toHaveLength(4);
    for (const e of j.endpoints) expect(Object.keys(e)).toEqual(expect.arrayContaining(['endpoint', 'observed', 'expected']));
    expect(typeof j.chiSquare).toBe('number');
    expect(j.degreesOfFreedom).toBe(3);
    expect(j.pValue).toBeGreaterThan(0);
  });
});

describe('session affinity (kube-proxy ClientIP) with --clients', () => {
  const node = { name: 'node1', ip: '192.168.0.2', podCIDR: '10.0.0.0/8' };
  const svc = {
    namespace: 'ns1', name: 'sticky', clusterIP: '172.30.0.50', sessionAffinity: 'ClientIP' as const, sessionAffinityTimeout: 10800,
    ports: [{ name: 'p80', port: 80, protocol: 'tcp' as const }],
    endpoints: [{ ip: '10.180.0.1' }, { ip: '10.180.0.2' }, { ip: '10.180.0.3' }],
  };
  const host = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['192.168.0.2/24'] }, { name: 'cni0', addrs: ['10.0.0.1/24'] }], routes: ['default via 192.168.0.1 dev eth0', '10.0.0.0/8 dev cni0'] });
  const rs = () => loadRuleset([{ text: generateKubeRuleset([svc], node).dump, file: 'sticky.rules' }]);
  const to = { addr: [parseIPv4Strict('172.30.0.50')!], port: 80, family: 'ipv4' as const };

  it('one client: every connection within the timeout goes to one endpoint', () => {
    const r = runFlows(rs(), host, { ...base, proto: 'tcp', count: 200, clients: 1, from: '192.168.0.0/24' }, to, 6);
    expect(r.observed.size).toBe(1);
  });

  it('ten clients: each sticks to one endpoint, so the split has ten units, not 200', () => {
    const r = runFlows(rs(), host, { ...base, proto: 'tcp', count: 200, clients: 10, from: '192.168.0.0/24' }, to, 6);
    expect([...r.observed.values()].reduce((a, b) => a + b, 0)).toBe(200);
    expect(r.observed.size).toBeLessThanOrEqual(3);
  });
});

describe('a crowded MASQUERADE port range', () => {
  // 64 source ports for every connection from the pods to one DNS server.
  const text = '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -p udp -j MASQUERADE --to-ports 20000-20063\nCOMMIT\n';
  const host = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['192.168.0.2/24'] }, { name: 'cni0', addrs: ['10.0.0.1/24'] }], routes: ['default via 192.168.0.1 dev eth0', '10.0.0.0/8 dev cni0'] });
  const to = { addr: [parseIPv4Strict('198.51.100.5')!], port: 53, family: 'ipv4' as const };

  it('past 64 connections every new one finds all 64 ports taken and is dropped at confirmation; conntrack -S says so', () => {
    const r = runFlows(loadRuleset([{ text, file: 'masq.rules' }]), host, { ...base, count: 100, in: 'cni0', from: '10.0.0.0/24' }, to, 17);
    expect(r.insertFailed).toBe(36);
    expect(r.observed.get('dropped')).toBe(36);
    expect(r.observed.get('forwarded')).toBe(64);
    // Each of the 36 probed all 64 ports; the first 64 found some of theirs taken on the way.
    expect(r.natFound).toBeGreaterThanOrEqual(36 * 64);
    expect(r.natFound).toBeLessThan(36 * 64 + 64 * 64);
    const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');
    const dir = mkdtempSync(join(tmpdir(), 'natsim-flows-'));
    writeFileSync(join(dir, 'masq.rules'), text);
    writeFileSync(join(dir, 'host.json'), JSON.stringify({ interfaces: [{ name: 'eth0', addrs: ['192.168.0.2/24'] }, { name: 'cni0', addrs: ['10.0.0.1/24'] }], routes: ['default via 192.168.0.1 dev eth0', '10.0.0.0/8 dev cni0'] }));
    const cli = spawnSync(process.execPath, [bin, 'flows', '--rules', join(dir, 'masq.rules'), '--host', join(dir, 'host.json'), '--in', 'cni0', '--from', '10.0.0.0/24', '--to', '198.51.100.5:53', '--count', '100', '--no-color'], { encoding: 'utf8' });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/^36 dropped by conntrack after the rules: their NAT mapping clashed .* \(NAT found [\d,]+ candidates taken, conntrack -S found\)/m);
  });
});

describe('one compile shared by several runs (--all-services)', () => {
  const sc = loadScenario('kube-seed');
  // A service whose rules keep state: an nth counter and a token bucket.
  const text = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.96.0.20/32 -p udp -m udp --dport 53 -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 10.244.0.5:53
-A PREROUTING -d 10.96.0.20/32 -p udp -m udp --dport 53 -m limit --limit 10/sec -j DNAT --to-destination 10.244.0.6:53
-A PREROUTING -d 10.96.0.20/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.9:53
COMMIT
`;
  const svc = { addr: [parseIPv4Strict('10.96.0.20')!], port: 53, family: 'ipv4' as const };
  const o = { ...base, count: 301 };

  it('gives each run the rules\' state a fresh compile would (nth counters, token buckets)', () => {
    const rs = loadRuleset([{ text, file: 'stateful.rules' }]);
    const compiled = compileRuleset(rs);
    const first = runFlows(rs, sc.host!, o, svc, 17, compiled);
    const second = runFlows(rs, sc.host!, o, svc, 17, compiled);
    const fresh = runFlows(loadRuleset([{ text, file: 'stateful.rules' }]), sc.host!, o, svc, 17);
    expect(first.observed.get('10.244.0.5:53')).toBe(101);
    // The bucket: a burst of 5, then one connection per 100 ms of the 301 ms the run lasts.
    expect(first.observed.get('10.244.0.6:53')).toBeGreaterThanOrEqual(6);
    expect(first.observed.get('10.244.0.6:53')).toBeLessThanOrEqual(9);
    expect([...second.observed]).toEqual([...first.observed]);
    expect([...fresh.observed]).toEqual([...first.observed]);
  });

  it('an engine refuses a compile of another ruleset', () => {
    const compiled = compileRuleset(loadRuleset([{ text, file: 'a.rules' }]));
    expect(() => new Engine({ ruleset: loadRuleset([{ text, file: 'b.rules' }]), host: sc.host!, compiled })).toThrow(/not the ruleset given/);
  });
});
