/**
 * Fragmentation on output, judged by the kernel. IPv4: a client sends datagrams without DF longer
 * than the node's route MTU towards a sink, and datagrams already cut into fragments of random
 * sizes (some with IP options, copied and not, some with DF on every fragment); the node forwards them (conntrack on, so that it
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
import { buildTopology, kernelSkipReason, settle, type Topology } from './packet/topology.js';
import { NO_TCPREPLAY, NODE_MAC, routerHost, routerModel, startTcpdump, stopDump, WAN_MAC } from './replay/common.js';
import { ipv4Fragments, ipv6Fragments, withIpv4Options } from '../helpers/fragments.js';
import { fillIpv4Checksum } from '../../engine/wire/ipv4.js';
import { record } from './report.js';
import { activeSeeds } from './seeds.js';

const SKIP = kernelSkipReason() ?? (process.env.NATSIM_KERNEL_REQUIRED ? null : NO_TCPREPLAY);
const CLIENT_FRAME = { src: Uint8Array.of(2, 0, 0, 0, 0, 2), dst: Uint8Array.of(2, 0, 0, 0, 0, 1) };
/** Datagrams per case. */
const DATAGRAMS = 40;

const RULES6 = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -d 2001:db8:30::/48 -m conntrack --ctstate NEW,ESTABLISHED,INVALID -j ACCEPT\n-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,INVALID -j ACCEPT\nCOMMIT\n';

const RULES = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,INVALID -j ACCEPT\nCOMMIT\n';

const addr = (s: string): number[] => [parseIPv4Strict(s)!];

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
    if (opts.length > 0) b = withIpv4Options(b, opts);
    if (!fragmented) { frames.push(b); continue; }
    // Now and then DF on every fragment: the reassembled datagram keeps it (IPSKB_FRAG_PMTU), and
    // one whose largest fragment does not fit the way out is refused (fragmentation needed).
    if (rng() < 0.25) { b[6] = b[6]! | 0x40; fillIpv4Checksum(b); }
    const hlen = (b[0]! & 15) * 4;
    const sizes: number[] = [];
    for (let left = b.length - hlen; left > 0;) {
      // Pieces of 8-byte multiples up to what a 1500-byte link carries.
      const n = Math.min(left, 8 * (1 + Math.floor(rng() * ((1500 - hlen) / 8))));
      sizes.push(n);
      left -= n;
    }
    frames.push(...ipv4Fragments(b, sizes));
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
    const sizes: number[] = [];
    for (let left = b.length - 40; left > 0;) {
      // Pieces of 8-byte multiples, at least 1232 bytes (1280 with the headers) but the last.
      const n = Math.min(left, 8 * (154 + Math.floor(rng() * 27)));
      sizes.push(n);
      left -= n;
    }
    frames.push(...ipv6Fragments(b, sizes, id));
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
      topo = buildTopology(routerModel(v6 ? 'fragment6' : 'fragment', family), scratch);
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
      writeFileSync(hostFile, JSON.stringify(routerHost(family, [v6 ? `2001:db8:30::/48 via 2001:db8:20::2 dev wan0 mtu ${mtu}` : `10.30.0.0/16 via 10.20.0.2 dev wan0 mtu ${mtu}`])));
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
