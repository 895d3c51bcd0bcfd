/**
 * The engine end to end on small nodes: a home router (MASQUERADE out of the WAN, a DNAT port
 * forward, replies un-NATed through conntrack) and a kube-proxy-style service (statistic split,
 * DNAT, masquerade by mark, later packets pinned to their endpoint).
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import type { ConntrackConfig } from '../engine/conntrack/table.js';
import { hostFromSpec } from '../engine/host/host.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { formatConntrackLine } from '../engine/conntrack/format.js';
import { packet } from './helpers/engine.js';
import { ipv4Fragments, ipv6Fragments, withIpv4Options } from './helpers/fragments.js';
import { ipv4ChecksumOk } from '../engine/wire/ipv4.js';
import { buildPacketBytes, decodePacket, type Packet } from '../engine/packet.js';

const SYN = 0x02, SYNACK = 0x12, ACK = 0x10;

const routerRules = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 203.0.113.2/32 -i wan0 -p tcp -j DNAT --to-destination 192.168.1.10:8080
-A POSTROUTING -o wan0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -i lan0 -o wan0 -j ACCEPT
-A FORWARD -d 192.168.1.0/24 -i wan0 -o lan0 -j ACCEPT
COMMIT
`;

function router(seed = 'r') {
  const host = hostFromSpec({
    interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }],
    routes: ['default via 203.0.113.1 dev wan0'],
  });
  return new Engine({ ruleset: loadRuleset([{ text: routerRules, file: 'router.rules' }]), host, seed, trace: true });
}

/** A LAN/WAN node whose nat table's POSTROUTING chain holds `postrouting` (one rule per line), nothing else. */
function snatNode(postrouting: string, seed: string, conntrack?: ConntrackConfig): Engine {
  const rules = `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${postrouting.trim().split('\n').map((l) => `-A POSTROUTING ${l.trim()}\n`).join('')}COMMIT\n`;
  return new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'snat.rules' }]),
    host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev wan0'] }),
    seed,
    ...(conntrack ? { conntrack } : {}),
  });
}

describe('home router', () => {
  it('masquerades LAN traffic keeping the port, and un-NATs the reply', () => {
    const e = router();
    const out = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40000, dport: 80, tcpFlags: SYN }), 'lan0');
    expect(out.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(out.after).toMatchObject({ src: '203.0.113.2', sport: 40000, dst: '198.51.100.5', dport: 80 });
    expect(out.ctstate).toBe('NEW,SNAT');
    const back = e.receive(packet({ src: '198.51.100.5', dst: '203.0.113.2', proto: 6, sport: 80, dport: 40000, tcpFlags: SYNACK, ack: 2 }), 'wan0');
    expect(back.fate).toEqual({ kind: 'forwarded', out: 'lan0' });
    expect(back.after).toMatchObject({ src: '198.51.100.5', dst: '192.168.1.10', dport: 40000 });
    expect(back.ctstate).toBe('ESTABLISHED,SNAT');
    expect(formatConntrackLine(back.conntrack!, e.now)).toBe('tcp      6 60 SYN_RECV src=192.168.1.10 dst=198.51.100.5 sport=40000 dport=80 src=198.51.100.5 dst=203.0.113.2 sport=80 dport=40000 mark=0 use=1');
  });

  it('a second client with the same source port gets a new port (the tuple would clash)', () => {
    const e = router();
    e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    const two = e.receive(packet({ src: '192.168.1.11', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    expect(two.after.src).toBe('203.0.113.2');
    expect(two.after.sport).not.toBe(5000);
    expect(two.after.sport).toBeGreaterThanOrEqual(1024);
  });

  it('a source already masqueraded keeps its mapping while that connection lives (find_appropriate_src), and NAT forgets dead connections', () => {
    const e = router();
    e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    const first = e.receive(packet({ src: '192.168.1.11', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    const moved = first.after.sport;
    expect(moved).not.toBe(5000);
    // Another destination from the same source: the live mapping is reused, though 5000 would be free.
    e.now = 1000;
    expect(e.receive(packet({ src: '192.168.1.11', dst: '198.51.100.6', proto: 17, sport: 5000, dport: 53 }), 'lan0').after.sport).toBe(moved);
    // Keep .10's connection alive; let both of .11's expire (UDP unreplied: 30 s).
    e.now = 20_000;
    e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    e.now = 35_000;
    expect(e.receive(packet({ src: '192.168.1.11', dst: '198.51.100.7', proto: 17, sport: 5000, dport: 53 }), 'lan0').after.sport).toBe(5000);
    expect(e.conntrack.sourceListed).toBe(4);
    e.conntrack.expire(100_000);
    expect(e.conntrack.count).toBe(0);
    expect(e.conntrack.sourceListed).toBe(0);
  });

  it('after NAT the packet record agrees with its bytes (ports, transport header, checksum)', () => {
    const e = router();
    for (const [proto, inIf, src, dst, sport, dport] of [[6, 'wan0', '198.51.100.9', '203.0.113.2', 5555, 443], [17, 'lan0', '192.168.1.10', '198.51.100.5', 5000, 53], [6, 'lan0', '192.168.1.10', '198.51.100.5', 40000, 80]] as const) {
      const r = e.receive(packet({ src, dst, proto, sport, dport, tcpFlags: SYN }), inIf);
      const fresh = decodePacket(r.packet.family, r.packet.data.slice());
      expect([r.packet.sport, r.packet.dport, r.packet.l4]).toEqual([fresh.sport, fresh.dport, fresh.l4]);
      expect(r.before).not.toEqual(r.after);
    }
  });

  it('forwards a WAN connection to the LAN server, and the reply leaves with the public address and port', () => {
    const e = router();
    const inb = e.receive(packet({ src: '198.51.100.9', dst: '203.0.113.2', proto: 6, sport: 5555, dport: 443, tcpFlags: SYN }), 'wan0');
    expect(inb.fate).toEqual({ kind: 'forwarded', out: 'lan0' });
    expect(inb.after).toMatchObject({ src: '198.51.100.9', dst: '192.168.1.10', dport: 8080 });
    expect(inb.ctstate).toBe('NEW,DNAT');
    const rep = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.9', proto: 6, sport: 8080, dport: 5555, tcpFlags: SYNACK, ack: 2 }), 'lan0');
    expect(rep.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(rep.after).toMatchObject({ src: '203.0.113.2', sport: 443, dst: '198.51.100.9', dport: 5555 });
    // The path shows the reply's source restored at POSTROUTING, not the nat table.
    expect(rep.steps.some((s) => s.kind === 'nat' && s.hook === 'POSTROUTING' && s.what === 'established')).toBe(true);
    expect(rep.steps.some((s) => s.kind === 'rule' && s.step.table === 'nat')).toBe(false);
  });

  it('drops by the FORWARD policy and counts it; the nat table counts first packets only', () => {
    const e = router();
    const d = e.receive(packet({ src: '198.51.100.9', dst: '10.9.9.9', proto: 17, sport: 1, dport: 2 }), 'wan0');
    expect(d.fate).toMatchObject({ kind: 'dropped', hook: 'FORWARD', by: 'filter FORWARD policy' });
    const c = packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40001, dport: 80, tcpFlags: SYN });
    e.receive(c, 'lan0');
    e.receive(packet({ src: '198.51.100.5', dst: '203.0.113.2', proto: 6, sport: 80, dport: 40001, tcpFlags: SYNACK, ack: 2 }), 'wan0');
    e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport: 40001, dport: 80, tcpFlags: ACK, seq: 2, ack: 2 }), 'lan0');
    const saved = saveRuleset(e.ruleset, { counters: true, comments: false });
    expect(saved).toContain(':FORWARD DROP [1:29]');
    expect(saved).toContain('[1:40] -A POSTROUTING -o wan0 -j MASQUERADE');
    expect(saved).toContain('[2:80] -A FORWARD -i lan0 -o wan0 -j ACCEPT');
  });
});

const kubeRules = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:SVC - [0:0]
:SEP1 - [0:0]
:SEP2 - [0:0]
:SEP3 - [0:0]
:SEP4 - [0:0]
-A PREROUTING -d 10.96.0.10/32 -p udp -j SVC
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE --random-fully
-A SVC ! -s 10.244.0.0/16 -j MARK --or-mark 0x4000
-A SVC -m statistic --mode random --probability 0.2500000000 -j SEP1
-A SVC -m statistic --mode random --probability 0.3333333333 -j SEP2
-A SVC -m statistic --mode random --probability 0.5000000000 -j SEP3
-A SVC -j SEP4
-A SEP1 -p udp -j DNAT --to-destination 10.244.0.10:53
-A SEP2 -p udp -j DNAT --to-destination 10.244.0.5:53
-A SEP3 -p udp -j DNAT --to-destination 10.244.0.6:53
-A SEP4 -p udp -j DNAT --to-destination 10.244.0.9:53
COMMIT
`;

describe('kube-proxy-style service', () => {
  const host = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['172.18.0.2/16'] }, { name: 'cni0', addrs: ['10.244.0.1/24'] }] });

  it('spreads 4,000 connections as the stored probabilities say, masquerades them, pins later packets', () => {
    const e = new Engine({ ruleset: loadRuleset([{ text: kubeRules, file: 'kube.rules' }]), host, seed: 'seed-node' });
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const r = e.receive(packet({ src: '172.18.0.100', dst: '10.96.0.10', proto: 17, sport: 20000 + i, dport: 53 }), 'eth0');
      expect(r.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
      expect(r.after.src).toBe('10.244.0.1');
      counts.set(r.after.dst, (counts.get(r.after.dst) ?? 0) + 1);
    }
    const expected = [0.25, 0.2500000001164, 0.2499999999418, 0.2499999999418];
    const pods = ['10.244.0.10', '10.244.0.5', '10.244.0.6', '10.244.0.9'];
    let chi = 0;
    pods.forEach((p, i) => { const o = counts.get(p) ?? 0; const ex = 4000 * expected[i]!; chi += (o - ex) ** 2 / ex; });
    expect(chi).toBeLessThan(16.27); // p > 0.001 with 3 degrees of freedom
    // The same connection's next packet goes to the same pod, without the nat table.
    const first = e.receive(packet({ src: '172.18.0.100', dst: '10.96.0.10', proto: 17, sport: 20000, dport: 53 }), 'eth0');
    const again = e.receive(packet({ src: '172.18.0.100', dst: '10.96.0.10', proto: 17, sport: 20000, dport: 53 }), 'eth0');
    expect(again.after).toEqual(first.after);
  });

  it('the reply from the pod comes back from the cluster IP to the client', () => {
    const e = new Engine({ ruleset: loadRuleset([{ text: kubeRules, file: 'kube.rules' }]), host, seed: 'x', trace: true });
    const q = e.receive(packet({ src: '172.18.0.100', dst: '10.96.0.10', proto: 17, sport: 33333, dport: 53 }), 'eth0');
    const r = e.receive(packet({ src: q.after.dst, dst: q.after.src, proto: 17, sport: 53, dport: q.after.sport }), 'cni0');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'eth0' });
    expect(r.after).toMatchObject({ src: '10.96.0.10', sport: 53, dst: '172.18.0.100', dport: 33333 });
    expect(r.ctstate).toBe('ESTABLISHED,SNAT,DNAT');
  });

  it('same seed, same choices; another seed, another sample', () => {
    const run = (seed: string) => {
      const e = new Engine({ ruleset: loadRuleset([{ text: kubeRules, file: 'kube.rules' }]), host, seed });
      return Array.from({ length: 50 }, (_, i) => e.receive(packet({ src: '172.18.0.100', dst: '10.96.0.10', proto: 17, sport: 1000 + i, dport: 53 }), 'eth0').after.dst).join(',');
    };
    expect(run('a')).toBe(run('a'));
    expect(run('a')).not.toBe(run('b'));
  });
});

describe('defragmentation before conntrack (priority -400)', () => {
  const host = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['172.18.0.2/16'] }, { name: 'cni0', addrs: ['10.244.0.1/24'] }] });
  const rules = '*nat\n-A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.5:53\nCOMMIT\n';

  /** A UDP datagram to 10.96.0.10:53 cut into two IPv4 fragments (first 32 bytes of payload, then the rest). */
  function fragments(): Packet[] {
    const whole = packet({ src: '172.18.0.100', dst: '10.96.0.10', proto: 17, sport: 5000, dport: 53, payload: new Uint8Array(60).fill(7), ipId: 4242 });
    const d = whole.data;
    const first = new Uint8Array(20 + 32);
    first.set(d.subarray(0, 52));
    const second = new Uint8Array(20 + (d.length - 52));
    second.set(d.subarray(0, 20));
    second.set(d.subarray(52), 20);
    const fix = (b: Uint8Array, offsetBytes: number, more: boolean): Packet => {
      const len = b.length;
      b[2] = len >>> 8; b[3] = len & 0xff;
      const frag = (more ? 0x2000 : 0) | (offsetBytes / 8);
      b[6] = frag >>> 8; b[7] = frag & 0xff;
      b[10] = 0; b[11] = 0;
      let sum = 0;
      for (let i = 0; i < 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const cs = ~sum & 0xffff;
      b[10] = cs >>> 8; b[11] = cs & 0xff;
      return decodePacket('ipv4', b);
    };
    return [fix(first, 0, true), fix(second, 32, false)];
  }

  it('holds the first fragment, then NATs and forwards the reassembled datagram, counted once', () => {
    const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'frag.rules' }]), host, trace: true });
    const [a, b] = fragments();
    const r1 = e.receive(a!, 'eth0');
    expect(r1.fate).toEqual({ kind: 'held', hook: 'PREROUTING', fragments: 1 });
    expect(r1.conntrack).toBeNull();
    const r2 = e.receive(b!, 'eth0');
    expect(r2.fate).toEqual({ kind: 'forwarded', out: 'cni0' });
    expect(r2.after).toMatchObject({ dst: '10.244.0.5', dport: 53, sport: 5000 });
    expect(r2.packet.length).toBe(20 + 8 + 60);
    expect(r2.steps.some((s) => s.kind === 'defrag' && /reassembled from 2 fragments/.test(s.result))).toBe(true);
    expect(saveRuleset(e.ruleset, { counters: true, comments: false })).toContain('[1:88] -A PREROUTING -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.0.5:53');
  });

  it('fragments in reverse order reassemble too', () => {
    const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'frag.rules' }]), host });
    const [a, b] = fragments();
    expect(e.receive(b!, 'eth0').fate.kind).toBe('held');
    expect(e.receive(a!, 'eth0').after.dst).toBe('10.244.0.5');
  });
});

describe('NAT port search: a new TCP connection may evict a TIME_WAIT one (nf_nat_used_tuple_harder)', () => {
  // Four source ports only: every candidate of the search is one of its last 32 attempts.
  const FIN = 0x01;
  const node = (): Engine => snatNode('-o wan0 -p tcp -j SNAT --to-source 203.0.113.2:1000-1003', 'time-wait');
  const lan = (sport: number, flags: number, seq: number, ack = 0) => packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 6, sport, dport: 80, tcpFlags: flags, seq, ack });
  const wan = (dport: number, flags: number, seq: number, ack: number) => packet({ src: '198.51.100.5', dst: '203.0.113.2', proto: 6, sport: 80, dport, tcpFlags: flags, seq, ack });
  /** A connection opened and closed by the client (left in TIME_WAIT); its translated port. */
  function closed(e: Engine, sport: number, isn: number): number {
    const port = e.receive(lan(sport, SYN, isn), 'lan0').after.sport;
    e.receive(wan(port, SYNACK, 7000, isn + 1), 'wan0');
    e.receive(lan(sport, ACK, isn + 1, 7001), 'lan0');
    e.receive(lan(sport, FIN | ACK, isn + 1, 7001), 'lan0');
    e.receive(wan(port, FIN | ACK, 7001, isn + 2), 'wan0');
    const last = e.receive(lan(sport, ACK, isn + 2, 7002), 'lan0');
    expect(formatConntrackLine(last.conntrack!, e.now)).toMatch(/ TIME_WAIT /);
    return port;
  }

  it('with every port held by a TIME_WAIT connection, a SYN whose sequence is past theirs takes one over', () => {
    const e = node();
    const ports = [5000, 5001, 5002, 5003].map((sp) => closed(e, sp, 1000));
    expect([...ports].sort()).toEqual([1000, 1001, 1002, 1003]);
    const r = e.receive(lan(5004, SYN, 5000), 'lan0');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(ports).toContain(r.after.sport);
    // The evicted connection is gone; the other three and the new one remain.
    const lines = e.conntrack.list(e.now).map((x) => formatConntrackLine(x, e.now));
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.includes(`dport=${r.after.sport} `) && l.includes('TIME_WAIT'))).toHaveLength(0);
    expect(lines.filter((l) => l.includes('SYN_SENT') && l.includes('sport=5004'))).toHaveLength(1);
  });

  it('a SYN whose sequence is not past theirs evicts nothing: no port is free, and the clash drops it at confirm', () => {
    const e = node();
    for (const sp of [5000, 5001, 5002, 5003]) closed(e, sp, 1000);
    const r = e.receive(lan(5004, SYN, 500), 'lan0');
    expect(r.fate.kind).toBe('dropped');
    expect(e.conntrack.list(e.now).map((x) => formatConntrackLine(x, e.now)).filter((l) => l.includes('TIME_WAIT'))).toHaveLength(4);
  });
});


describe("NAT's port index gives the hash table's answers", () => {
  // 64 source ports for many clients: searches probe long runs of taken ports, entries expire
  // while others live, TCP connections close into TIME_WAIT, some get replies.
  const node = (portIndexAfter: number): Engine => snatNode(`
    -o wan0 -p udp -j SNAT --to-source 203.0.113.2:1000-1063 --random-fully
    -o wan0 -p tcp -j MASQUERADE --to-ports 2000-2063`, 'port-index', { max: 90, portIndexAfter });

  it('the same fate, rewrite and table after every packet, indexed from the first probe or never', () => {
    const indexed = node(1), plain = node(Infinity);
    let x = 12345;
    const rand = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
    const open: { sport: number; port: number; proto: number; client: string }[] = [];
    let taken = 0;
    for (let step = 0; step < 6000; step++) {
      const dt = rand(150) === 0 ? rand(60_000) : rand(20);
      indexed.advance(dt); plain.advance(dt);
      let pk: () => Packet, iface: string;
      const r = rand(10);
      if (r < 6 || open.length === 0) {
        const proto = rand(3) === 0 ? 6 : 17;
        const client = `192.168.1.${10 + rand(3)}`, sport = 3000 + rand(400);
        pk = () => packet({ src: client, dst: '198.51.100.5', proto, sport, dport: 53, ...(proto === 6 ? { tcpFlags: SYN, seq: 1000 + step } : {}) });
        iface = 'lan0';
      } else {
        const c = open[rand(open.length)]!;
        pk = r < 9
          ? () => packet({ src: '198.51.100.5', dst: '203.0.113.2', proto: c.proto, sport: 53, dport: c.port, ...(c.proto === 6 ? { tcpFlags: SYNACK, seq: 7000, ack: 1 } : {}) })
          : () => packet({ src: c.client, dst: '198.51.100.5', proto: c.proto, sport: c.sport, dport: 53, ...(c.proto === 6 ? { tcpFlags: 0x11, seq: 2, ack: 7001 } : {}) });
        iface = r < 9 ? 'wan0' : 'lan0';
      }
      const a = indexed.receive(pk(), iface), b = plain.receive(pk(), iface);
      expect(a.fate).toEqual(b.fate);
      expect(a.after).toEqual(b.after);
      expect(a.ctstate).toBe(b.ctstate);
      if (iface === 'lan0' && a.fate.kind === 'forwarded' && a.ctstate.startsWith('NEW')) {
        open.push({ sport: a.before.sport, port: a.after.sport, proto: a.before.proto, client: a.before.src });
        if (open.length > 300) open.shift();
        if (a.after.sport !== a.before.sport) taken++;
      }
      if (step % 500 === 0) {
        expect(indexed.conntrack.list(indexed.now).map((e) => formatConntrackLine(e, indexed.now)))
          .toEqual(plain.conntrack.list(plain.now).map((e) => formatConntrackLine(e, plain.now)));
      }
    }
    expect(taken).toBeGreaterThan(1000);
    expect(indexed.conntrack.stats).toEqual(plain.conntrack.stats);
    expect(indexed.conntrack.stats.earlyDrop).toBeGreaterThan(0);
    // Every probe of a taken port counts as the kernel's `found` (nf_conntrack_tuple_taken), told
    // by the index or by the hash table alike.
    expect(indexed.conntrack.stats.found).toBeGreaterThan(taken);
  });
});

describe("conntrack -S's found: NAT candidates found taken (nf_conntrack_tuple_taken)", () => {
  const client = (src: string, sport: number) => packet({ src, dst: '198.51.100.5', proto: 17, sport, dport: 53 });

  it('one source port for every client: each later client finds it taken once, and its clash at confirm drops it', () => {
    const e = snatNode('-o wan0 -p udp -j SNAT --to-source 203.0.113.2:7000', 'found');
    const fates = ['192.168.1.10', '192.168.1.11', '192.168.1.12'].map((src) => e.receive(client(src, 4000), 'lan0'));
    expect(fates[0]!.after.sport).toBe(7000);
    expect(fates.slice(1).map((r) => r.fate.kind)).toEqual(['dropped', 'dropped']);
    const st = e.conntrack.stats;
    // (The kernel's `insert`, always 0 here, is the CLI's constant: test/replay.test.ts.)
    expect([st.found, st.insertFailed, st.drop, st.confirmed]).toEqual([2, 2, 2, 1]);
  });

  it('a source keeping its port finds nothing; a second connection from another client with the same port finds it taken once, then a free one', () => {
    const e = snatNode('-o wan0 -p udp -j MASQUERADE', 'found-2');
    expect(e.receive(client('192.168.1.10', 4000), 'lan0').after.sport).toBe(4000);
    expect(e.conntrack.stats.found).toBe(0);
    const second = e.receive(client('192.168.1.11', 4000), 'lan0');
    expect(second.fate.kind).toBe('forwarded');
    expect(second.after.sport).not.toBe(4000);
    // The original tuple taken (1); then the search from a random offset over 1024-65535 with
    // one port held: that port can be hit only by the first probe.
    expect(e.conntrack.stats.found === 1 || (e.conntrack.stats.found === 2 && second.after.sport === 4001)).toBe(true);
    expect(e.conntrack.stats.confirmed).toBe(2);
  });
});

describe('the by-source list is kept from the first time NAT asks for it', () => {
  // Connections to .5 and .7 get random ports and never ask find_appropriate_src; the first
  // connection to .6 does, and must find them as if the list had been kept all along.
  it('a later non-random mapping reuses the newest live mapping of the same source', () => {
    const e = snatNode(`
      -o wan0 -d 198.51.100.5 -j MASQUERADE --random-fully
      -o wan0 -d 198.51.100.7 -j MASQUERADE --random-fully
      -o wan0 -j MASQUERADE`, 'by-source');
    const send = (sport: number, dst: string) => e.receive(packet({ src: '192.168.1.10', dst, proto: 17, sport, dport: 53 }), 'lan0').after.sport;
    const first = new Map<number, number>(), newest = new Map<number, number>();
    for (let sp = 5000; sp < 5040; sp++) first.set(sp, send(sp, '198.51.100.5'));
    e.advance(1000);
    // Every other source also to .7: its mapping (newer) is the one to reuse.
    for (let sp = 5000; sp < 5040; sp += 2) newest.set(sp, send(sp, '198.51.100.7'));
    expect(e.conntrack.sourceListed).toBe(60);
    for (let sp = 5000; sp < 5040; sp++) expect(send(sp, '198.51.100.6')).toBe(newest.get(sp) ?? first.get(sp));
    expect(e.conntrack.sourceListed).toBe(100);
  });
});

describe('forwarding takes one from the TTL / hop limit (ip_forward, ip6_forward)', () => {
  const rules = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m ttl --ttl-eq 63\nCOMMIT\n`;
  const node = (family: 'ipv4' | 'ipv6' = 'ipv4'): Engine => new Engine({
    ruleset: loadRuleset([{ text: family === 'ipv4' ? rules : rules.replace('-m ttl --ttl-eq 63', '-m hl --hl-eq 63'), file: 'ttl.rules' }], { family }),
    host: hostFromSpec({
      interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24', '2001:db8:1::1/64'] }, { name: 'wan0', addrs: ['203.0.113.2/24', '2001:db8:2::1/64'] }],
      routes: ['default via 203.0.113.1 dev wan0', '::/0 via 2001:db8:2::ff dev wan0'],
    }),
    seed: 'ttl',
  });
  /** Whether an IPv4 header's checksum verifies (its 16-bit words sum to 0xffff). */
  const headerOk = (b: Uint8Array): boolean => {
    let s = 0;
    for (let i = 0; i < (b[0]! & 15) * 4; i += 2) s += (b[i]! << 8) | b[i + 1]!;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    return s === 0xffff;
  };

  it('FORWARD sees TTL 63 for a packet that came with 64; what leaves has 63 and a good header checksum', () => {
    const e = node();
    const r = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53, ttl: 64 }), 'lan0');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(r.packet.ttl).toBe(63);
    expect(r.packet.data[8]).toBe(63);
    expect(headerOk(r.packet.data)).toBe(true);
    expect(saveRuleset(e.ruleset, { counters: true })).toContain('[1:29] -A FORWARD -m ttl --ttl-eq 63');
  });

  it('the header checksum stays good for every TTL and header (the kernel adds 0x0100 with its end-around carry)', () => {
    const e = node();
    for (let i = 0; i < 2000; i++) {
      const p = packet({ src: `192.168.1.${2 + (i % 250)}`, dst: '198.51.100.5', proto: 17, sport: 1024 + i, dport: 53, ttl: 2 + (i % 254), tos: (i * 7) & 0xff, ipId: (i * 7919) & 0xffff });
      const r = e.receive(p, 'lan0');
      expect(r.packet.ttl).toBe(1 + (i % 254));
      expect(headerOk(r.packet.data), `ttl ${2 + (i % 254)} id ${(i * 7919) & 0xffff}`).toBe(true);
    }
  });

  it('TTL 1: not forwarded, FORWARD never sees it, and the sender gets ICMP time exceeded quoting it', () => {
    const e = node();
    const r = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53, ttl: 1 }), 'lan0');
    expect(r.fate.kind).toBe('dropped');
    expect(saveRuleset(e.ruleset, { counters: true })).toContain(':FORWARD ACCEPT [0:0]');
    expect(r.emitted).toHaveLength(1);
    const icmp = r.emitted[0]!;
    expect(icmp.fate).toEqual({ kind: 'sent', out: 'lan0' });
    expect(icmp.after).toMatchObject({ src: '192.168.1.1', dst: '192.168.1.10' });
    const b = icmp.packet.data;
    expect([b[9], b[20], b[21]]).toEqual([1, 11, 0]);
    // The quoted header is the packet as it came (TTL 1).
    expect(b[28 + 8]).toBe(1);
  });

  it('IPv6: hop limit 64 leaves as 63; hop limit 1 gets ICMPv6 time exceeded (type 3) instead', () => {
    const e = node('ipv6');
    const r = e.receive(packet({ src: '2001:db8:1::10', dst: '2001:db8:9::5', proto: 17, sport: 5000, dport: 53, ttl: 64 }), 'lan0');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(r.packet.data[7]).toBe(63);
    expect(saveRuleset(e.ruleset, { counters: true })).toContain('[1:49] -A FORWARD -m hl --hl-eq 63');
    const dead = e.receive(packet({ src: '2001:db8:1::10', dst: '2001:db8:9::5', proto: 17, sport: 5001, dport: 53, ttl: 1 }), 'lan0');
    expect(dead.fate.kind).toBe('dropped');
    expect(dead.emitted).toHaveLength(1);
    expect([dead.emitted[0]!.packet.data[40], dead.emitted[0]!.packet.data[41]]).toEqual([3, 0]);
  });
});

describe('a shifted port map (NF_NAT_RANGE_PROTO_OFFSET) maps every port from its base', () => {
  it('DNAT ip:a-b/base: the port becomes a + ((port - base) mod 2^16) mod size, even one already in the range', () => {
    const rules = `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.9:1000-1999/500\nCOMMIT\n`;
    const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'offset.rules' }]), host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['10.0.0.1/24'] }] }), seed: 'o' });
    for (const [dport, want] of [[1200, 1700], [600, 1100], [1500, 1000], [80, 1116]] as const) {
      const r = e.receive(packet({ src: '192.168.1.10', dst: '10.0.0.50', proto: 6, sport: 40000 + dport, dport, tcpFlags: SYN }), 'lan0');
      expect(r.after.dport, `port ${dport}`).toBe(want);
    }
  });

  it('MASQUERADE and SNAT have no base in their structure: /base maps from 0 (saved /0), as the kernel does', () => {
    const e = snatNode('-p tcp -j MASQUERADE --to-ports 1024-2048/539', 'm');
    expect(saveRuleset(e.ruleset)).toContain('-j MASQUERADE --to-ports 1024-2048/0');
    // Measured on Linux 6.18 (the kernel suite's capture replay): 1024 -> 2048, 61058 -> 1607, 8447 -> 1271.
    for (const [sport, want] of [[1024, 2048], [61058, 1607], [8447, 1271]] as const) {
      const r = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.7', proto: 6, sport, dport: 80, tcpFlags: SYN }), 'lan0');
      expect(r.after.sport, `port ${sport}`).toBe(want);
    }
  });
});

describe('the address a multi-address NAT range gives (find_best_ips_proto)', () => {
  it('an IPv6 DNAT hashes in the destination words it has chosen so far, not the original ones (measured on Linux 6.18)', () => {
    const rules = `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j DNAT --to-destination 2001:db8::1-2001:db8::9\nCOMMIT\n`;
    const e = new Engine({ ruleset: loadRuleset([{ text: rules, file: 'range6.rules' }], { family: 'ipv6' }), host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }, { name: 'wan0', addrs: ['2001:db8:20::1/64'] }], routes: ['default via 2001:db8:20::2 dev wan0'], forwarding: true }), seed: 'r' });
    // The kernel suite's capture replay (seed 942430088): the kernel sent this flow to ::8; hashing
    // in the original destination's words instead gives ::2.
    const r = e.receive(packet({ src: '2001:db8:10:0:9d66:2812:5805:3124', dst: '2001:db8:40:ff::9', proto: 6, sport: 22, dport: 53, tcpFlags: ACK }), 'lan0');
    expect(r.after.dst).toBe('2001:db8::8');
  });
});

describe('the routing decision drops martians and what it cannot route (ip_route_input)', () => {
  const rules = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`;
  const node = (routeLocalnet = false): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'm.rules' }]),
    host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev wan0'], routeLocalnet }),
    seed: 'm',
  });
  const send = (e: Engine, src: string, dst: string) => e.receive(packet({ src, dst, proto: 17, sport: 5000, dport: 53 }), 'lan0');

  it('PREROUTING sees them; the decision after it drops them, and no INPUT or FORWARD chain does', () => {
    const e = node();
    const cases: [string, string, string][] = [
      ['192.168.1.10', '239.1.2.3', 'multicast destination 239.1.2.3'],
      ['224.0.0.9', '224.0.0.1', 'martian source 224.0.0.9'],
      ['127.0.0.5', '224.0.0.1', 'martian source 127.0.0.5'],
      ['192.168.1.1', '224.0.0.1', 'martian source: the source is an address of this node'],
      ['224.0.0.5', '198.51.100.5', 'martian source 224.0.0.5'],
      ['255.255.255.255', '198.51.100.5', 'martian source 255.255.255.255'],
      ['0.0.0.0', '198.51.100.5', 'martian source 0.0.0.0'],
      ['192.168.1.10', '0.0.0.0', 'martian destination 0.0.0.0'],
      ['192.168.1.10', '127.0.0.1', 'martian destination 127.0.0.1'],
      ['127.0.0.1', '198.51.100.5', 'martian source 127.0.0.1'],
      ['203.0.113.2', '198.51.100.5', 'martian source: the source is an address of this node'],
      ['192.168.1.1', '192.168.1.1', 'martian source: the source is an address of this node'],
    ];
    for (const [src, dst, why] of cases) {
      const r = send(e, src, dst);
      expect(r.fate.kind, `${src} -> ${dst}`).toBe('dropped');
      expect((r.fate as { by?: string }).by, `${src} -> ${dst}`).toContain(why);
    }
    const saved = saveRuleset(e.ruleset, { counters: true });
    expect(saved).toContain(`:PREROUTING ACCEPT [${cases.length}:${cases.length * 29}]`);
    expect(saved).toContain(':INPUT ACCEPT [0:0]');
    expect(saved).toContain(':FORWARD ACCEPT [0:0]');
  });

  it('all-hosts (224.0.0.1) and the limited broadcast are delivered to the node; route_localnet lets 127/8 through', () => {
    const e = node();
    // 0.0.0.0/8 but 0.0.0.0 is ordinary unicast space since Linux 5.3 (as 6.18 forwarded it).
    expect(send(e, '0.1.2.3', '198.51.100.5').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(send(e, '192.168.1.10', '0.1.2.3').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(send(e, '192.168.1.10', '224.0.0.1').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    expect(send(e, '192.168.1.10', '255.255.255.255').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    const k = node(true);
    expect(send(k, '192.168.1.10', '127.0.0.1').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    expect(send(k, '127.0.0.5', '198.51.100.5').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    // 127.0.0.1 is lo's address: a source of the node's own, a martian all the same.
    expect((send(k, '127.0.0.1', '198.51.100.5').fate as { by?: string }).by).toContain('an address of this node');
  });
});

describe('rp_filter (fib_validate_source)', () => {
  const rules = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`;
  const node = (rpFilter: 0 | 1 | 2): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'rp.rules' }]),
    host: hostFromSpec({
      interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }, { name: 'dmz0' }],
      routes: ['default via 203.0.113.1 dev wan0', 'blackhole 10.66.0.0/16'],
      rpFilter,
    }),
    seed: 'rp',
  });
  const fate = (e: Engine, src: string, dst: string, dev = 'lan0') => {
    const f = e.receive(packet({ src, dst, proto: 17, sport: 5000, dport: 53 }), dev).fate;
    return f.kind === 'dropped' ? f.by : f.kind;
  };
  it('off: only the node\'s own addresses are martian sources; strict: the route back must leave by the arrival device; loose: it must exist', () => {
    const cases: [string, string, string, string[]][] = [
      // source, destination, device, fate with rp_filter 0, 1, 2
      ['192.168.1.10', '198.51.100.5', 'lan0', ['forwarded', 'forwarded', 'forwarded']],
      ['198.51.100.9', '192.168.1.10', 'lan0', ['forwarded', 'leaves by wan0, not lan0', 'forwarded']],
      ['10.66.1.1', '198.51.100.5', 'lan0', ['forwarded', 'no route back', 'no route back']],
      ['192.168.1.255', '198.51.100.5', 'lan0', ['forwarded', 'of type broadcast', 'of type broadcast']],
      ['198.51.100.9', '192.168.1.1', 'lan0', ['delivered', 'leaves by wan0, not lan0', 'delivered']],
      ['198.51.100.9', '192.168.1.10', 'dmz0', ['forwarded', 'dmz0 has no IPv4 address', 'dmz0 has no IPv4 address']],
      ['203.0.113.2', '192.168.1.10', 'wan0', ['an address of this node', 'an address of this node', 'an address of this node']],
    ];
    for (const rpf of [0, 1, 2] as const) {
      const e = node(rpf);
      for (const [src, dst, dev, want] of cases) expect(fate(e, src, dst, dev), `rp_filter ${rpf}: ${src} -> ${dst} on ${dev}`).toContain(want[rpf]!);
    }
  });
  it('the host form refuses other values', () => {
    expect(() => hostFromSpec({ interfaces: [], rpFilter: 3 as 2 })).toThrow(/rpFilter 3: expected 0 \(off\), 1 \(strict\) or 2 \(loose\)/);
  });
});

describe('connection tracking runs only while a rule needs it (nf_ct_netns_get)', () => {
  const node = (extra: string): Engine => new Engine({
    ruleset: loadRuleset([{ text: `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -p udp\n-A FORWARD -m length --length 0:100\n${extra}COMMIT\n`, file: 'ct.rules' }]),
    host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev wan0'] }),
    seed: 'ct',
  });
  /** A 120-byte UDP datagram from the client in two fragments (80 + 40 bytes of IP payload). */
  const fragments = (): Packet[] => {
    const whole = packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53, payload: new Uint8Array(112) }).data;
    const frag = (off: number, len: number, more: boolean): Packet => {
      const b = new Uint8Array(20 + len);
      b.set(whole.subarray(0, 20)); b.set(whole.subarray(20 + off, 20 + off + len), 20);
      b[2] = (20 + len) >> 8; b[3] = (20 + len) & 0xff;
      const fo = (off / 8) | (more ? 0x2000 : 0);
      b[6] = fo >> 8; b[7] = fo & 0xff; b[10] = 0; b[11] = 0;
      let sum = 0;
      for (let i = 0; i < 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      b[10] = (~sum >> 8) & 0xff; b[11] = ~sum & 0xff;
      return decodePacket('ipv4', b);
    };
    return [frag(0, 80, true), frag(80, 40, false)];
  };
  it('without one: no entries, the nat table never traversed, fragments seen one by one', () => {
    const e = node('');
    const r = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(r.ctstate).toBe('no conntrack');
    expect(e.conntrack.count).toBe(0);
    for (const f of fragments()) expect(e.receive(f, 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    const saved = saveRuleset(e.ruleset, { counters: true });
    expect(saved).toContain(':PREROUTING ACCEPT [0:0]');
    expect(saved).toContain(':POSTROUTING ACCEPT [0:0]');
    // 1 datagram + 2 fragments of 100 and 60 bytes (-p udp matches a later fragment too: ip_tables compares the header's protocol).
    expect(saved).toContain('[3:189] -A FORWARD -p udp');
    expect(saved).toContain('[3:189] -A FORWARD -m length --length 0:100');
  });
  it('with one, in any table (a conntrack, state, connmark or NAT extension, CT but --notrack): tracked, defragmented, nat traversed', () => {
    for (const extra of ['-A INPUT -m state --state INVALID\n', '-A OUTPUT -m connmark --mark 1\n']) {
      const e = node(extra);
      const r = e.receive(packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 }), 'lan0');
      expect(r.ctstate).toBe('NEW');
      expect(e.conntrack.count).toBe(1);
      const [a, b] = fragments();
      expect(e.receive(a!, 'lan0').fate.kind).toBe('held');
      expect(e.receive(b!, 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
      const saved = saveRuleset(e.ruleset, { counters: true });
      // The nat table for the connection's first packet (the reassembled datagram is of the same connection).
      expect(saved).toContain(':POSTROUTING ACCEPT [1:29]');
      // FORWARD saw the datagram and the reassembled one (29 + 140 bytes).
      expect(saved).toContain('[2:169] -A FORWARD -p udp');
    }
    const raw = (t: string) => new Engine({
      ruleset: loadRuleset([{ text: `*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING ${t}\nCOMMIT\n`, file: 'raw.rules' }]),
      host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }], routes: ['default via 192.168.1.254 dev lan0'] }),
      seed: 'raw',
    }).compiled.conntrack;
    expect(raw('-j CT --notrack')).toBe(false);
    expect(raw('-j NOTRACK')).toBe(false);
    expect(raw('-j CT --zone 1')).toBe(true);
  });
});

describe('ICMP redirects (ip_rt_send_redirect)', () => {
  // A conntrack rule, so that connections are tracked (the redirect is RELATED to the packet's).
  const rules = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate NEW\nCOMMIT\n`;
  const node = (sendRedirects?: boolean): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'rd.rules' }]),
    host: hostFromSpec({
      interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }],
      routes: ['default via 203.0.113.1 dev wan0', '10.50.0.0/16 via 192.168.1.254 dev lan0'],
      ...(sendRedirects === undefined ? {} : { sendRedirects }),
    }),
    seed: 'rd',
  });
  const go = (e: Engine, src: string, dst: string) => e.receive(packet({ src, dst, proto: 17, sport: 5000, dport: 53, ttl: 9 }), 'lan0');
  const redirects = (r: ReturnType<typeof go>) => r.emitted.map((x) => `${x.packet.data[20]}/${x.packet.data[21]} gw ${[...x.packet.data.subarray(24, 28)].join('.')} to ${x.after.dst} ttl-quoted ${x.packet.data[28 + 8]} ${x.fate.kind} ${x.ctstate}`);
  it('back out of the arrival device to a source on its link: a host redirect naming the next hop, before FORWARD, then the packet goes on', () => {
    const e = node();
    const r = go(e, '192.168.1.10', '192.168.1.20');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'lan0' });
    expect(redirects(r)).toEqual(['5/1 gw 192.168.1.20 to 192.168.1.10 ttl-quoted 8 sent RELATED']);
    expect(redirects(go(e, '192.168.1.11', '10.50.2.2'))).toEqual(['5/1 gw 192.168.1.254 to 192.168.1.11 ttl-quoted 8 sent RELATED']);
    // A source behind a gateway, or another way out: none.
    expect(redirects(go(e, '10.50.1.1', '192.168.1.20'))).toEqual([]);
    expect(redirects(go(e, '192.168.1.10', '198.51.100.5'))).toEqual([]);
    // The entry of the connection stays the packet's: confirmed once, by the packet itself.
    expect(e.conntrack.count).toBe(4);
  });
  it('with a nat table: sent before the packet reaches FORWARD, and dropped by the nat hook until both bindings are done and null (nf_nat_icmp_reply_translation)', () => {
    const nat = (pre: string) => new Engine({
      ruleset: loadRuleset([{ text: `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${pre}COMMIT\n${rules}`, file: 'rdn.rules' }]),
      host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev wan0'] }),
      seed: 'rdn',
    });
    const e = nat('');
    const first = go(e, '192.168.1.10', '192.168.1.20');
    // The connection's first packet: its source binding not made yet when the redirect goes out.
    expect(first.emitted.map((x) => x.fate)).toEqual([{ kind: 'dropped', hook: 'OUTPUT', by: 'nat: an ICMP redirect about a connection whose NAT is not finished (nf_nat_icmp_reply_translation drops it)' }]);
    e.advance(100);
    // A later packet of it: both bindings done, both null — the redirect leaves.
    expect(go(e, '192.168.1.10', '192.168.1.20').emitted.map((x) => x.fate)).toEqual([{ kind: 'sent', out: 'lan0' }]);
    // A DNATed connection: never.
    const d = nat('-A PREROUTING -d 192.168.1.20/32 -j DNAT --to-destination 192.168.1.30\n');
    go(d, '192.168.1.10', '192.168.1.20');
    d.advance(100);
    expect((go(d, '192.168.1.10', '192.168.1.20').emitted[0]!.fate as { by: string }).by).toContain('with NAT');
  });
  it('limited per source: the next after more than 40 ms, then 80 ms, … nine at most until 20 s of silence; none with send_redirects off', () => {
    const e = node();
    const sent: number[] = [];
    for (let t = 0; t < 30_000; t += 10) {
      if (go(e, '192.168.1.10', '192.168.1.20').emitted.length) sent.push(t);
      e.advance(10);
    }
    // Jiffies of 4 ms: after k redirects the next waits more than 5 << k jiffies (40, 80, 160 ms),
    // from the jiffy of the one before: 0 (jiffy 0), 50 (12 > 10), 140 (35 > 32), 310 (77 > 75).
    expect(sent.slice(0, 4)).toEqual([0, 50, 140, 310]);
    // Nine, and none more while the source keeps sending (each packet restarts the silence) …
    expect(sent).toHaveLength(9);
    // … until it has been quiet for more than ip_rt_redirect_silence (5 << 10 jiffies, 20.48 s).
    e.advance(20_000);
    expect(go(e, '192.168.1.10', '192.168.1.20').emitted).toHaveLength(0);
    e.advance(20_500);
    expect(go(e, '192.168.1.10', '192.168.1.20').emitted).toHaveLength(1);
    expect(go(node(false), '192.168.1.10', '192.168.1.20').emitted).toHaveLength(0);
  });
});

describe('what IPv4 and IPv6 input refuse before PREROUTING, and what routing does with the rest', () => {
  const rules6 = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`;
  const node6 = (linkLocal = false): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules6, file: 'm6.rules' }], { family: 'ipv6' }),
    host: hostFromSpec({
      interfaces: [
        { name: 'lan0', addrs: ['2001:db8:10::1/64', ...(linkLocal ? ['fe80::1/64'] : [])] },
        { name: 'wan0', addrs: ['2001:db8:20::1/64', ...(linkLocal ? ['fe80::2/64'] : [])] },
      ],
      routes: ['default via 2001:db8:20::2 dev wan0'],
    }),
    seed: 'm6',
  });
  const send6 = (e: Engine, src: string, dst: string) => e.receive(packet({ src, dst, proto: 17, sport: 5000, dport: 53 }), 'lan0');

  it('ip6_rcv_core: loopback, interface-local and scope-0 multicast destinations and multicast sources never reach PREROUTING', () => {
    const e = node6();
    const cases: [string, string, string][] = [
      ['::1', '2001:db8:30::5', 'loopback address ::1 as source'],
      ['2001:db8:10::7', '::1', 'loopback address ::1 as destination'],
      ['2001:db8:10::7', 'ff01::1', 'interface-local multicast destination ff01::1'],
      ['2001:db8:10::7', 'ff00::1', 'reserved scope 0'],
      ['ff02::5', '2001:db8:30::5', 'multicast source ff02::5'],
    ];
    for (const [src, dst, why] of cases) {
      const r = send6(e, src, dst);
      expect(r.fate, `${src} -> ${dst}`).toMatchObject({ kind: 'dropped', hook: 'receive' });
      expect((r.fate as { by?: string }).by, `${src} -> ${dst}`).toContain(why);
      expect(r.ctstate).toBe('no conntrack');
    }
    expect(saveRuleset(e.ruleset, { counters: true })).toContain(':PREROUTING ACCEPT [0:0]');
  });

  it('multicast after PREROUTING: the groups the device joined are delivered, others dropped (ip6_mc_input); an IPv4-mapped source is forwarded', () => {
    const e = node6();
    expect(send6(e, '2001:db8:10::7', 'ff02::1').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    expect(send6(e, '2001:db8:10::7', 'ff02::2').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    expect(send6(e, '2001:db8:10::7', 'ff05::2').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    // lan0's solicited-node group (2001:db8:10::1), not wan0's (2001:db8:20::1 has the same low bits: 00:0001).
    expect(send6(e, '2001:db8:10::7', 'ff02::1:ff00:1').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    expect(send6(e, '2001:db8:10::7', 'ff02::1:ff00:2').fate).toMatchObject({ kind: 'dropped', hook: 'routing' });
    expect((send6(e, '2001:db8:10::7', 'ff0e::1234').fate as { by?: string }).by).toContain('has not joined the group');
    expect(send6(e, '::ffff:10.1.2.3', '2001:db8:30::5').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    const saved = saveRuleset(e.ruleset, { counters: true });
    expect(saved).toContain(':PREROUTING ACCEPT [7:');
    expect(saved).toContain(':INPUT ACCEPT [4:');
  });

  it('a forwarding node delivers its links\' subnet-router anycast addresses to itself (not a /127\'s)', () => {
    const e = new Engine({
      ruleset: loadRuleset([{ text: rules6, file: 'ac.rules' }], { family: 'ipv6' }),
      host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }, { name: 'dmz0', addrs: ['2001:db8:30::1/64'] }, { name: 'wan0', addrs: ['2001:db8:20::1/127'] }], routes: ['default via 2001:db8:20::0 dev wan0'] }),
      seed: 'ac',
    });
    expect(send6(e, '2001:db8:10::7', '2001:db8:10::').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    // Another link's, arriving here: delivered too (the local table's route is not tied to a device).
    expect(send6(e, '2001:db8:10::7', '2001:db8:30::').fate).toEqual({ kind: 'delivered', iface: 'lan0' });
    // A /127's prefix is no anycast address (RFC 6164): the peer's, forwarded to it.
    expect(send6(e, '2001:db8:10::7', '2001:db8:20::').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    const off = new Engine({
      ruleset: loadRuleset([{ text: rules6, file: 'ac.rules' }], { family: 'ipv6' }),
      host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }], forwarding: false }),
      seed: 'ac',
    });
    expect(send6(off, '2001:db8:10::7', '2001:db8:10::').fate).toMatchObject({ kind: 'dropped', hook: 'routing' });
  });

  it('ip6_forward: an unspecified source is not forwarded; a link-local one gets "beyond scope of source address" back through its own link', () => {
    const e = node6(true);
    expect((send6(e, '::', '2001:db8:30::5').fate as { by?: string }).by).toContain('source :: is not forwarded');
    const r = send6(e, 'fe80::1234', '2001:db8:30::5');
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'routing' });
    expect(r.emitted).toHaveLength(1);
    const err = r.emitted[0]!;
    expect(err.fate).toEqual({ kind: 'sent', out: 'lan0' });
    expect(err.after).toMatchObject({ src: 'fe80::1', dst: 'fe80::1234' });
    expect([err.packet.data[40], err.packet.data[41]]).toEqual([1, 2]);
    // Without a route to the link-local source on that link (no fe80::/64 on lan0), no error at all.
    expect(send6(node6(), 'fe80::1234', '2001:db8:30::5').emitted).toHaveLength(0);
    // A link-local destination is routed only through the device it came in by.
    expect(send6(e, '2001:db8:10::7', 'fe80::99').fate).toEqual({ kind: 'forwarded', out: 'lan0' });
  });

  it('no route: ICMPv6 "no route to destination" (ip6_pkt_discard); IPv4 net unreachable, limited per source (ip_error)', () => {
    const r6 = node6().receive(packet({ src: '2001:db8:10::7', dst: 'fe80::99', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    expect(r6.fate).toMatchObject({ kind: 'dropped', by: 'no route to the destination' });
    expect(r6.emitted.map((x) => [x.fate, x.after.dst, x.packet.data[40], x.packet.data[41]])).toEqual([[{ kind: 'sent', out: 'lan0' }, '2001:db8:10::7', 1, 0]]);
    const e4 = new Engine({
      ruleset: loadRuleset([{ text: rules6, file: 'm4.rules' }]),
      host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['unreachable 198.51.100.0/24', 'prohibit 198.51.100.128/25', 'blackhole 192.0.2.0/24'] }),
      seed: 'm4',
    });
    const at = (dst: string) => e4.receive(packet({ src: '192.168.1.10', dst, proto: 17, sport: 5000, dport: 53 }), 'lan0');
    const codes = (r: ReturnType<typeof at>) => r.emitted.map((x) => [x.packet.data[20], x.packet.data[21]]);
    expect(codes(at('10.9.9.9'))).toEqual([[3, 0]]);
    expect(codes(at('198.51.100.5'))).toEqual([[3, 1]]);
    // ip_error and icmp_send spend the source's tokens (5 s of burst, a second each): a third error in the same instant is not sent.
    expect(codes(at('198.51.100.200'))).toEqual([]);
    e4.advance(2000);
    expect(codes(at('198.51.100.200'))).toEqual([[3, 13]]);
    expect(codes(at('192.0.2.5'))).toEqual([]);
  });

  it('ip_rcv_core: an IPv4 header with a wrong checksum never reaches PREROUTING', () => {
    const e = new Engine({
      ruleset: loadRuleset([{ text: rules6, file: 'm4.rules' }]),
      host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev wan0'] }),
      seed: 'm4',
    });
    const p = packet({ src: '192.168.1.10', dst: '198.51.100.5', proto: 17, sport: 5000, dport: 53 });
    p.data[10] ^= 0x40;
    const r = e.receive(decodePacket('ipv4', p.data), 'lan0');
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'receive' });
    expect((r.fate as { by?: string }).by).toContain('IPv4 header checksum is wrong');
    expect(saveRuleset(e.ruleset, { counters: true })).toContain(':PREROUTING ACCEPT [0:0]');
  });
});

describe('what an ICMP error the node sends about a packet carries (nf_ct_attach)', () => {
  const node = (raw: string): Engine => new Engine({
    ruleset: loadRuleset([{ text: `*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${raw}COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m state --state NEW,INVALID\n-A FORWARD -p udp -j REJECT\nCOMMIT\n`, file: 'a.rules' }]),
    host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24'] }, { name: 'wan0', addrs: ['203.0.113.2/24'] }], routes: ['default via 203.0.113.1 dev wan0'] }),
    seed: 'a',
  });
  it('about a new connection: RELATED (Linux 6.18: the error leaves before the entry is confirmed, related all the same)', () => {
    const r = node('').receive(packet({ src: '192.168.1.10', dst: '198.51.100.9', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    expect(r.emitted).toHaveLength(1);
    expect(r.emitted[0]!.ctstate).toBe('RELATED');
  });
  it('about an untracked packet: INVALID (nothing to attach; OUTPUT conntrack finds no connection for it)', () => {
    const r = node('-A PREROUTING -j NOTRACK\n').receive(packet({ src: '192.168.1.10', dst: '198.51.100.9', proto: 17, sport: 5000, dport: 53 }), 'lan0');
    expect(r.emitted).toHaveLength(1);
    expect(r.emitted[0]!.ctstate).toBe('INVALID');
  });
});

describe('forwarding MTU (ip_exceeds_mtu, ip6_pkt_too_big)', () => {
  const rules = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
  const node = (family: 'ipv4' | 'ipv6', wanMtu?: number, routeMtu?: string): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'mtu.rules' }], { family }),
    host: hostFromSpec({
      interfaces: [{ name: 'lan0', addrs: ['192.168.1.1/24', '2001:db8:1::1/64'] }, { name: 'wan0', addrs: ['203.0.113.2/24', '2001:db8:2::2/64'], ...(wanMtu ? { mtu: wanMtu } : {}) }],
      routes: ['default via 203.0.113.1 dev wan0', 'default via 2001:db8:2::1 dev wan0', ...(routeMtu ? [routeMtu] : [])],
    }),
    seed: 'mtu',
  });
  const big = (df: boolean, bytes: number, src = '192.168.1.10', dst = '198.51.100.5') => packet({ src, dst, proto: 17, sport: 5000, dport: 53, df, ttl: 9, payload: new Uint8Array(bytes - (src.includes(':') ? 48 : 28)) });

  it('IPv4 with DF, longer than the out device\'s MTU: dropped before FORWARD, ICMP fragmentation needed with the MTU, quoting the packet as it came', () => {
    const e = node('ipv4', 1400);
    const r = e.receive(big(true, 1401), 'lan0');
    expect(r.fate).toMatchObject({ kind: 'dropped', hook: 'routing', by: 'too big to forward: 1401 bytes, the MTU towards wan0 is 1400 and DF is set (the sender gets ICMP fragmentation needed)' });
    expect(saveRuleset(e.ruleset, { counters: true })).toContain(':FORWARD ACCEPT [0:0]');
    expect(r.emitted).toHaveLength(1);
    const b = r.emitted[0]!.packet.data;
    expect([b[9], b[20], b[21], (b[26]! << 8) | b[27]!]).toEqual([1, 3, 4, 1400]);
    expect(b[28 + 8]).toBe(9);
    // Exactly the MTU fits; without DF it goes on (to be fragmented after POSTROUTING).
    expect(e.receive(big(true, 1400), 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(e.receive(big(false, 1401), 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    // Fragmentation needed is never rate-limited: a burst gets an error each.
    let errors = 0;
    for (let i = 0; i < 50; i++) errors += e.receive(big(true, 1500), 'lan0').emitted.length;
    expect(errors).toBe(50);
  });

  it('a route\'s mtu metric wins over the device\'s (ip route … mtu [lock] N)', () => {
    const e = node('ipv4', undefined, '198.51.100.0/24 via 203.0.113.1 dev wan0 mtu lock 1300');
    expect(e.receive(big(true, 1301), 'lan0').fate).toMatchObject({ kind: 'dropped', by: expect.stringContaining('the MTU towards wan0 is 1300') });
    expect(e.receive(big(true, 1301, '192.168.1.10', '192.0.2.1'), 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
  });

  it('a datagram longer than the link it came by is a GRO aggregate: it goes on when that link\'s MTU fits the way out', () => {
    const e = node('ipv4', 1400);
    // lan0's 1500-byte segments do not fit wan0's 1400.
    expect(e.receive(big(true, 3000), 'lan0').fate.kind).toBe('dropped');
    const wide = node('ipv4');
    expect(wide.receive(big(true, 3000), 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
  });

  it('IPv6: any packet longer than the MTU (at least 1280) gets ICMPv6 packet too big with the MTU, whatever its size', () => {
    const e = node('ipv6', 1280);
    const r = e.receive(big(false, 1281, '2001:db8:1::10', '2001:db8:9::5'), 'lan0');
    expect(r.fate).toMatchObject({ kind: 'dropped', by: 'too big to forward: 1281 bytes, the MTU towards wan0 is 1280 (the sender gets ICMPv6 packet too big)' });
    const b = r.emitted[0]!.packet.data;
    expect([b[40], b[41], (b[46]! << 8) | b[47]!]).toEqual([2, 0, 1280]);
    expect(e.receive(big(false, 1280, '2001:db8:1::10', '2001:db8:9::5'), 'lan0').fate).toEqual({ kind: 'forwarded', out: 'wan0' });
  });

  it('IPv6: a route\'s MTU counts in ip6_forward only when locked; unlocked, the packet passes FORWARD and POSTROUTING (its connection confirmed) and dies on output with packet too big', () => {
    const locked = node('ipv6', undefined, '2001:db8:9::/48 via 2001:db8:2::1 dev wan0 mtu lock 1300');
    const l = locked.receive(big(false, 1400, '2001:db8:1::10', '2001:db8:9::5'), 'lan0');
    expect(l.fate).toMatchObject({ kind: 'dropped', by: expect.stringContaining('too big to forward: 1400 bytes, the MTU towards wan0 is 1300') });
    expect(saveRuleset(locked.ruleset, { counters: true })).toContain(':FORWARD ACCEPT [0:0]');
    const open = node('ipv6', undefined, '2001:db8:9::/48 via 2001:db8:2::1 dev wan0 mtu 1300');
    const o = open.receive(big(false, 1400, '2001:db8:1::10', '2001:db8:9::5'), 'lan0');
    expect(o.fate).toMatchObject({ kind: 'dropped', by: expect.stringContaining('too big to send, after POSTROUTING: 1400 bytes, the route\'s MTU towards wan0 is 1300 (the sender gets ICMPv6 packet too big)') });
    expect(saveRuleset(open.ruleset, { counters: true })).toContain(':FORWARD ACCEPT [1:1400]');
    expect(o.emitted).toHaveLength(1);
    const b = o.emitted[0]!.packet.data;
    expect([b[40], (b[46]! << 8) | b[47]!]).toEqual([2, 1300]);
  });
});

describe('IPv4 fragmentation on output (ip_do_fragment), as the kernel sent them (measured with namespaces and tcpdump at the receiver)', () => {
  const rules = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT\nCOMMIT\n';
  const node = (): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'frag.rules' }]),
    host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['10.10.0.1/16'] }, { name: 'wan0', addrs: ['10.20.0.1/24'] }], routes: ['default via 10.20.0.2 dev wan0', '10.30.0.0/16 via 10.20.0.2 dev wan0 mtu 1280'] }),
    seed: 'frag',
  });
  const udp = (dst: string, total: number, id: number, sport: number): Packet => packet({ src: '10.10.0.2', dst, proto: 17, sport, dport: 9, df: false, ipId: id, payload: Uint8Array.from({ length: total - 28 }, (_, i) => (i * 7 + sport) & 255) });
  /** Fragments of `whole` with these data sizes (as a sender cut them). */
  const cut = (whole: Packet, sizes: number[]): Packet[] => ipv4Fragments(whole.data, sizes).map((f) => decodePacket('ipv4', f));
  /** Each fragment's total length, MF, DF and offset (in 8-byte units), and whether its header checksum is right. */
  const shape = (fs: Uint8Array[] | null) => fs?.map((f) => [(f[2]! << 8) | f[3]!, (f[6]! >> 5) & 1, (f[6]! >> 6) & 1, ((f[6]! & 0x1f) << 8) | f[7]!, ipv4ChecksumOk(f)]) ?? null;

  it('a datagram without DF longer than the route\'s MTU: pieces of the data space rounded down to 8 bytes, TTL already lowered', () => {
    const e = node();
    const r = e.receive(udp('10.30.0.5', 1400, 0x1234, 5001), 'lan0');
    expect(r.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect(shape(r.fragments)).toEqual([[1276, 1, 0, 0, true], [144, 0, 0, 157, true]]);
    expect([r.fragments![0]![8], (r.fragments![1]![4]! << 8) | r.fragments![1]![5]!]).toEqual([63, 0x1234]);
    // Fragments put back together are the datagram as it left.
    const data = new Uint8Array(1380);
    for (const f of r.fragments!) data.set(f.subarray(20), (((f[6]! & 0x1f) << 8) | f[7]!) * 8);
    expect(Buffer.from(data).equals(Buffer.from(r.packet.data.subarray(20)))).toBe(true);
    expect(shape(e.receive(udp('10.30.0.8', 1281, 0x5555, 5006), 'lan0').fragments)).toEqual([[1276, 1, 0, 0, true], [25, 0, 0, 157, true]]);
    // What fits leaves whole.
    expect(e.receive(udp('10.30.0.8', 1280, 0x5556, 5007), 'lan0').fragments).toBeNull();
  });

  it('a datagram conntrack reassembled leaves in its original pieces when they fit (even through a larger MTU), else cut as one too long', () => {
    const e = node();
    const pieces = (dst: string, sizes: number[], id: number, sport: number) => {
      const fs = cut(udp(dst, 20 + sizes.reduce((x, y) => x + y), id, sport), sizes);
      let last = null;
      for (const f of fs) last = e.receive(f, 'lan0');
      return last!;
    };
    expect(shape(pieces('10.30.0.6', [600, 600, 300], 0x2222, 5003).fragments)).toEqual([[620, 1, 0, 0, true], [620, 1, 0, 75, true], [320, 0, 0, 150, true]]);
    expect(shape(pieces('10.40.0.1', [600, 600, 300], 0x4444, 5005).fragments)).toEqual([[620, 1, 0, 0, true], [620, 1, 0, 75, true], [320, 0, 0, 150, true]]);
    expect(shape(pieces('10.30.0.7', [1472, 1472, 100], 0x3333, 5004).fragments)).toEqual([[1276, 1, 0, 0, true], [1276, 1, 0, 157, true], [552, 0, 0, 314, true]]);
  });

  it('later fragments keep only the options with the copied flag (ip_options_fragment)', () => {
    const e = node();
    const b = withIpv4Options(udp('10.30.0.9', 1400, 0x6666, 5007).data, [0x94, 4, 0, 0, 0x0a, 4, 0xab, 0xcd]);
    const r = e.receive(decodePacket('ipv4', b), 'lan0');
    expect(shape(r.fragments)).toEqual([[1276, 1, 0, 0, true], [160, 0, 0, 156, true]]);
    expect([...r.fragments![0]!.subarray(20, 28)]).toEqual([0x94, 4, 0, 0, 0x0a, 4, 0xab, 0xcd]);
    expect([...r.fragments![1]!.subarray(20, 28)]).toEqual([0x94, 4, 0, 0, 1, 1, 1, 1]);
  });
});

describe('IPv6 re-fragmentation on output (ip6_fragment), as the kernel sent them (measured with namespaces and tcpdump at the receiver)', () => {
  const rules = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 2001:db8:ffff::1/128 -j ACCEPT\n-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT\nCOMMIT\n';
  const node = (): Engine => new Engine({
    ruleset: loadRuleset([{ text: rules, file: 'frag6.rules' }]),
    host: hostFromSpec({ interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'] }, { name: 'wan0', addrs: ['2001:db8:20::1/64'] }], routes: ['default via 2001:db8:20::2 dev wan0'] }),
    seed: 'frag6',
  });
  /** A UDP datagram of `payload` bytes cut into fragments with these data sizes, identification 0x12345678. */
  const fragments = (payload: number, sizes: number[]): Packet[] => {
    const whole = buildPacketBytes({ family: 'ipv6', src: [0x20010db8, 0x100000, 0, 2], dst: [0x20010db8, 0x300000, 0, 5], proto: 17, sport: 5000, dport: 9, payload: Uint8Array.from({ length: payload }, (_, i) => i & 255) });
    return ipv6Fragments(whole, sizes, 0x12345678).map((f) => decodePacket('ipv6', f));
  };

  it('a reassembled datagram leaves in its original pieces, with a fragment identification of the node\'s own; an atomic fragment leaves whole, without its fragment header', () => {
    const e = node();
    let r = null;
    for (const f of fragments(1800, [1200, 608])) r = e.receive(f, 'lan0');
    expect(r!.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    const fs = r!.fragments!;
    // Lengths, next header after the fixed header, the fragment header's next header, offset and M: as the kernel's.
    expect(fs.map((f) => [f.length, f[6], f[40], ((f[42]! << 8) | f[43]!) & 0xfff8, f[43]! & 1])).toEqual([[1248, 44, 17, 0, 1], [656, 44, 17, 1200, 0]]);
    expect(fs.map((f) => f[7])).toEqual([63, 63]);
    const ids = fs.map((f) => Buffer.from(f.subarray(44, 48)).toString('hex'));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe('12345678');
    const atomic = e.receive(fragments(600, [608])[0]!, 'lan0');
    expect(atomic.fate).toEqual({ kind: 'forwarded', out: 'wan0' });
    expect([atomic.fragments, atomic.packet.data[6], atomic.packet.data.length]).toEqual([null, 17, 648]);
  });
});
