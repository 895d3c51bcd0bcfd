/**
 * Fragmentation on output, judged by the kernel. IPv4: a client sends datagrams without DF longer
 * than the node's route MTU towards a sink, and datagrams already cut into fragments of random
 * sizes (some with IP options, copied and not); the node forwards them (conntrack on, so that it
 * reassembles the fragmented ones first). What the sink receives (tcpdump on its link) must equal,
 * byte for byte and in order, what `natsim replay --write` writes leaving wan0: the slow path's
 * pieces (data space rounded down to 8 bytes), a reassembled datagram's original pieces when they
 * fit (the fast path), options without the copied flag turned into no-ops after the first
 * fragment. IPv6: fragmented datagrams only (a router fragments nothing else), re-fragmented by
 * `ip6_fragment` — equal but for the fragment identification, which the kernel draws from a
 * keyed hash no capture shows. One case per seed and family, 40 datagrams, on a node built anew.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacketBytes } from '../../engine/packet.js';
import { parseIPv4Strict, parseIPv6 } from '../../engine/net/addr.js';
import { main } from '../../sim/cli.js';
import { encapsulate, LINKTYPE } from '../../sim/capture/link.js';
import { readCaptureBuffer } from '../../sim/capture/reader.js';
import { CaptureWriter } from '../../sim/capture/writer.js';
import { rngFor, type Rng } from './generate.js';
import { buildTopology, kernelSkipReason, settle, type HostModel, type Topology } from './packet/topology.js';
import { NO_TCPREPLAY, startTcpdump, stopDump } from './replay/common.js';
import { record } from './report.js';
import { activeSeeds } from './seeds.js';

const SKIP = kernelSkipReason() ?? (process.env.NATSIM_KERNEL_REQUIRED ? null : NO_TCPREPLAY);
const NODE_MAC = '02:00:00:00:00:01', WAN_MAC = '02:00:00:00:00:03';
const CLIENT_FRAME = { src: Uint8Array.of(2, 0, 0, 0, 0, 2), dst: Uint8Array.of(2, 0, 0, 0, 0, 1) };
/** Datagrams per case. */
const DATAGRAMS = 40;

const MODEL6: HostModel = {
  name: 'fragment6',
  rules: ['empty.rules'],
  ipv6: true,
  node: {
    forwarding: true,
    bridgeNfCallIptables: false,
    interfaces: [{ name: 'lan0', addresses: ['2001:db8:10::1/64'] }, { name: 'wan0', addresses: ['2001:db8:20::1/64'] }],
    bridges: [],
    routes: [{ to: 'default', via: '2001:db8:20::2' }],
  },
  neighbours: [
    { name: 'client', address: '2001:db8:10::2/64', attach: 'lan0', gateway: '2001:db8:10::1' },
    { name: 'sink', address: '2001:db8:20::2/64', attach: 'wan0', gateway: '2001:db8:20::1' },
  ],
};
const host6 = (mtu: number) => ({
  interfaces: [{ name: 'lan0', addrs: ['2001:db8:10::1/64'], mac: NODE_MAC }, { name: 'wan0', addrs: ['2001:db8:20::1/64'], mac: WAN_MAC }],
  routes: ['default via 2001:db8:20::2 dev wan0', `2001:db8:30::/48 via 2001:db8:20::2 dev wan0 mtu ${mtu}`],
  forwarding: true,
});
const RULES6 = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 2001:db8:30::/48 -m conntrack --ctstate NEW,ESTABLISHED,INVALID -j ACCEPT\n-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,INVALID -j ACCEPT\nCOMMIT\n';

const MODEL: HostModel = {
  name: 'fragment',
  rules: ['empty.rules'],
  node: {
    forwarding: true,
    bridgeNfCallIptables: false,
    interfaces: [{ name: 'lan0', addresses: ['10.10.0.1/16'] }, { name: 'wan0', addresses: ['10.20.0.1/24'] }],
    bridges: [],
    routes: [{ to: 'default', via: '10.20.0.2' }],
  },
  neighbours: [
    { name: 'client', address: '10.10.0.2/16', attach: 'lan0', gateway: '10.10.0.1' },
    { name: 'sink', address: '10.20.0.2/24', attach: 'wan0', gateway: '10.20.0.1' },
  ],
};
/** natsim's node: the same, with the route MTU the case sets. */
const host = (mtu: number) => ({
  interfaces: [{ name: 'lan0', addrs: ['10.10.0.1/16'], mac: NODE_MAC }, { name: 'wan0', addrs: ['10.20.0.1/24'], mac: WAN_MAC }],
  routes: ['default via 10.20.0.2 dev wan0', `10.30.0.0/16 via 10.20.0.2 dev wan0 mtu ${mtu}`],
  forwarding: true,
});
const RULES = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,INVALID -j ACCEPT\nCOMMIT\n';

const addr = (s: string): number[] => [parseIPv4Strict(s)!];

/** An IPv4 header checksum filled in place. */
function headerSum(b: Uint8Array): void {
  const hlen = (b[0]! & 15) * 4;
  b[10] = 0; b[11] = 0;
  let s = 0;
  for (let i = 0; i < hlen; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  s = ~s & 0xffff;
  b[10] = s >> 8; b[11] = s & 255;
}

/** `b` with IP options `opts` (a multiple of 4 bytes) after its 20-byte header. */
function withOptions(b: Uint8Array, opts: readonly number[]): Uint8Array {
  const out = new Uint8Array(b.length + opts.length);
  out.set(b.subarray(0, 20));
  out.set(opts, 20);
  out.set(b.subarray(20), 20 + opts.length);
  out[0] = 0x45 + opts.length / 4;
  out[2] = out.length >> 8; out[3] = out.length & 255;
  headerSum(out);
  return out;
}

/** `whole` cut into fragments with these data sizes (each but the last a multiple of 8). */
function cut(whole: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const hlen = (whole[0]! & 15) * 4;
  let off = 0;
  return sizes.map((n, k) => {
    const f = new Uint8Array(hlen + n);
    f.set(whole.subarray(0, hlen));
    f.set(whole.subarray(hlen + off, hlen + off + n), hlen);
    const fo = (off >> 3) | (k < sizes.length - 1 ? 0x2000 : 0);
    f[2] = (hlen + n) >> 8; f[3] = (hlen + n) & 255; f[6] = fo >> 8; f[7] = fo & 255;
    headerSum(f);
    off += n;
    return f;
  });
}

/** The case's datagrams, as the client's frames. */
function datagrams(rng: Rng): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let k = 0; k < DATAGRAMS; k++) {
    // To 10.30/16 (the small MTU) mostly, now and then through the default route (1500).
    const dst = rng() < 0.8 ? `10.30.${Math.floor(rng() * 4)}.${1 + Math.floor(rng() * 250)}` : '10.40.0.1';
    const fragmented = rng() < 0.5;
    // Now and then options: router alert (copied) and an unknown class-0 one (not copied).
    const opts = rng() < 0.25 ? (rng() < 0.5 ? [0x94, 4, 0, 0, 0x0a, 4, 0xab, 0xcd] : [0x0a, 4, 1, 2, 1, 1, 1, 0]) : [];
    // Whole datagrams fit the client's 1500-byte link (its veth drops longer frames).
    const total = fragmented ? 600 + Math.floor(rng() * 3000) : 1200 + Math.floor(rng() * (301 - opts.length));
    let b = buildPacketBytes({ src: addr('10.10.0.2'), dst: addr(dst), proto: 17, sport: 1024 + k, dport: 9, df: false, ipId: Math.floor(rng() * 65536), payload: Uint8Array.from({ length: total - 28 }, () => Math.floor(rng() * 256)) });
    if (opts.length > 0) b = withOptions(b, opts);
    if (!fragmented) { frames.push(b); continue; }
    const hlen = (b[0]! & 15) * 4;
    const sizes: number[] = [];
    for (let left = b.length - hlen; left > 0;) {
      // Pieces of 8-byte multiples up to what a 1500-byte link carries.
      const n = Math.min(left, 8 * (1 + Math.floor(rng() * ((1500 - hlen) / 8))));
      sizes.push(n);
      left -= n;
    }
    frames.push(...cut(b, sizes));
  }
  return frames.map((d) => encapsulate(LINKTYPE.ETHERNET, 'ipv4', d, { ethernet: CLIENT_FRAME }));
}

/** The case's IPv6 datagrams, each cut into fragments of random sizes, as the client's frames. */
function datagrams6(rng: Rng): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let k = 0; k < DATAGRAMS; k++) {
    const dst = rng() < 0.8 ? `2001:db8:30::${(1 + Math.floor(rng() * 250)).toString(16)}` : '2001:db8:40::1';
    const total = 700 + Math.floor(rng() * 3000);
    const b = buildPacketBytes({ family: 'ipv6', src: parseIPv6('2001:db8:10::2')!, dst: parseIPv6(dst)!, proto: 17, sport: 1024 + k, dport: 9, payload: Uint8Array.from({ length: total - 48 }, () => Math.floor(rng() * 256)) });
    const id = Math.floor(rng() * 2 ** 32);
    const data = b.subarray(40);
    for (let off = 0; off < data.length;) {
      // Pieces of 8-byte multiples, at least 1232 bytes (1280 with the headers) but the last.
      const n = Math.min(data.length - off, 8 * (154 + Math.floor(rng() * 27)));
      const f = new Uint8Array(48 + n);
      f.set(b.subarray(0, 40));
      f[6] = 44; f[4] = (8 + n) >> 8; f[5] = (8 + n) & 255;
      f[40] = 17;
      const more = off + n < data.length;
      f[42] = off >> 8; f[43] = (off & 0xf8) | (more ? 1 : 0);
      f[44] = id >>> 24; f[45] = (id >>> 16) & 255; f[46] = (id >>> 8) & 255; f[47] = id & 255;
      f.set(data.subarray(off, off + n), 48);
      frames.push(f);
      off += n;
    }
  }
  return frames.map((d) => encapsulate(LINKTYPE.ETHERNET, 'ipv6', d, { ethernet: CLIENT_FRAME }));
}

/** The datagrams (link header off) of a capture file sent towards 10.30/16 or 10.40/16 (2001:db8:30::/48, 2001:db8:40::/48), in order; IPv6 fragment identifications zeroed. */
function leaving(file: string, family: 'ipv4' | 'ipv6'): Buffer[] {
  return [...readCaptureBuffer(readFileSync(file))]
    .map((r) => Buffer.from(r.captured).subarray(14))
    .filter((d) => family === 'ipv4'
      ? d[0]! >> 4 === 4 && d[16] === 10 && (d[17] === 30 || d[17] === 40)
      : d[0]! >> 4 === 6 && d.readUInt32BE(24) === 0x20010db8 && (d.readUInt16BE(28) === 0x30 || d.readUInt16BE(28) === 0x40))
    .map((d) => { if (family === 'ipv6' && d[6] === 44) d.fill(0, 44, 48); return d; });
}

describe.skipIf(SKIP !== null)(SKIP ? `IPv4 fragmentation on output — skipped: ${SKIP}` : 'IPv4 fragmentation on output: what the sink receives is what natsim writes', () => {
  let topo: Topology | null = null;
  let scratch: string;
  beforeAll(() => {
    if (NO_TCPREPLAY) throw new Error(`${NO_TCPREPLAY} (Debian package tcpreplay)`);
    scratch = mkdtempSync(join(tmpdir(), 'natsim-fragment-'));
    writeFileSync(join(scratch, 'empty.rules'), '*filter\nCOMMIT\n');
    writeFileSync(join(scratch, 'node.rules'), RULES);
    writeFileSync(join(scratch, 'node6.rules'), RULES6);
  });
  afterAll(() => {
    topo?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  for (const family of ['ipv4', 'ipv6'] as const) for (const seed of activeSeeds()) {
    const v6 = family === 'ipv6';
    const id = `fragment seed ${seed}${v6 ? ' (ipv6)' : ''}`;
    it(`${id}: ${DATAGRAMS} datagrams, ${v6 ? 'all' : 'some'} already fragmented, through a smaller route MTU`, async () => {
      const rng = rngFor(seed, v6 ? 'fragment6' : 'fragment');
      const mtu = v6 ? [1280, 1400][Math.floor(rng() * 2)]! : [576, 1000, 1280, 1400][Math.floor(rng() * 4)]!;
      topo?.destroy();
      topo = buildTopology(v6 ? MODEL6 : MODEL, scratch);
      const t = topo;
      const ex = (ns: string, cmd: string, args: string[], input?: string): void => {
        const r = t.exec(ns, cmd, args, input);
        if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
      };
      ex(t.node, 'ip', ['link', 'set', 'lan0', 'address', NODE_MAC]);
      ex(t.node, 'ip', ['link', 'set', 'wan0', 'address', WAN_MAC]);
      // IPv6: a datagram whose largest fragment is longer than the route's MTU is refused on output
      // (packet too big to the client); the others leave re-fragmented.
      ex(t.node, 'ip', v6 ? ['-6', 'route', 'add', '2001:db8:30::/48', 'via', '2001:db8:20::2', 'dev', 'wan0', 'mtu', String(mtu)] : ['route', 'add', '10.30.0.0/16', 'via', '10.20.0.2', 'dev', 'wan0', 'mtu', String(mtu)]);
      const sinkMac = /link\/ether (\S+)/.exec(t.exec(t.neighbours.get('sink')!, 'ip', ['link', 'show', 'eth0']).stdout)![1]!;
      ex(t.node, 'ip', [...(v6 ? ['-6'] : []), 'neigh', 'replace', v6 ? '2001:db8:20::2' : '10.20.0.2', 'lladdr', sinkMac, 'dev', 'wan0', 'nud', 'permanent']);
      if (v6) settle(t);
      ex(t.node, v6 ? 'ip6tables-legacy-restore' : 'iptables-legacy-restore', ['-w'], v6 ? RULES6 : RULES);
      const input = join(scratch, `${seed}-in.pcap`), sinkFile = join(scratch, `${seed}-sink.pcap`), written = join(scratch, `${seed}-natsim.pcap`);
      const w = CaptureWriter.toFile(input, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
      (v6 ? datagrams6(rng) : datagrams(rng)).forEach((data, k) => w.write({ tsSec: 1_700_000_000, tsNsec: k * 1000, data }));
      w.close();
      const dump = await startTcpdump(t.neighbours.get('sink')!, 'eth0', sinkFile, ['-p', v6 ? 'ip6' : 'ip']);
      const played = t.exec(t.neighbours.get('client')!, 'tcpreplay', ['-q', '-i', 'eth0', input]);
      if (played.status !== 0) throw new Error(`tcpreplay: ${played.stderr}`);
      await new Promise((r) => setTimeout(r, 300));
      await stopDump(dump);
      const hostFile = join(scratch, `${seed}-host.json`);
      writeFileSync(hostFile, JSON.stringify(v6 ? host6(mtu) : host(mtu)));
      const status = await main(['replay', input, '--rules', join(scratch, v6 ? 'node6.rules' : 'node.rules'), '--host', hostFile, '--iface-map', 'x=lan0', '--direction', 'in', '--write', written, '--summary', '--no-color'], { out: () => {}, err: () => {} });
      expect(status).toBe(0);
      const kernel = leaving(sinkFile, family), natsim = leaving(written, family);
      const problems: string[] = [];
      if (kernel.length !== natsim.length) problems.push(`the sink received ${kernel.length} datagrams, natsim wrote ${natsim.length}`);
      for (let i = 0; i < Math.min(kernel.length, natsim.length); i++) {
        if (!kernel[i]!.equals(natsim[i]!)) { problems.push(`datagram ${i}: kernel ${kernel[i]!.subarray(0, 28).toString('hex')}… (${kernel[i]!.length} bytes), natsim ${natsim[i]!.subarray(0, 28).toString('hex')}… (${natsim[i]!.length} bytes)`); break; }
      }
      const detail = problems.join('\n');
      record({ suite: 'fragment', id: `${id} (mtu ${mtu}, ${kernel.length} datagrams out)`, agreed: detail === '', ...(detail ? { detail } : {}), repro: `node scripts/test-kernel.mjs test/kernel/fragment.test.ts --seed ${seed}${v6 ? ` -t '(ipv6)'` : ''}` });
      expect(detail).toBe('');
    });
  }
});
