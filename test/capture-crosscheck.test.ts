/**
 * Cross-checks of the capture reader and writer against other implementations: pcap-parser (the
 * npm package, microsecond classic pcap only) reads the same packets, headers and data from
 * classic files as ours; files written by Wireshark's editcap (committed under
 * test/fixtures/capture/) read as expected; and tshark reads our pcap and pcapng files back with
 * the same addresses and ports, interfaces, comments and timestamps, and every IP, TCP, UDP and
 * ICMP checksum good after `fillChecksums`. The tshark tests are skipped, saying so, where tshark
 * is not installed (CI installs it: .ci/run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAddr } from '../engine/net/addr.js';
import { decodePacket } from '../engine/packet.js';
import { fillChecksums } from '../sim/capture/checksums.js';
import { decodeLink, encapsulate, LINKTYPE } from '../sim/capture/link.js';
import { CaptureWriter, type CaptureWriterOptions } from '../sim/capture/writer.js';
import { plain, readAll, sampleDatagrams } from './helpers/capture.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'capture');
const TS = [1_700_000_000_123_456_789n, 1_700_000_000_223_456_000n, 1_700_000_001_000_000_001n, 1_700_000_002_999_999_999n];

/** pcap-parser's events (the package has no types). */
interface PcapParser {
  on(ev: 'globalHeader', fn: (h: { magicNumber: number; majorVersion: number; minorVersion: number; snapshotLength: number; linkLayerType: number }) => void): PcapParser;
  on(ev: 'packet', fn: (p: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => void): PcapParser;
  on(ev: 'end', fn: () => void): PcapParser;
  on(ev: 'error', fn: (e: Error) => void): PcapParser;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(input: string | Readable): PcapParser };

/** Everything pcap-parser reads from a classic file. */
function parseWithPcapParser(bytes: Uint8Array): Promise<{ header: unknown; packets: { sec: number; usec: number; caplen: number; orig: number; data: string }[] }> {
  return new Promise((resolve, reject) => {
    let header: unknown = null;
    const packets: { sec: number; usec: number; caplen: number; orig: number; data: string }[] = [];
    pcapParser.parse(Readable.from([Buffer.from(bytes)]))
      .on('globalHeader', (h) => { header = { major: h.majorVersion, minor: h.minorVersion, snaplen: h.snapshotLength, linkType: h.linkLayerType }; })
      .on('packet', (p) => packets.push({ sec: p.header.timestampSeconds, usec: p.header.timestampMicroseconds, caplen: p.header.capturedLength, orig: p.header.originalLength, data: p.data.toString('hex') }))
      .on('error', reject)
      .on('end', () => resolve({ header, packets }));
  });
}

/** Our reader's view of the same file, in pcap-parser's terms. */
function parseWithOurs(bytes: Uint8Array): { header: unknown; packets: { sec: number; usec: number; caplen: number; orig: number; data: string }[] } {
  const { records, info } = readAll(bytes);
  const i = info.interfaces[0]!;
  return {
    header: { major: Number(info.version.split('.')[0]), minor: Number(info.version.split('.')[1]), snaplen: i.snaplen, linkType: i.linkType },
    packets: records.map((r) => ({ sec: r.tsSec, usec: r.tsNsec / 1000, caplen: r.captured.length, orig: r.originalLength, data: Buffer.from(r.captured).toString('hex') })),
  };
}

function ourCapture(o: CaptureWriterOptions, cut = false): Uint8Array {
  const w = CaptureWriter.toMemory(o);
  sampleDatagrams().forEach((d, i) => {
    const f = encapsulate(LINKTYPE.ETHERNET, d.family, d.bytes);
    w.write({ timestampNs: TS[i]!, data: cut && i === 0 ? f.subarray(0, 40) : f, originalLength: f.length });
  });
  w.close();
  return w.bytes();
}

describe('pcap-parser reads the same classic files', () => {
  const files: [string, Uint8Array][] = [
    ['ours, little-endian', ourCapture({ format: 'pcap', byteOrder: 'little' })],
    ['ours, big-endian', ourCapture({ format: 'pcap', byteOrder: 'big' })],
    ['ours, with a packet cut by the snap length', ourCapture({ format: 'pcap' }, true)],
    ["Wireshark's editcap", new Uint8Array(readFileSync(join(FIXTURES, 'dns-editcap-us.pcap')))],
  ];
  for (const [name, bytes] of files) {
    it(name, async () => {
      const theirs = await parseWithPcapParser(bytes);
      const ours = parseWithOurs(bytes);
      expect(theirs.packets.length).toBe(4);
      expect(ours).toEqual(theirs);
    });
  }
});

describe("files written by Wireshark's editcap", () => {
  const want = (resolution: 'us' | 'ns'): { ts: string; data: string }[] => sampleDatagrams().map((d, i) => ({
    ts: (resolution === 'ns' ? TS[i]! : (TS[i]! / 1000n) * 1000n).toString(),
    data: Buffer.from(d.bytes).toString('hex'),
  }));
  const read = (file: string): { ts: string; data: string }[] => readAll(new Uint8Array(readFileSync(join(FIXTURES, file)))).records.map((r) => {
    const f = decodeLink(r.interface.linkType, r.captured, r.originalLength);
    if (f.kind !== 'ip') throw new Error(f.reason);
    return { ts: plain(r).ts, data: Buffer.from(f.datagram).toString('hex') };
  });
  it('microsecond pcap', () => expect(read('dns-editcap-us.pcap')).toEqual(want('us')));
  it('nanosecond pcap', () => expect(read('dns-editcap-ns.pcap')).toEqual(want('ns')));
  it('pcapng (if_tsresol 9, interface name, packet comment, a VLAN tag)', () => {
    expect(read('dns-editcap.pcapng')).toEqual(want('ns'));
    const { records, info } = readAll(new Uint8Array(readFileSync(join(FIXTURES, 'dns-editcap.pcapng'))));
    expect(info.interfaces.map((i) => [i.name, i.tsExp])).toEqual([['eth0', 9]]);
    expect(records[0]!.comment).toBe('DNS query to kube-dns');
    const f = decodeLink(1, records[1]!.captured);
    expect(f.kind === 'ip' && f.ethernet!.vlans[0]!.vid).toBe(42);
  });
});

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasTshark)(hasTshark ? 'tshark reads our files back' : 'tshark reads our files back (skipped: tshark is not installed; `apt-get install tshark`, as .ci/run does)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natsim-tshark-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const FIELDS = ['frame.time_epoch', 'frame.interface_name', 'frame.comment', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport',
    'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status'];

  function tshark(path: string): Record<string, string>[] {
    const r = spawnSync('tshark', ['-r', path, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
      '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout.trim().split('\n').map((line) => Object.fromEntries(line.split('|').map((v, i) => [FIELDS[i]!, v])));
  }

  /** The samples as a node would send them after DNAT + masquerade: rewritten in place, checksums stale until filled. */
  function rewritten(fill: boolean): { family: 'ipv4' | 'ipv6'; bytes: Uint8Array }[] {
    return sampleDatagrams().map((d) => {
      const b = d.bytes.slice();
      if (d.family === 'ipv4') {
        if (b[16] === 10 && b[17] === 96) { b.set([10, 244, 0, 6], 16); b.set([10, 244, 0, 1], 12); }
        else b.set([10, 96, 0, 10], 12);
        if (b[9] === 17) { b[20] = 0xc3; b[21] = 0x50; } // source port 50000 (masquerade --random-fully)
      } else {
        b[39] = 0x0b; // fd00:96::b
      }
      if (fill) expect(fillChecksums(d.family, b)).toBe('filled');
      return { family: d.family, bytes: b };
    });
  }

  /** What we say about each packet, in tshark's terms. */
  function ours(datagrams: { family: 'ipv4' | 'ipv6'; bytes: Uint8Array }[]): Record<string, string>[] {
    return datagrams.map((d) => {
      const p = decodePacket(d.family, d.bytes);
      const v4 = d.family === 'ipv4';
      const tcp = p.proto === 6, udp = p.proto === 17;
      return {
        'ip.src': v4 ? formatAddr('ipv4', p.src) : '', 'ip.dst': v4 ? formatAddr('ipv4', p.dst) : '',
        'ipv6.src': v4 ? '' : formatAddr('ipv6', p.src), 'ipv6.dst': v4 ? '' : formatAddr('ipv6', p.dst),
        'tcp.srcport': tcp ? String(p.sport) : '', 'tcp.dstport': tcp ? String(p.dport) : '',
        'udp.srcport': udp ? String(p.sport) : '', 'udp.dstport': udp ? String(p.dport) : '',
      };
    });
  }

  const pick = (rows: Record<string, string>[], keys: string[]): Record<string, string>[] => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]!])));
  const ADDRS = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport'];
  /** Checksum status per packet: every one present must be 1 (good). */
  const statuses = (rows: Record<string, string>[]): string[] => rows.map((r) => ['ip', 'tcp', 'udp', 'icmp'].map((p) => r[`${p}.checksum.status`]).filter((s) => s !== '').join(','));

  const VARIANTS: [string, CaptureWriterOptions, number][] = [
    ['pcap µs little-endian, Ethernet', { format: 'pcap', resolution: 'us', byteOrder: 'little' }, LINKTYPE.ETHERNET],
    ['pcap ns big-endian, Linux SLL2', { format: 'pcap', resolution: 'ns', byteOrder: 'big', linkType: LINKTYPE.LINUX_SLL2 }, LINKTYPE.LINUX_SLL2],
    ['pcap µs, raw IP', { format: 'pcap', linkType: LINKTYPE.RAW }, LINKTYPE.RAW],
    ['pcap µs, BSD NULL', { format: 'pcap', linkType: LINKTYPE.NULL }, LINKTYPE.NULL],
    ['pcapng ns big-endian, two interfaces with comments', { format: 'pcapng', resolution: 'ns', byteOrder: 'big' }, LINKTYPE.ETHERNET],
    ['pcapng µs little-endian, Linux SLL', { format: 'pcapng', resolution: 'us', linkType: LINKTYPE.LINUX_SLL }, LINKTYPE.LINUX_SLL],
  ];

  for (const [name, o, linkType] of VARIANTS) {
    it(`${name}: same packets, addresses and ports, every checksum good`, () => {
      const d = rewritten(true);
      const path = join(dir, `${name.replace(/\W+/g, '-')}.${o.format}`);
      const w = CaptureWriter.toFile(path, o);
      d.forEach((x, i) => w.write({ timestampNs: TS[i]!, data: encapsulate(linkType, x.family, x.bytes), interface: i === 3 ? 'cni0' : 'eth0', comment: i === 0 ? 'DNAT KUBE-SEP-ABC; MASQUERADE' : undefined }));
      w.close();
      const rows = tshark(path);
      expect(rows.length).toBe(4);
      expect(pick(rows, ADDRS)).toEqual(ours(d));
      expect(statuses(rows)).toEqual(['1,1', '1,1', '1', '1,1']);
      const wantTs = TS.map((t) => (o.resolution === 'ns' ? t : (t / 1000n) * 1000n)).map((t) => `${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, '0')}`);
      expect(rows.map((r) => r['frame.time_epoch'])).toEqual(wantTs);
      if (o.format === 'pcapng') {
        expect(rows.map((r) => r['frame.interface_name'])).toEqual(['eth0', 'eth0', 'eth0', 'cni0']);
        expect(rows.map((r) => r['frame.comment'])).toEqual(['DNAT KUBE-SEP-ABC; MASQUERADE', '', '', '']);
      }
    });
  }

  it('without fillChecksums tshark finds the stale checksums bad (the check is on)', () => {
    const path = join(dir, 'stale.pcap');
    const w = CaptureWriter.toFile(path, { format: 'pcap' });
    rewritten(false).forEach((x, i) => w.write({ timestampNs: TS[i]!, data: encapsulate(LINKTYPE.ETHERNET, x.family, x.bytes) }));
    w.close();
    // ICMPv4's checksum has no pseudo-header: an address rewrite leaves it good.
    expect(statuses(tshark(path))).toEqual(['0,0', '0,0', '0', '0,1']);
  });

  it('a file whose writer stopped early (flushed, never closed) is read whole', () => {
    const path = join(dir, 'early.pcapng');
    const w = CaptureWriter.toFile(path, { format: 'pcapng' });
    const d = rewritten(true);
    w.write({ timestampNs: TS[0]!, data: encapsulate(LINKTYPE.ETHERNET, d[0]!.family, d[0]!.bytes), interface: 'eth0' });
    w.flush();
    expect(tshark(path).length).toBe(1);
    w.close();
    expect(tshark(path).length).toBe(1);
  });
});
