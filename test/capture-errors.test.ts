/**
 * Damaged captures: each case gives one exact message with the packet index (0-based) and the
 * byte offset of the record, the same through the buffer cursor and the stream; the records
 * before the damage are still delivered, and nothing is dropped silently.
 */
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../sim/capture/link.js';
import { CaptureError } from '../sim/capture/reader.js';
import { CaptureWriter } from '../sim/capture/writer.js';
import { buildPacketBytes } from '../engine/packet.js';
import { block, concat, epb, idb, readAll, readAllStream, rejected, sampleDatagrams, shb, thrown, v4 } from './helpers/capture.js';

/** Four frames of 51, 54, 65 and 44 bytes (the offsets below follow from them). */
function datagrams(): { family: 'ipv4' | 'ipv6'; bytes: Uint8Array }[] {
  const d = sampleDatagrams();
  d[0] = { family: 'ipv4', bytes: buildPacketBytes({ src: v4('172.18.0.100'), dst: v4('10.96.0.10'), proto: 17, sport: 40001, dport: 53, payload: new TextEncoder().encode('query-one') }) };
  return d;
}

function capture(format: 'pcap' | 'pcapng', linkType = 1): Uint8Array {
  const w = CaptureWriter.toMemory({ format, linkType });
  for (const d of datagrams()) w.write({ timestampNs: 1n, data: encapsulate(1, d.family, d.bytes) });
  w.close();
  return w.bytes();
}

const pcap = capture('pcap');
const ng = capture('pcapng');
const poke = (b: Uint8Array, at: number, v: number): Uint8Array => { const c = b.slice(); new DataView(c.buffer).setUint32(at, v, true); return c; };
const SUPPORTED = 'natsim reads 0 (NULL), 1 (EN10MB), 12/14/101 (RAW), 108 (LOOP), 113 (LINUX_SLL), 228 (IPV4), 229 (IPV6) and 276 (LINUX_SLL2)';
const LOST = 'the capture ends there; anything after it is lost';

/** [name, bytes, reason, formatted message, packets delivered before the error]. */
const CASES: [string, Uint8Array, string, string, number][] = [
  ['empty file', new Uint8Array(0), 'magic', 't.pcap, byte offset 0: empty capture file (no file header)', 0],
  ['file header cut short', pcap.subarray(0, 10), 'truncated', 't.pcap, byte offset 0: truncated capture: the file header is cut short (10 bytes, 24 needed)', 0],
  ['bad magic', concat(Uint8Array.of(1, 2, 3, 4), pcap.subarray(4)), 'magic',
    't.pcap, byte offset 0: not a pcap or pcapng capture: magic number 0x01020304 (expected a1b2c3d4 or a1b23c4d for pcap, in either byte order, or 0a0d0d0a for pcapng)', 0],
  ['last packet cut short', pcap.subarray(0, pcap.length - 5), 'truncated',
    `t.pcap: packet 3, byte offset 242: truncated capture: packet 3 is cut short (its header says 44 captured bytes, the file has 39); ${LOST}`, 3],
  ['record header cut short', concat(pcap, new Uint8Array(5)), 'truncated',
    `t.pcap: packet 4, byte offset 302: truncated capture: the record header of packet 4 is cut short (5 of 16 bytes); ${LOST}`, 4],
  ['a middle packet cut short (the rest is lost)', pcap.subarray(0, 24 + 16 + 51 + 16 + 20 + 8), 'truncated',
    `t.pcap: packet 1, byte offset 91: truncated capture: packet 1 is cut short (its header says 54 captured bytes, the file has 28); ${LOST}`, 1],
  ['corrupt record length', poke(pcap, 24 + 16 + 51 + 8, 0xffffffff), 'length',
    't.pcap: packet 1, byte offset 91: corrupt record length: packet 1 claims 4294967295 captured bytes, more than the snap length 262144; the file is damaged from here on', 1],
  ['unsupported link type', capture('pcap', 105), 'link-type', `t.pcap: packet 0, byte offset 24: link type 105 (IEEE802_11) is not supported; ${SUPPORTED}`, 0],
  ['unknown link type', capture('pcap', 4242), 'link-type', `t.pcap: packet 0, byte offset 24: unknown link type 4242; ${SUPPORTED}`, 0],
  ['pcapng: last block cut short', ng.subarray(0, ng.length - 3), 'truncated',
    `t.pcap: packet 3, byte offset 352: truncated capture: packet 3 (enhanced packet block) is cut short (block length 76, the file has 73 bytes of it); ${LOST}`, 3],
  ['pcapng: other block cut short', concat(shb(), idb(1, 0), block(0x99, new Uint8Array(40)).subarray(0, 30)), 'truncated',
    `t.pcap, byte offset 48: truncated capture: a type 0x00000099 block after 0 packets is cut short (block length 52, the file has 30 bytes of it); ${LOST}`, 0],
  ['pcapng: unsupported link type', capture('pcapng', 127), 'link-type',
    `t.pcap: packet 0, byte offset 80: link type 127 (IEEE802_11_RADIOTAP) is not supported on interface 0 (natsim0); ${SUPPORTED}`, 0],
  ['pcapng: absurd block length', poke(ng, 80 + 4, 0x7ffffff0), 'length',
    't.pcap: packet 0, byte offset 80: corrupt block length: packet 0 (enhanced packet block) has total length 2147483632 (must be a multiple of 4, at least 12, at most 16777216); the file is damaged from here on', 0],
  ['pcapng: block length not a multiple of 4', poke(ng, 80 + 4, 70), 'length',
    't.pcap: packet 0, byte offset 80: corrupt block length: packet 0 (enhanced packet block) has total length 70 (must be a multiple of 4, at least 12, at most 16777216); the file is damaged from here on', 0],
  ['pcapng: trailing length differs', concat(shb(), idb(1, 0), poke(epb(0, 1n, new Uint8Array(20)), 48, 8)), 'length',
    't.pcap: packet 0, byte offset 48: corrupt block: packet 0 (enhanced packet block) has length 52 but its trailing copy says 8; the file is damaged from here on', 0],
  ['pcapng: captured length beyond the block', concat(shb(), idb(1, 0), poke(epb(0, 1n, new Uint8Array(20)), 20, 4000)), 'length',
    't.pcap: packet 0, byte offset 48: corrupt length: packet 0 claims 4000 captured bytes, but its block holds only 20; the file is damaged from here on', 0],
  ['pcapng: undescribed interface', concat(shb(), idb(1, 0), epb(3, 1n, new Uint8Array(20))), 'format',
    't.pcap: packet 0, byte offset 48: malformed pcapng: packet 0 names interface 3, but its section describes only 1 (0…0) before it', 0],
  ['pcapng: bad byte-order magic', (() => { const b = shb(); b[8] = 0; return b; })(), 'magic',
    't.pcap, byte offset 0: bad pcapng byte-order magic 0x003c2b1a in a section header (expected 1a2b3c4d)', 0],
];

describe('damaged captures', () => {
  for (const [name, bytes, reason, message, before] of CASES) {
    it(`${name}: cursor`, () => {
      const e = thrown(() => readAll(bytes)) as CaptureError;
      expect(e).toBeInstanceOf(CaptureError);
      expect(e.reason).toBe(reason);
      expect(e.format()).toBe(message);
      expect(e.exitCode).toBe(2);
    });
    it(`${name}: stream, with the packets before it delivered`, async () => {
      const got: number[] = [];
      const e = await rejected(async () => {
        const { Readable } = await import('node:stream');
        const { readCapture } = await import('../sim/capture/reader.js');
        const pieces: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += 9) pieces.push(Buffer.from(bytes.subarray(i, i + 9)));
        for await (const r of readCapture(Readable.from(pieces), { file: 't.pcap' })) got.push(r.index);
      }) as CaptureError;
      expect(e.format()).toBe(message);
      expect(got).toEqual([...Array(before).keys()]);
    });
  }

  it('a huge claimed length is refused at once, not after buffering the stream', async () => {
    // The record claims 2^32-1 bytes; the stream then goes on for a while: the error comes first.
    const damaged = concat(poke(pcap, 24 + 8, 0xffffffff), new Uint8Array(200_000));
    const e = await rejected(() => readAllStream(damaged, 4096)) as CaptureError;
    expect(e.reason).toBe('length');
    expect(e.loc).toEqual({ file: 't.pcap', packet: 0, offset: 24 });
  });

  it('a large legal length cut short by the end of the stream is a truncation, found in linear time', async () => {
    const w = CaptureWriter.toMemory({ format: 'pcap', snaplen: 262144 });
    w.write({ timestampNs: 0n, data: new Uint8Array(250_000) });
    w.close();
    const cut = w.bytes().subarray(0, 200_000);
    const t0 = performance.now();
    const e = await rejected(() => readAllStream(cut, 64)) as CaptureError;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.format()).toBe(`t.pcap: packet 0, byte offset 24: truncated capture: packet 0 is cut short (its header says 250000 captured bytes, the file has 199960); ${LOST}`);
  });

  it('a missing file is an IO error naming it', async () => {
    const { readCapture } = await import('../sim/capture/reader.js');
    const e = await rejected(async () => { for await (const r of readCapture('/nonexistent/x.pcap')) void r; }) as CaptureError;
    expect(e.code).toBe('IO');
    expect(e.format()).toBe('/nonexistent/x.pcap: cannot read /nonexistent/x.pcap: no such file');
  });
});
