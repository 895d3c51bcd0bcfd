/**
 * `natsim replay`: DNS to the kube-dns cluster IP captured on the client's side, replayed on the
 * seed node: each query DNATed to a pod and masqueraded, each reply turned into what the node gets
 * from the pod and un-NATed back to the client; pcap and pcapng, both byte orders, identical
 * output; the written capture read back with the rewritten addresses and valid checksums.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPacketBytes } from '../engine/packet.js';
import { parseIPv4Strict, parseIPv6 } from '../engine/net/addr.js';
import { l4ChecksumOk } from '../engine/wire/transport.js';
import { ipv4ChecksumOk } from '../engine/wire/ipv4.js';
import { CaptureWriter } from '../sim/capture/writer.js';
import { fillChecksums } from '../sim/capture/checksums.js';
import { decodeLink, encapsulate, LINKTYPE } from '../sim/capture/link.js';
import { readCaptureBuffer } from '../sim/capture/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'natsim-replay-'));
const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');
const client = parseIPv4Strict('172.18.0.100')!, vip = parseIPv4Strict('10.96.0.10')!;

function capture(name: string, format: 'pcap' | 'pcapng', byteOrder: 'little' | 'big'): string {
  const path = join(dir, name);
  const w = CaptureWriter.toFile(path, { format, byteOrder, linkType: LINKTYPE.ETHERNET });
  for (let i = 0; i < 12; i++) {
    const q = buildPacketBytes({ family: 'ipv4', src: [client], dst: [vip], proto: 17, sport: 41000 + i, dport: 53, payload: new Uint8Array([1, 2, 3]) });
    w.write({ tsSec: 1_700_000_000, tsNsec: i * 2000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', q), interface: 'eth0' });
    const a = buildPacketBytes({ family: 'ipv4', src: [vip], dst: [client], proto: 17, sport: 53, dport: 41000 + i, payload: new Uint8Array([9, 9]) });
    w.write({ tsSec: 1_700_000_000, tsNsec: i * 2000 + 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', a), interface: 'eth0' });
  }
  w.close();
  return path;
}

const run = (args: string[]) => spawnSync(process.execPath, [bin, 'replay', ...args, '--no-color'], { encoding: 'utf8' });

describe('natsim replay on the seed node', () => {
  const pcap = capture('dns.pcap', 'pcap', 'little');
  const out = join(dir, 'out.pcapng');
  const r = run([pcap, '--scenario', 'kube-seed', '--write', out]);

  it('--as-captured takes the client-side replies literally: from 10.96.0.10 to the client, each is a new connection', () => {
    const lit = run([pcap, '--scenario', 'kube-seed', '--as-captured']);
    expect(lit.status).toBe(0);
    // The scenario's MAC addresses are not this capture's: its frames' destinations are not judged.
    expect(lit.stdout).toContain('taken as addressed to the node: 24 frames to another MAC address than the arrival interface\'s');
    const lines = lit.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(lines).toHaveLength(24);
    for (let i = 0; i < 12; i++) {
      expect(lines[2 * i + 1]).not.toContain('captured as');
      // Its reply tuple is the query's original tuple, which the table holds: the null binding
      // moves its source port (53 → a port below 512), as nf_nat_used_tuple makes the kernel do.
      expect(lines[2 * i + 1]).toMatch(new RegExp(`^\\S+ udp 10\\.96\\.0\\.10:53 → 172\\.18\\.0\\.100:${41000 + i} ⇒ udp 10\\.96\\.0\\.10:\\d+ → 172\\.18\\.0\\.100:${41000 + i} forwarded eth0 \\[NEW,SNAT\\]$`));
    }
  });

  it('DNATs each query to a pod, masquerades it, and un-NATs each reply back to the client', () => {
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(lines).toHaveLength(24);
    for (let i = 0; i < 12; i++) {
      expect(lines[2 * i]).toMatch(new RegExp(`udp 172\\.18\\.0\\.100:${41000 + i} → 10\\.96\\.0\\.10:53 ⇒ udp 10\\.244\\.0\\.1:\\d+ → 10\\.244\\.0\\.(5|6|9|10):53 forwarded cni0 \\[NEW,SNAT,DNAT\\]`));
      expect(lines[2 * i + 1]).toMatch(new RegExp(`⇒ udp 10\\.96\\.0\\.10:53 → 172\\.18\\.0\\.100:${41000 + i} forwarded eth0 \\[ESTABLISHED,SNAT,DNAT\\].*captured as udp 10\\.96\\.0\\.10:53 → 172\\.18\\.0\\.100:${41000 + i}`));
    }
    expect(r.stdout).toMatch(/forwarded\s+24 packets/);
    expect(r.stdout).toMatch(/connections to 10\.96\.0\.10:53 per endpoint/);
    expect(r.stdout).toMatch(/chi-square .* p = /);
    expect(r.stdout).toMatch(/conntrack -L \(12 entries\)\nudp {6}17 /);
    const listing = r.stdout.slice(r.stdout.indexOf('conntrack -L (')).split('\n').slice(1);
    expect(listing.filter((l) => /^udp {6}17 \d+ src=172\.18\.0\.100 dst=10\.96\.0\.10 sport=410\d\d dport=53 src=10\.244\.0\.\d+ dst=10\.244\.0\.1 sport=53 dport=\d+ mark=0 use=1$/.test(l))).toHaveLength(12);
  });

  it('the same replay from pcapng and big-endian pcap prints the same', () => {
    const ng = run([capture('dns.pcapng', 'pcapng', 'little'), '--scenario', 'kube-seed']);
    const be = run([capture('dns-be.pcap', 'pcap', 'big'), '--scenario', 'kube-seed']);
    const strip = (s: string): string => s.replace(/packets as they left the node: .*\n/, '');
    expect(strip(ng.stdout)).toBe(strip(r.stdout));
    expect(be.stdout).toBe(ng.stdout);
  });

  it('writes the packets as they left the node, one interface per node interface, checksums valid', () => {
    const recs = [...readCaptureBuffer(readFileSync(out))];
    expect(recs).toHaveLength(24);
    const names = new Set(recs.map((x) => x.interface.name));
    expect([...names].sort()).toEqual(['cni0', 'eth0']);
    for (const rec of recs) {
      const f = decodeLink(rec.interface.linkType, rec.captured, rec.originalLength);
      if (f.kind !== 'ip') throw new Error('not ip');
      const d = f.datagram;
      expect(ipv4ChecksumOk(d)).toBe(true);
      const src = [((d[12]! << 24) | (d[13]! << 16) | (d[14]! << 8) | d[15]!) >>> 0];
      const dst = [((d[16]! << 24) | (d[17]! << 16) | (d[18]! << 8) | d[19]!) >>> 0];
      expect(l4ChecksumOk('ipv4', 17, src, dst, d, 20, d.length)).toBe(true);
      if (rec.interface.name === 'cni0') expect(src[0]).toBe(parseIPv4Strict('10.244.0.1'));
      else expect(src[0]).toBe(vip);
    }
    expect(recs.filter((x) => x.comment?.includes('-j DNAT'))).toHaveLength(12);
  });

  it('--json: counts, fates, mappings and the conntrack -L lines; the text summary lists the same table', () => {
    const j = run([pcap, '--scenario', 'kube-seed', '--json']);
    expect(j.status).toBe(0);
    const doc = JSON.parse(j.stdout) as { packets: number; translatedReplies: number; fates: Record<string, { packets: number }>; mappingCount: number; mappings: string[]; conntrack: string[] };
    expect(j.stdout).toBe(JSON.stringify(doc, null, 2) + '\n');
    expect(doc).toMatchObject({ packets: 24, translatedReplies: 12, fates: { forwarded: { packets: 24 } }, mappingCount: 12 });
    expect(doc.mappings).toHaveLength(12);
    expect(doc.conntrack).toHaveLength(12);
    // The conntrack -S counters natsim keeps as the kernel counts them (the kernel suite compares them).
    expect((doc as unknown as { conntrackStats: Record<string, number> }).conntrackStats).toEqual({ found: 0, invalid: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, error: 0, clash_resolve: 0 });
    expect(r.stdout).toContain('  conntrack -S: found=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 clash_resolve=0\n');
    const text = r.stdout.slice(r.stdout.indexOf('conntrack -L (')).split('\n').slice(1, 13);
    expect(doc.conntrack.map((l) => l.replace(/^(udp {6}17) \d+/, '$1'))).toEqual(text.map((l) => l.replace(/^(udp {6}17) \d+/, '$1')));
  });

  it('--conntrack-max, --conntrack-buckets: a full table early-drops from 8 hash buckets or refuses the packet, and the summary says how many of each', () => {
    type Table = { max: number; buckets: number; entries: number; inserted: number; earlyDropped: number; droppedFull: number; insertFailed: number; clashResolved: number };
    for (const buckets of [undefined, 4]) {
      const extra = buckets === undefined ? [] : ['--conntrack-buckets', String(buckets)];
      const j = JSON.parse(run([pcap, '--scenario', 'kube-seed', '--json', '--conntrack-max', '4', ...extra]).stdout) as { conntrackTable: Table; fates: Record<string, { packets: number }>; conntrack: string[] };
      const t = j.conntrackTable;
      // The kernel's table size: 262,144 by default; 4 asked for is one page of bucket heads, 512.
      expect([t.max, t.buckets]).toEqual([4, buckets === undefined ? 262144 : 512]);
      // Every new connection was inserted or refused; every early drop took an inserted one.
      expect(t.entries).toBeLessThanOrEqual(4);
      expect(t.inserted - t.earlyDropped).toBe(t.entries);
      expect(j.conntrack).toHaveLength(t.entries);
      expect(j.fates.dropped?.packets ?? 0).toBe(t.droppedFull);
      // 8 nodes in 262,144 (or 512) buckets: most connections past the limit find nothing to drop.
      expect(t.droppedFull).toBeGreaterThan(0);
      const text = run([pcap, '--scenario', 'kube-seed', '--summary', '--conntrack-max', '4', ...extra]);
      expect(text.status).toBe(0);
      expect(text.stdout).toContain(`  conntrack table full (nf_conntrack_max 4, nf_conntrack_buckets ${t.buckets.toLocaleString('en-US')}; --conntrack-max and --conntrack-buckets set them): ${t.earlyDropped} unassured entries early-dropped to make room, ${t.droppedFull} packets dropped with no room (early drop looks only in the 8 hash buckets after a new connection's); `);
      // When it began: the first early drop and the first refusal, by packet index and capture time.
      const first = (j.conntrackTable as unknown as { firstEarlyDrop: { packet: number; time: string } | null; firstRefused: { packet: number; time: string } | null });
      expect(first.firstRefused === null).toBe(t.droppedFull === 0);
      expect(first.firstEarlyDrop === null).toBe(t.earlyDropped === 0);
      // The first four connections fill the table (each query with its reply: two packets each).
      for (const e of [first.firstRefused, first.firstEarlyDrop]) if (e) expect(e.packet).toBeGreaterThanOrEqual(8);
      if (first.firstRefused) expect(text.stdout).toContain(`the first packet refused at packet ${first.firstRefused.packet} (${first.firstRefused.time})`);
      expect(text.stdout).toContain(`conntrack -L (${t.entries} entries)`);
    }
    // Without a limit nothing is said.
    expect(run([pcap, '--scenario', 'kube-seed', '--summary', '--conntrack-max', '0']).stdout).not.toContain('conntrack table full');
    const bad = run([pcap, '--scenario', 'kube-seed', '--conntrack-max', '1.5']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--conntrack-max 1.5: expected a whole number of entries');
    const badBuckets = run([pcap, '--scenario', 'kube-seed', '--conntrack-buckets', '0']);
    expect(badBuckets.status).toBe(2);
    expect(badBuckets.stderr).toContain('--conntrack-buckets 0: expected a whole number of hash buckets, at least 1');
  });

  it('a capture taken on the node: what it sent is not replayed again (copies of forwarded packets, its ICMP errors), its own connections are sent', () => {
    const path = join(dir, 'onnode.pcapng');
    const w = CaptureWriter.toFile(path, { format: 'pcapng', linkType: LINKTYPE.ETHERNET, interfaces: ['lan0', 'wan0'] });
    const mac = (s: string) => Uint8Array.from(s.split(':').map((x) => parseInt(x, 16)));
    const LAN = mac('02:00:00:00:01:01'), WAN = mac('02:00:00:00:02:01'), PC = mac('02:00:00:00:01:10'), ISP = mac('02:00:00:00:02:20');
    const a = (t: string) => [parseIPv4Strict(t)!];
    let k = 0;
    const put = (iface: string, src: Uint8Array, dst: Uint8Array, bytes: Uint8Array) =>
      w.write({ tsSec: 1_700_000_000, tsNsec: k++ * 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', bytes, { ethernet: { src, dst } }), interface: iface });
    put('lan0', PC, LAN, buildPacketBytes({ src: a('192.168.1.10'), dst: a('203.0.113.5'), proto: 6, sport: 41000, dport: 443, tcpFlags: 0x02, seq: 7 }));
    put('wan0', WAN, ISP, buildPacketBytes({ src: a('198.51.100.2'), dst: a('203.0.113.5'), proto: 6, sport: 41000, dport: 443, tcpFlags: 0x02, seq: 7, ttl: 63 }));
    put('wan0', ISP, WAN, buildPacketBytes({ src: a('203.0.113.5'), dst: a('198.51.100.2'), proto: 6, sport: 443, dport: 41000, tcpFlags: 0x12, seq: 100, ack: 8 }));
    put('lan0', LAN, PC, buildPacketBytes({ src: a('203.0.113.5'), dst: a('192.168.1.10'), proto: 6, sport: 443, dport: 41000, tcpFlags: 0x12, seq: 100, ack: 8, ttl: 63 }));
    put('wan0', WAN, ISP, buildPacketBytes({ src: a('198.51.100.2'), dst: a('203.0.113.53'), proto: 17, sport: 5353, dport: 53 }));
    const quoted = buildPacketBytes({ src: a('203.0.113.9'), dst: a('198.51.100.2'), proto: 17, sport: 1, dport: 9 }).subarray(0, 28);
    put('wan0', WAN, ISP, buildPacketBytes({ src: a('198.51.100.2'), dst: a('203.0.113.9'), proto: 1, icmpType: 3, icmpCode: 3, payload: quoted }));
    w.close();
    const r = run([path, '--scenario', 'home-router', '--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0']);
    expect(r.status).toBe(0);
    const got = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(got).toHaveLength(3);
    expect(got[0]).toMatch(/tcp 192\.168\.1\.10:41000 → 203\.0\.113\.5:443 ⇒ tcp 198\.51\.100\.2:41000 → 203\.0\.113\.5:443 forwarded wan0 \[NEW,SNAT\]/);
    expect(got[1]).toMatch(/tcp 203\.0\.113\.5:443 → 198\.51\.100\.2:41000 ⇒ tcp 203\.0\.113\.5:443 → 192\.168\.1\.10:41000 forwarded lan0 \[ESTABLISHED,SNAT\]/);
    expect(got[2]).toMatch(/udp 198\.51\.100\.2:5353 → 203\.0\.113\.53:53 sent wan0 \[NEW\]/);
    expect(r.stdout).toContain('not replayed: 3 packets the capture shows the node sending: 2 copies of packets the node forwarded or answered (natsim works them out from the packets it received), 1 ICMP errors the node sent (natsim sends its own)');
    // The same from `tcpdump -i any` (Linux cooked capture v2): the packet type says which were sent.
    const sll = join(dir, 'onnode-any.pcap');
    const w2 = CaptureWriter.toFile(sll, { format: 'pcap', linkType: LINKTYPE.LINUX_SLL2 });
    const cooked = (packetType: number, bytes: Uint8Array) => encapsulate(LINKTYPE.LINUX_SLL2, 'ipv4', bytes, { cooked: { packetType, ifIndex: packetType === 4 ? 3 : 2 } });
    w2.write({ tsSec: 1_700_000_000, tsNsec: 0, data: cooked(0, buildPacketBytes({ src: a('192.168.1.10'), dst: a('203.0.113.5'), proto: 6, sport: 41001, dport: 443, tcpFlags: 0x02, seq: 7 })), interface: 'any' });
    w2.write({ tsSec: 1_700_000_000, tsNsec: 1000, data: cooked(4, buildPacketBytes({ src: a('198.51.100.2'), dst: a('203.0.113.5'), proto: 6, sport: 41001, dport: 443, tcpFlags: 0x02, seq: 7, ttl: 63 })), interface: 'any' });
    // A frame for another host on lan0 (a promiscuous capture): the kernel never lets netfilter see it.
    w2.write({ tsSec: 1_700_000_000, tsNsec: 2000, data: cooked(3, buildPacketBytes({ src: a('192.168.1.10'), dst: a('192.168.1.77'), proto: 17, sport: 5000, dport: 53 })), interface: 'any' });
    w2.close();
    const r2 = run([sll, '--scenario', 'home-router']);
    expect(r2.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l))).toHaveLength(1);
    expect(r2.stdout).toContain('not replayed: 1 packets the capture shows the node sending: 1 copies');
    expect(r2.stdout).toContain('not replayed: 1 frames addressed to another host (PACKET_OTHERHOST');
    // --direction in takes every packet as received, as before.
    expect(run([path, '--scenario', 'home-router', '--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0', '--direction', 'in']).stdout).not.toContain('not replayed: 3');
  });

  it('a unicast packet in a broadcast or multicast frame is delivered but not forwarded (ip_forward: PACKET_HOST only); on the node (--as-captured) a frame for another MAC address is not replayed', () => {
    const path = join(dir, 'pkttype.pcapng');
    const w = CaptureWriter.toFile(path, { format: 'pcapng', linkType: LINKTYPE.ETHERNET, interfaces: ['lan0', 'wan0'] });
    const mac = (s: string) => Uint8Array.from(s.split(':').map((x) => parseInt(x, 16)));
    const LAN = mac('02:00:00:00:01:01'), PC = mac('02:00:00:00:01:10'), OTHER = mac('02:00:00:00:01:77');
    const BCAST = mac('ff:ff:ff:ff:ff:ff'), MCAST = mac('01:00:5e:01:02:03');
    const a = (t: string) => [parseIPv4Strict(t)!];
    let k = 0;
    const put = (dst: Uint8Array, to: string, sport: number) =>
      w.write({ tsSec: 1_700_000_000, tsNsec: k++ * 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ src: a('192.168.1.10'), dst: a(to), proto: 17, sport, dport: 53 }), { ethernet: { src: PC, dst } }), interface: 'lan0' });
    put(LAN, '203.0.113.5', 40001);
    put(OTHER, '203.0.113.5', 40002);
    put(BCAST, '203.0.113.5', 40003);
    put(MCAST, '203.0.113.5', 40004);
    put(BCAST, '192.168.1.1', 40005);
    w.close();
    const args = [path, '--scenario', 'home-router', '--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0'];
    const r = run([...args, '--as-captured']);
    expect(r.status).toBe(0);
    const got = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(got).toHaveLength(4);
    expect(got[0]).toMatch(/:40001 .* forwarded wan0 \[NEW,SNAT\]/);
    // In the kernel the nat PREROUTING rules saw them (a conntrack entry was made, never confirmed).
    expect(got[1]).toMatch(/:40003 → 203\.0\.113\.5:53 dropped \[NEW\]/);
    expect(got[2]).toMatch(/:40004 → 203\.0\.113\.5:53 dropped \[NEW\]/);
    expect(got[3]).toMatch(/:40005 → 192\.168\.1\.1:53 delivered \[NEW\]/);
    expect(r.stdout).toContain('not replayed: 1 frames addressed to another host (PACKET_OTHERHOST');
    const p = run([...args, '--as-captured', '--ndjson']);
    const docs = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as { fate: { by?: string } });
    expect(docs[1]!.fate.by).toContain('broadcast frame (ip_forward forwards only frames addressed to the node, PACKET_HOST)');
    expect(docs[2]!.fate.by).toContain('multicast frame');
    // Without --as-captured a unicast destination is not judged (the capture may come from
    // elsewhere): the frame for another MAC address is replayed as sent to the node; a broadcast
    // or multicast frame is one wherever it was captured.
    const loose = run(args).stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(loose).toHaveLength(5);
    expect(loose.filter((l) => / forwarded wan0 /.test(l)).map((l) => /:(\d+) →/.exec(l)![1])).toEqual(['40001', '40002']);
  });

  it('on the node with --as-captured: a masqueraded copy from the port the node chose (not natsim\'s: --random-fully) is still a copy', () => {
    const rulesFile = join(dir, 'rf.rules');
    writeFileSync(rulesFile, '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o wan0 -j MASQUERADE --random-fully\nCOMMIT\n');
    const path = join(dir, 'rf.pcapng');
    const w = CaptureWriter.toFile(path, { format: 'pcapng', linkType: LINKTYPE.ETHERNET, interfaces: ['lan0', 'wan0'] });
    const mac = (s: string) => Uint8Array.from(s.split(':').map((x) => parseInt(x, 16)));
    const LAN = mac('02:00:00:00:01:01'), WAN = mac('02:00:00:00:02:01'), PC = mac('02:00:00:00:01:10'), ISP = mac('02:00:00:00:02:20');
    const a = (t: string) => [parseIPv4Strict(t)!];
    w.write({ tsSec: 1_700_000_000, tsNsec: 0, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ src: a('192.168.1.10'), dst: a('203.0.113.5'), proto: 17, sport: 41003, dport: 53 }), { ethernet: { src: PC, dst: LAN } }), interface: 'lan0' });
    // The node's copy, from port 61234 — whatever natsim drew.
    w.write({ tsSec: 1_700_000_000, tsNsec: 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ src: a('198.51.100.2'), dst: a('203.0.113.5'), proto: 17, sport: 61234, dport: 53, ttl: 63 }), { ethernet: { src: WAN, dst: ISP } }), interface: 'wan0' });
    w.close();
    const host = join(dir, 'rf-host.json');
    writeFileSync(host, readFileSync(join(import.meta.dirname, '..', 'scenarios', 'home-router', 'host.json')));
    const r = run([path, '--rules', rulesFile, '--host', host, '--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0', '--as-captured']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l))).toHaveLength(1);
    expect(r.stdout).toContain('not replayed: 1 packets the capture shows the node sending: 1 copies');
  });

  it('a capture taken on the client side: the router\'s answer (from its MAC) is replayed as the endpoint\'s reply it forwards', () => {
    const path = join(dir, 'clientside.pcapng');
    const w = CaptureWriter.toFile(path, { format: 'pcapng', linkType: LINKTYPE.ETHERNET, interfaces: ['eth0'] });
    const mac = (s: string) => Uint8Array.from(s.split(':').map((x) => parseInt(x, 16)));
    const LAN = mac('02:00:00:00:01:01'), PC = mac('02:00:00:00:01:10');
    const a = (t: string) => [parseIPv4Strict(t)!];
    w.write({ tsSec: 1_700_000_000, tsNsec: 0, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ src: a('192.168.1.10'), dst: a('203.0.113.5'), proto: 6, sport: 41002, dport: 443, tcpFlags: 0x02, seq: 7 }), { ethernet: { src: PC, dst: LAN } }), interface: 'eth0' });
    w.write({ tsSec: 1_700_000_000, tsNsec: 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ src: a('203.0.113.5'), dst: a('192.168.1.10'), proto: 6, sport: 443, dport: 41002, tcpFlags: 0x12, seq: 100, ack: 8, ttl: 63 }), { ethernet: { src: LAN, dst: PC } }), interface: 'eth0' });
    w.close();
    const r = run([path, '--scenario', 'home-router', '--iface-map', 'eth0=lan0']);
    const got = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(got).toHaveLength(2);
    expect(got[1]).toMatch(/tcp 203\.0\.113\.5:443 → 198\.51\.100\.2:41002 ⇒ tcp 203\.0\.113\.5:443 → 192\.168\.1\.10:41002 forwarded lan0 \[ESTABLISHED,SNAT\].*captured as/);
    expect(r.stdout).not.toContain('not replayed');
  });

  it('IPv6 services get their split too: endpoints as [ip]:port on both sides', () => {
    const rules = join(dir, 'v6svc.rules');
    writeFileSync(rules, '# Generated by ip6tables-save v1.8.9\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n'
      + '-A PREROUTING -d 2001:db8:96::a/128 -p udp -m udp --dport 53 -m statistic --mode random --probability 0.5 -j DNAT --to-destination [2001:db8:244::5]:53\n'
      + '-A PREROUTING -d 2001:db8:96::a/128 -p udp -m udp --dport 53 -j DNAT --to-destination [2001:db8:244::6]:53\nCOMMIT\n');
    const hostFile = join(dir, 'v6h.json');
    writeFileSync(hostFile, JSON.stringify({ interfaces: [{ name: 'eth0', addrs: ['2001:db8:10::1/64'] }, { name: 'cni0', addrs: ['2001:db8:244::1/64'] }], routes: ['default via 2001:db8:10::fe dev eth0'] }));
    const path = join(dir, 'v6svc.pcapng');
    const w = CaptureWriter.toFile(path, { format: 'pcapng', linkType: LINKTYPE.ETHERNET });
    for (let i = 0; i < 40; i++) {
      const q = buildPacketBytes({ family: 'ipv6', src: parseIPv6('2001:db8:10::77')!, dst: parseIPv6('2001:db8:96::a')!, proto: 17, sport: 30000 + i, dport: 53 });
      w.write({ tsSec: 1_700_000_000, tsNsec: i * 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv6', q), interface: 'eth0' });
    }
    w.close();
    const r = run([path, '--rules', rules, '--host', hostFile, '--summary']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('connections to [2001:db8:96::a]:53 per endpoint (expected as for the first, arriving on eth0 from 2001:db8:10::77)');
    const rows = r.stdout.split('\n').filter((l) => /^\[2001:db8:244::[56]\]:53 +\d/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/ 50\.00% +1\/2 /);
  });

  it('--write also writes what the node itself sent (an ICMP time exceeded for a TTL-1 query), named in its comment', () => {
    const path = join(dir, 'ttl1.pcap');
    const w = CaptureWriter.toFile(path, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
    const q = buildPacketBytes({ family: 'ipv4', src: [client], dst: [vip], proto: 17, sport: 43000, dport: 53, ttl: 1, payload: new Uint8Array([1, 2, 3]) });
    w.write({ tsSec: 1_700_000_000, tsNsec: 0, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', q), interface: 'eth0' });
    w.close();
    const written = join(dir, 'ttl1-out.pcapng');
    expect(run([path, '--scenario', 'kube-seed', '--write', written]).status).toBe(0);
    const recs = [...readCaptureBuffer(readFileSync(written))];
    expect(recs).toHaveLength(1);
    expect(recs[0]!.comment).toBe('sent by the node because of packet 1');
    expect(recs[0]!.interface.name).toBe('eth0');
    const f = decodeLink(recs[0]!.interface.linkType, recs[0]!.captured, recs[0]!.originalLength);
    if (f.kind !== 'ip') throw new Error('not ip');
    expect([f.datagram[9], f.datagram[20], f.datagram[21]]).toEqual([1, 11, 0]);
  });

  it('wrong checksums: INVALID and dropped on receipt as from the wire, with a summary note; --offloaded-checksums takes them as correct', () => {
    const path = join(dir, 'offload.pcap');
    const w = CaptureWriter.toFile(path, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
    for (let i = 0; i < 3; i++) {
      const q = buildPacketBytes({ family: 'ipv4', src: [client], dst: [vip], proto: 17, sport: 42000 + i, dport: 53, payload: new Uint8Array([1, 2, 3]) });
      // As tcpdump shows a sender's packet before the card fills the checksum in: the pseudo-header sum only.
      if (i < 2) { q[26] ^= 0x5a; q[27] ^= 0xa5; }
      if (i === 2) q[10] ^= 0x11;
      w.write({ tsSec: 1_700_000_000, tsNsec: i * 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', q), interface: 'eth0' });
    }
    w.close();
    const strictRun = run([path, '--scenario', 'kube-seed']);
    expect(strictRun.status).toBe(0);
    const lines = (s: string): string[] => s.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
    expect(lines(strictRun.stdout).map((l) => /\[([^\]]+)\]/.exec(l)![1])).toEqual(['INVALID', 'INVALID', 'no conntrack']);
    expect(strictRun.stdout).toContain('checksums: 2 with a wrong TCP, UDP or ICMP checksum, which conntrack marked INVALID (nf_conntrack_checksum=1); 1 with a wrong IPv4 header checksum, dropped on receipt');
    const trusted = run([path, '--scenario', 'kube-seed', '--offloaded-checksums']);
    expect(lines(trusted.stdout).map((l) => /\[([^\]]+)\]/.exec(l)![1])).toEqual(['NEW,SNAT,DNAT', 'NEW,SNAT,DNAT', 'NEW,SNAT,DNAT']);
    expect(trusted.stdout).not.toContain('checksums:');
    const json = JSON.parse(run([path, '--scenario', 'kube-seed', '--json']).stdout) as { checksums: unknown };
    expect(json.checksums).toEqual({ offloaded: false, wrongTransport: 2, wrongIpv4Header: 1 });
  });

  it('a truncated capture is an error naming the packet and the byte offset, after the packets before it', () => {
    const bytes = readFileSync(pcap);
    const cut = join(dir, 'cut.pcap');
    spawnSync('sh', ['-c', `head -c ${bytes.length - 5} "${pcap}" > "${cut}"`]);
    const t = run([cut, '--scenario', 'kube-seed']);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/cut\.pcap: packet 23, byte offset \d+: truncated capture/);
    expect(t.stderr).not.toMatch(/\n\s+at /);
  });

  it('fragmented queries are reassembled, NATed and forwarded in their original pieces, among unfragmented packets (IPv4 copies share blocks, fragments do not)', () => {
    const path = join(dir, 'frag.pcap');
    const w = CaptureWriter.toFile(path, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
    const whole = (i: number): Uint8Array => buildPacketBytes({ family: 'ipv4', src: [client], dst: [vip], proto: 17, sport: 42000 + i, dport: 53, payload: Uint8Array.from({ length: 600 }, (_, k) => (k * 7 + i) & 0xff), ipId: 0x4000 + i, df: false });
    const piece = (b: Uint8Array, off: number, len: number, more: boolean): Uint8Array => {
      const f = new Uint8Array(20 + len);
      f.set(b.subarray(0, 20));
      f.set(b.subarray(20 + off, 20 + off + len), 20);
      f[2] = f.length >> 8; f[3] = f.length & 0xff;
      const fo = (more ? 0x2000 : 0) | (off / 8);
      f[6] = fo >> 8; f[7] = fo & 0xff;
      return f;
    };
    let t = 0;
    const put = (d: Uint8Array): void => { fillChecksums('ipv4', d); w.write({ tsSec: 1_700_000_000, tsNsec: (t++) * 1000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', d), interface: 'eth0' }); };
    for (let i = 0; i < 5; i++) {
      const b = whole(i);
      put(piece(b, 0, 304, true));
      // Unfragmented queries between the two halves.
      for (let k = 0; k < 3; k++) put(buildPacketBytes({ family: 'ipv4', src: [client], dst: [vip], proto: 17, sport: 43000 + 10 * i + k, dport: 53, payload: new Uint8Array([i, k]) }));
      put(piece(b, 304, b.length - 20 - 304, false));
    }
    w.close();
    const r = run([path, '--scenario', 'kube-seed', '--ndjson']);
    expect(r.status).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { fate: { kind: string }; in: { sport: number }; out?: { dst: string } });
    expect(recs).toHaveLength(25);
    expect(recs.filter((x) => x.fate.kind === 'held')).toHaveLength(5);
    const forwarded = recs.filter((x) => x.fate.kind === 'forwarded');
    expect(forwarded).toHaveLength(20);
    // Each reassembled query went out to a pod in the two pieces it came in (the kernel re-fragments
    // a datagram conntrack reassembled along its frag_list), with its payload intact.
    const out = join(dir, 'frag-out.pcap');
    expect(run([path, '--scenario', 'kube-seed', '--summary', '--write', out]).status).toBe(0);
    const sent = [...readCaptureBuffer(readFileSync(out))].map((p) => decodeLink(p.interface.linkType, p.captured)).filter((d) => d.kind === 'ip').map((d) => (d as { datagram: Uint8Array }).datagram);
    const pieces = sent.filter((d) => ((d[6]! << 8) | d[7]!) & 0x3fff);
    expect(pieces.map((d) => [d.length, (d[6]! >> 5) & 1, ((d[6]! & 0x1f) << 8) | d[7]!])).toEqual(Array.from({ length: 5 }, () => [[324, 1, 0], [324, 0, 38]]).flat());
    expect(pieces.every((d) => ipv4ChecksumOk(d))).toBe(true);
    const big: Uint8Array[] = [];
    for (let k = 0; k < pieces.length; k += 2) {
      const d = new Uint8Array(628);
      d.set(pieces[k]!.subarray(0, 20));
      d.set(pieces[k]!.subarray(20), 20);
      d.set(pieces[k + 1]!.subarray(20), 20 + 304);
      big.push(d);
    }
    for (const d of big) {
      const i = d[28]!; // the payload starts with the query's number (the source port is masqueraded)
      expect(i).toBeLessThan(5);
      expect(d[22]! << 8 | d[23]!).toBe(53);
      const want = whole(i).subarray(28);
      const firstDiff = d.subarray(28).findIndex((x, k) => x !== want[k]);
      expect([d.length - 28, firstDiff]).toEqual([want.length, -1]);
    }
  });
});


describe('the deciding rule without a trace', () => {
  // Random traffic at a firewall (REJECT and DROP rules, a DROP policy) and at the home router
  // (DNAT, MASQUERADE, filter drops): each packet's line names the same rule whether the path is
  // traced (--trace, its lines indented under each packet) or only the decision is recorded.
  const addrs = ['203.0.113.10', '203.0.113.1', '198.51.100.7', '192.168.1.1', '192.168.1.10', '198.51.100.2', '8.8.8.8'].map((a) => parseIPv4Strict(a)!);
  const path = join(dir, 'mixed.pcap');
  const w = CaptureWriter.toFile(path, { format: 'pcap', linkType: LINKTYPE.IPV4 });
  let seed = 7;
  const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let k = 0; k < 600; k++) {
    const proto = [6, 6, 17, 17, 1][rnd(5)]!;
    const bytes = buildPacketBytes({ family: 'ipv4', src: [addrs[rnd(addrs.length)]!], dst: [addrs[rnd(addrs.length)]!], proto, sport: [22, 53, 80, 1024 + rnd(60000)][rnd(4)], dport: [22, 25, 53, 80, 443, 8080][rnd(6)], tcpFlags: [0x02, 0x12, 0x10, 0x04][rnd(4)], icmpType: [0, 8, 3][rnd(3)] });
    w.write({ tsSec: 1_700_000_000 + (k >> 4), tsNsec: (k & 15) * 1000, data: bytes });
  }
  w.close();
  for (const scenario of ['host-firewall', 'home-router']) {
    it(scenario, () => {
      const plain = run([path, '--scenario', scenario]);
      const traced = run([path, '--scenario', scenario, '--trace']);
      expect(plain.status).toBe(0);
      const lines = (s: string): string[] => s.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
      const a = lines(plain.stdout), b = lines(traced.stdout);
      expect(a).toHaveLength(600);
      expect(a).toEqual(b);
      // Decisions are named: REJECT/DROP rules or a policy for drops, NAT rules for rewrites.
      expect(a.filter((l) => / (dropped|rejected) .*( -A | policy)/.test(l)).length).toBeGreaterThan(20);
      if (scenario === 'host-firewall') expect(a.filter((l) => / rejected .* -A .* -j REJECT/.test(l)).length).toBeGreaterThan(5);
      if (scenario === 'home-router') expect(a.filter((l) => / -j (DNAT|MASQUERADE|SNAT)/.test(l)).length).toBeGreaterThan(5);
    });
  }
});
