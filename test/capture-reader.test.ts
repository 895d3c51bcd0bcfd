/**
 * The capture reader and writer: pcap and pcapng in both byte orders and both timestamp
 * resolutions give the same records, through the buffer cursor and the stream (fed in pieces
 * small enough that records straddle chunks); pcapng's sections, interfaces, timestamp
 * resolutions, simple and obsolete packet blocks, comments, and skipped blocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encapsulate, LINKTYPE } from '../sim/capture/link.js';
import { CaptureCursor, CaptureStreamCursor, readCapture, type CaptureReadOptions } from '../sim/capture/reader.js';
import { CaptureWriter, type CaptureWriterOptions } from '../sim/capture/writer.js';
import { block, concat, epb, idb, option, plain, readAll, readAllStream, rejected, sampleDatagrams, shb, words } from './helpers/capture.js';

const TS = [1_700_000_000_123_456_789n, 1_700_000_000_123_457_000n, 1_700_000_001_000_000_001n, 1_700_000_002_999_999_999n];

/** The sample packets as Ethernet frames with timestamps and comments. */
function samples(): { ts: bigint; frame: Uint8Array; comment?: string; iface: string }[] {
  return sampleDatagrams().map((d, i) => ({
    ts: TS[i]!, frame: encapsulate(LINKTYPE.ETHERNET, d.family, d.bytes), iface: i % 2 ? 'cni0' : 'eth0',
    ...(i === 1 ? { comment: 'DNAT by KUBE-SEP-ABC' } : {}),
  }));
}

function write(o: CaptureWriterOptions): Uint8Array {
  const w = CaptureWriter.toMemory(o);
  for (const s of samples()) w.write({ timestampNs: s.ts, data: s.frame, interface: s.iface, comment: s.comment });
  w.close();
  return w.bytes();
}

const VARIANTS: CaptureWriterOptions[] = [];
for (const format of ['pcap', 'pcapng'] as const) {
  for (const byteOrder of ['little', 'big'] as const) {
    for (const resolution of ['us', 'ns'] as const) VARIANTS.push({ format, byteOrder, resolution });
  }
}

const label = (o: CaptureWriterOptions): string => `${o.format} ${o.byteOrder}-endian ${o.resolution}`;

/** What every variant must give: microsecond variants round the timestamps down to the µs. */
function expected(resolution: 'us' | 'ns', withComments: boolean): ReturnType<typeof plain>[] {
  return samples().map((s, i) => ({
    index: i, ts: (resolution === 'ns' ? s.ts : (s.ts / 1000n) * 1000n).toString(), linkType: 1,
    data: Buffer.from(s.frame).toString('hex'), orig: s.frame.length, comment: withComments ? s.comment : undefined,
  }));
}

describe('capture round trips', () => {
  for (const o of VARIANTS) {
    it(`${label(o)}: cursor and stream give the written records`, async () => {
      const bytes = write(o);
      const want = expected(o.resolution!, o.format === 'pcapng');
      const a = readAll(bytes);
      expect(a.records.map(plain)).toEqual(want);
      expect(a.info.format).toBe(o.format);
      expect(a.info.byteOrder).toBe(o.byteOrder);
      for (const chunk of [1, 7, 64, 1 << 16]) {
        const b = await readAllStream(bytes, chunk);
        expect(b.records.map(plain)).toEqual(want);
      }
    });
  }

  it('record offsets point at the record headers', () => {
    const bytes = write({ format: 'pcap' });
    const { records } = readAll(bytes);
    expect(records[0]!.offset).toBe(24);
    expect(records[1]!.offset).toBe(24 + 16 + records[0]!.captured.length);
    for (const r of records) expect(Buffer.from(bytes.subarray(r.offset + 16, r.offset + 16 + r.captured.length))).toEqual(Buffer.from(r.captured));
  });

  it('pcap → pcapng → pcap keeps every record', () => {
    const first = readAll(write({ format: 'pcap', resolution: 'ns' })).records;
    const ng = CaptureWriter.toMemory({ format: 'pcapng', resolution: 'ns', byteOrder: 'big' });
    for (const r of first) ng.write({ timestampNs: r.timestampNs, data: r.captured, originalLength: r.originalLength, interface: 'eth0' });
    ng.close();
    const second = readAll(ng.bytes()).records;
    const back = CaptureWriter.toMemory({ format: 'pcap', resolution: 'ns' });
    for (const r of second) back.write({ tsSec: r.tsSec, tsNsec: r.tsNsec, data: r.captured, originalLength: r.originalLength });
    back.close();
    expect(readAll(back.bytes()).records.map(plain)).toEqual(first.map(plain));
    expect(Buffer.from(back.bytes())).toEqual(Buffer.from(write({ format: 'pcap', resolution: 'ns' })));
  });

  it('pcapng names one interface per name given, in order of first use', () => {
    const { records, info } = readAll(write({ format: 'pcapng', interfaces: ['eth0'] }));
    expect(info.interfaces.map((i) => i.name)).toEqual(['eth0', 'cni0']);
    expect(records.map((r) => r.interface.name)).toEqual(['eth0', 'cni0', 'eth0', 'cni0']);
    expect(records.map((r) => r.interface.index)).toEqual([0, 1, 0, 1]);
  });

  it('the writer cuts frames to the snap length and keeps the original length', () => {
    const w = CaptureWriter.toMemory({ format: 'pcapng', snaplen: 40 });
    const f = samples()[0]!.frame;
    w.write({ timestampNs: 0n, data: f });
    w.close();
    const [r] = readAll(w.bytes()).records;
    expect(r!.captured.length).toBe(40);
    expect(r!.originalLength).toBe(f.length);
    expect(r!.interface.snaplen).toBe(40);
  });

  it('a file writer is valid after every flush and after close, and close twice is harmless', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natsim-cap-'));
    try {
      const path = join(dir, 'out.pcapng');
      const w = CaptureWriter.toFile(path, { format: 'pcapng' });
      const s = samples();
      w.write({ timestampNs: s[0]!.ts, data: s[0]!.frame, interface: 'eth0' });
      w.flush();
      const early: unknown[] = [];
      for await (const r of readCapture(path)) early.push(r);
      expect(early.length).toBe(1);
      w.write({ timestampNs: s[1]!.ts, data: s[1]!.frame, interface: 'eth0' });
      w.close();
      w.close();
      const all: unknown[] = [];
      for await (const r of readCapture(path, { chunkSize: 16 })) all.push(r);
      expect(all.length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pcapng details', () => {
  const frame = samples()[0]!.frame;

  it('two sections in different byte orders, each with its own interfaces', () => {
    const le = concat(shb(true), idb(1, 65535, true, option(2, new TextEncoder().encode('eth0'))), epb(0, 1_000_000n, frame, true));
    const be = concat(shb(false), idb(101, 65535, false, option(2, new TextEncoder().encode('tun0'), false)), idb(1, 65535, false), epb(1, 2_000_000n, frame, false), epb(0, 3_000_000n, frame.subarray(14), false));
    const { records, info } = readAll(concat(le, be));
    expect(info.sections).toBe(2);
    expect(records.map((r) => [r.interface.section, r.interface.index, r.interface.linkType, r.interface.name, r.tsSec])).toEqual([
      [0, 0, 1, 'eth0', 1], [1, 1, 1, undefined, 2], [1, 0, 101, 'tun0', 3],
    ]);
    expect(info.byteOrder).toBe('big');
  });

  it('if_tsresol in powers of 10 and of 2, and if_tsoffset', () => {
    const bytes = concat(
      shb(),
      idb(1, 0, true, option(9, Uint8Array.of(3))), // milliseconds
      idb(1, 0, true, option(9, Uint8Array.of(0x80 | 10))), // 1/1024 s
      idb(1, 0, true, option(9, Uint8Array.of(9)), option(14, new Uint8Array(new BigInt64Array([100n]).buffer))), // ns, +100 s
      idb(1, 0, true, option(9, Uint8Array.of(12))), // picoseconds
      epb(0, 1_700_000_000_250n, frame),
      epb(1, 1024n * 5n + 512n, frame),
      epb(2, 1_700_000_000_000_000_007n, frame),
      epb(3, 1_700_000_000_000_000_001_999n & 0xffffffffffffffffn, frame),
    );
    const { records } = readAll(bytes);
    expect(records[0]!.timestampNs).toBe(1_700_000_000_250_000_000n);
    expect(records[1]!.timestampNs).toBe(5_500_000_000n);
    expect(records[2]!.timestampNs).toBe(1_700_000_100_000_000_007n);
    // 2^64 wraps a picosecond count of today; what is left is exact to the nanosecond.
    const ps = 1_700_000_000_000_000_001_999n & 0xffffffffffffffffn;
    expect(records[3]!.timestampNs).toBe(ps / 1000n);
  });

  it('a microsecond count above 2^52 is still exact', () => {
    const units = (1n << 53n) + 123_457n;
    const { records } = readAll(concat(shb(), idb(1, 0), epb(0, units, frame)));
    expect(records[0]!.timestampNs).toBe(units * 1000n);
  });

  it('simple packet blocks (interface 0, length cut to the snap length, no timestamp) and obsolete packet blocks', () => {
    const spb = (data: Uint8Array, orig: number): Uint8Array => {
      const padded = new Uint8Array((data.length + 3) & ~3); padded.set(data);
      return block(3, words(true, orig, padded));
    };
    const pb = block(2, words(true, [0, 0], 0, 3_000_000, frame.length, frame.length, concat(frame, new Uint8Array((4 - (frame.length % 4)) % 4))));
    const bytes = concat(shb(), idb(1, 30), epb(0, 2_000_000n, frame), spb(frame.subarray(0, 30), frame.length), pb);
    const { records, info } = readAll(bytes);
    expect(records.length).toBe(3);
    expect(records[1]!.captured.length).toBe(30);
    expect(records[1]!.originalLength).toBe(frame.length);
    expect(records[1]!.tsSec).toBe(2);
    expect(info.untimedPackets).toBe(1);
    expect(records[2]!.tsSec).toBe(3);
  });

  it('unknown and uninteresting blocks are skipped and counted; packet and section comments are read', () => {
    const comment = option(1, new TextEncoder().encode('first query'));
    const bytes = concat(
      shb(true, option(1, new TextEncoder().encode('taken on node-1'))),
      block(0x40000bad, words(true, 32473, 1, 2)),
      idb(1, 0),
      block(5, words(true, 0, 0, 0)),
      epb(0, 1n, frame, true, frame.length, comment),
      block(4, words(true, 0)),
      block(0x12345678, new Uint8Array(8)),
      epb(0, 2n, frame),
    );
    const { records, info } = readAll(bytes);
    expect(records.map((r) => r.comment)).toEqual(['first query', undefined]);
    expect([...info.skippedBlocks.entries()].sort((a, b) => a[0] - b[0])).toEqual([[4, 1], [5, 1], [0x12345678, 1], [0x40000bad, 1]]);
    expect(info.sectionComments).toEqual(['taken on node-1']);
  });

  it('a stream of many chunks joins straddling records without quadratic copying', async () => {
    const w = CaptureWriter.toMemory({ format: 'pcapng', snaplen: 65535 });
    const big = new Uint8Array(60000).fill(7);
    for (let i = 0; i < 20; i++) w.write({ timestampNs: BigInt(i), data: big });
    w.close();
    const { records } = await readAllStream(w.bytes(), 100);
    expect(records.length).toBe(20);
    expect(records.every((r) => r.captured.length === 60000 && r.captured[59999] === 7)).toBe(true);
  });

  it('the cursor walks without allocating records, and can make one', () => {
    const bytes = write({ format: 'pcapng' });
    const c = new CaptureCursor(bytes);
    let n = 0;
    while (c.next()) {
      expect(c.parser.dataEnd - c.parser.dataStart).toBe(samples()[n]!.frame.length);
      expect(c.record().index).toBe(n);
      n++;
    }
    expect(n).toBe(4);
    expect(c.info.packets).toBe(4);
  });

  it('reads a file by path and standard-input style streams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natsim-cap-'));
    try {
      const path = join(dir, 'in.pcap');
      writeFileSync(path, write({ format: 'pcap', byteOrder: 'big', resolution: 'ns' }));
      const got = [];
      for await (const r of readCapture(path, { chunkSize: 10 })) got.push(plain(r));
      expect(got).toEqual(expected('ns', false));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the streaming cursor over a file with one reused buffer (reuseBuffer)', () => {
  /** Every packet through a CaptureStreamCursor, copied out before the next fill. */
  async function viaCursor(path: string, o: CaptureReadOptions): Promise<ReturnType<typeof plain>[]> {
    const c = new CaptureStreamCursor(path, o);
    const got: ReturnType<typeof plain>[] = [];
    try {
      while (await c.fill()) while (c.next()) got.push(plain(c.record()));
    } finally {
      c.close();
    }
    return got;
  }

  it('gives the packets the buffer cursor gives, whatever the chunk size (records straddling chunks, a buffer grown for a long one)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natsim-cap-'));
    try {
      for (const v of VARIANTS) {
        const bytes = write(v);
        const path = join(dir, 'in.cap');
        writeFileSync(path, bytes);
        const want = readAll(bytes).records.map(plain);
        for (const chunkSize of [1, 7, 64, 1 << 20]) {
          expect(await viaCursor(path, { reuseBuffer: true, chunkSize }), `${label(v)} chunk ${chunkSize}`).toEqual(want);
          expect(await viaCursor(path, { chunkSize }), `${label(v)} chunk ${chunkSize}, streamed`).toEqual(want);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file cut short or missing gives the error the stream gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natsim-cap-'));
    try {
      for (const v of VARIANTS) {
        const bytes = write(v);
        for (const cut of [0, 3, 20, bytes.length - 5]) {
          const path = join(dir, 'cut.cap');
          writeFileSync(path, bytes.subarray(0, cut));
          for (const chunkSize of [5, 1 << 20]) {
            const reused = await rejected(() => viaCursor(path, { reuseBuffer: true, chunkSize }));
            const streamed = await rejected(() => viaCursor(path, { chunkSize }));
            expect(reused.message, `${label(v)} cut at ${cut}`).toBe(streamed.message);
            expect(reused.message).toMatch(/truncated|empty/);
          }
        }
      }
      const missing = await rejected(() => viaCursor(join(dir, 'none.pcap'), { reuseBuffer: true }));
      expect(missing.message).toBe((await rejected(() => viaCursor(join(dir, 'none.pcap'), {}))).message);
      expect(missing.message).toMatch(/no such file/);
      const directory = await rejected(() => viaCursor(dir, { reuseBuffer: true }));
      expect(directory.message).toMatch(/is a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the writer: a prefix kept apart and nanosecond timestamps', () => {
  it('writing prefix + data gives the file that writing their concatenation gives, cut to the snap length alike', () => {
    const frames = samples();
    for (const v of VARIANTS) {
      for (const snaplen of [262144, 60, 10, 14, 3]) {
        const joined = CaptureWriter.toMemory({ ...v, snaplen });
        const apart = CaptureWriter.toMemory({ ...v, snaplen });
        frames.forEach((s, i) => {
          const split = [0, 14, 5, s.frame.length][i % 4]!;
          joined.write({ timestampNs: s.ts, data: s.frame, interface: s.iface, comment: s.comment, ...(i === 2 ? { originalLength: 9000 } : {}) });
          apart.write({ timestampNs: s.ts, prefix: s.frame.subarray(0, split), data: s.frame.subarray(split), interface: s.iface, comment: s.comment, ...(i === 2 ? { originalLength: 9000 } : {}) });
        });
        expect(Buffer.from(apart.bytes()).equals(Buffer.from(joined.bytes())), `${label(v)} snaplen ${snaplen}`).toBe(true);
      }
    }
  });

  it('nanosecond timestamps given as seconds and nanoseconds are the exact 64-bit count (as BigInt arithmetic gives it)', () => {
    const frame = samples()[0]!.frame;
    const times: [number, number][] = [[0, 0], [0, 999_999_999], [1, 0], [1_700_000_000, 123_456_789], [2 ** 32 - 1, 999_999_999], [65535, 1], [65536, 0], [4_000_000_000, 500_000_000], [2 ** 32, 7], [1_764_000_000, 1e9 + 5]];
    for (const [tsSec, tsNsec] of times) {
      for (const byteOrder of ['little', 'big'] as const) {
        const w = CaptureWriter.toMemory({ format: 'pcapng', resolution: 'ns', byteOrder, interfaces: ['eth0'] });
        w.write({ tsSec, tsNsec, data: frame, interface: 'eth0' });
        const bytes = w.bytes();
        // The enhanced packet block follows the section header and the interface description.
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const le = byteOrder === 'little';
        const at = dv.getUint32(4, le) + dv.getUint32(dv.getUint32(4, le) + 4, le);
        const units = (BigInt(dv.getUint32(at + 12, le)) << 32n) | BigInt(dv.getUint32(at + 16, le));
        expect(units, `${tsSec}.${tsNsec} ${byteOrder}`).toBe(BigInt(tsSec) * 1_000_000_000n + BigInt(tsNsec));
        expect(readAll(bytes).records[0]!.timestampNs).toBe(units);
      }
    }
  });
});
