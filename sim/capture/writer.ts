/**
 * Writing packet captures: classic pcap (microsecond or nanosecond timestamps) or pcapng (one
 * interface description per interface, declared up front or on first use, and an enhanced packet
 * block per packet with an optional comment), in either byte order, streaming to a file or to
 * memory. The file header goes out when the writer opens and every packet is written whole, so
 * the file is valid whenever the writer stops (`close()` is idempotent: call it from a Ctrl-C
 * handler). Frames are written as given: frame them with `encapsulate` (./link.ts) and fill
 * their checksums with `fillChecksums` (./checksums.ts).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import { CAPTURE_MAGIC, PCAPNG_BLOCK } from './reader.js';
import { LINKTYPE } from './link.js';

/** An interface of a pcapng file being written. */
export interface WriterInterface {
  name: string;
  /** Link type of its frames (default: the writer's `linkType`). */
  linkType?: number;
  snaplen?: number;
  description?: string;
}

/** Settings of a capture writer. */
export interface CaptureWriterOptions {
  format: 'pcap' | 'pcapng';
  /** Timestamp resolution: classic pcap's magic, pcapng's `if_tsresol` (default microseconds). */
  resolution?: 'us' | 'ns';
  /** Default little-endian (what x86 tcpdump writes). */
  byteOrder?: 'little' | 'big';
  /** Link type of every frame (pcap) or the default of each interface (pcapng); default Ethernet. */
  linkType?: number;
  /** Snap length in the header; longer frames are cut to it (default 262144). */
  snaplen?: number;
  /** pcapng: interfaces to describe before any packet (more are added on first use by name). */
  interfaces?: (string | WriterInterface)[];
  /** pcapng: `shb_userappl` (default `natsim`) and a section comment. */
  application?: string;
  comment?: string;
  /** Name for error messages. */
  file?: string;
}

/** One packet to write. */
export interface PacketToWrite {
  /** Timestamp in nanoseconds since the epoch (or give `tsSec` and `tsNsec`). */
  timestampNs?: bigint;
  tsSec?: number;
  tsNsec?: number;
  /** The frame, link header first. */
  data: Uint8Array;
  /** Bytes written before `data`, as if the frame were their concatenation (a link header kept apart, no frame to build). */
  prefix?: Uint8Array;
  /** Length on the wire (default `data.length`). */
  originalLength?: number;
  /** pcapng: the interface by name (described on first use) or by index (default 0). Ignored by pcap. */
  interface?: string | number;
  /** pcapng: an `opt_comment` on the packet. Ignored by pcap. */
  comment?: string;
}

/** Where the bytes go. */
interface Sink { write(b: Uint8Array): void; close(): void }

const BUFFER_SIZE = 1 << 20;
const utf8 = new TextEncoder();

/** A capture being written. */
export class CaptureWriter {
  /** Packets written so far. */
  packets = 0;
  private buf = new Uint8Array(BUFFER_SIZE);
  private view = new DataView(this.buf.buffer);
  private used = 0;
  private closed = false;
  private readonly le: boolean;
  private readonly ns: boolean;
  private readonly snaplen: number;
  private readonly linkType: number;
  private readonly ifaceIds = new Map<string, number>();
  private ifaceCount = 0;
  private readonly comments = new Map<string, Uint8Array>();

  private constructor(private readonly sink: Sink, private readonly o: CaptureWriterOptions, private readonly memory: Uint8Array[] | null) {
    this.le = (o.byteOrder ?? 'little') === 'little';
    this.ns = o.resolution === 'ns';
    this.snaplen = o.snaplen ?? 262144;
    this.linkType = o.linkType ?? LINKTYPE.ETHERNET;
    if (o.format === 'pcap') this.pcapHeader();
    else {
      this.sectionHeader();
      for (const i of o.interfaces ?? []) this.describe(typeof i === 'string' ? { name: i } : i);
    }
  }

  /** A writer to a file (created or truncated; `-` is standard output). */
  static toFile(path: string, o: CaptureWriterOptions): CaptureWriter {
    let fd: number;
    const name = o.file ?? path;
    try {
      fd = path === '-' ? 1 : openSync(path, 'w');
    } catch (e) {
      throw new NatsimError('IO', `cannot write ${name}: ${(e as Error).message}`, { file: name }, EXIT_BAD_INPUT);
    }
    const sink: Sink = {
      write: (b) => {
        let off = 0;
        try {
          while (off < b.length) off += writeSync(fd, b, off, b.length - off);
        } catch (e) {
          throw new NatsimError('IO', `cannot write ${name}: ${(e as Error).message}`, { file: name }, EXIT_BAD_INPUT);
        }
      },
      close: () => { if (fd !== 1) closeSync(fd); },
    };
    return new CaptureWriter(sink, { ...o, file: name }, null);
  }

  /** A writer to memory (`bytes()` gives the file). */
  static toMemory(o: CaptureWriterOptions): CaptureWriter {
    const parts: Uint8Array[] = [];
    return new CaptureWriter({ write: (b) => { parts.push(b.slice()); }, close: () => {} }, o, parts);
  }

  /** The file written so far (memory writers only; flushes). */
  bytes(): Uint8Array {
    if (!this.memory) throw new Error('bytes() is for writers to memory');
    this.flush();
    const n = this.memory.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.memory) { out.set(p, at); at += p.length; }
    return out;
  }

  /** The index of a pcapng interface by name, describing it now if it is new (0 for pcap). */
  interfaceId(name: string, linkType?: number): number {
    if (this.o.format === 'pcap') return 0;
    const id = this.ifaceIds.get(name);
    if (id !== undefined) return id;
    return this.describe({ name, linkType });
  }

  /** Write one packet. */
  write(p: PacketToWrite): void {
    if (this.closed) throw new Error('capture writer already closed');
    let sec: number, nsec: number;
    if (p.tsSec !== undefined) { sec = p.tsSec; nsec = p.tsNsec ?? 0; }
    else {
      const t = p.timestampNs ?? 0n;
      if (t < 0n) throw new Error(`cannot write a negative timestamp (${t} ns)`);
      sec = Number(t / 1_000_000_000n); nsec = Number(t % 1_000_000_000n);
    }
    const full = (p.prefix?.length ?? 0) + p.data.length;
    // The captured part: prefix then data, cut to the snap length.
    const caplen = Math.min(full, this.snaplen);
    const prefix = p.prefix === undefined ? null : p.prefix.length > caplen ? p.prefix.subarray(0, caplen) : p.prefix;
    const plen = prefix === null ? 0 : prefix.length;
    const data = p.data.length > caplen - plen ? p.data.subarray(0, caplen - plen) : p.data;
    const orig = Math.max(p.originalLength ?? full, full);
    if (this.o.format === 'pcap') {
      const v = this.reserve(16 + caplen), at = this.used, le = this.le;
      v.setUint32(at, sec, le);
      v.setUint32(at + 4, this.ns ? nsec : Math.floor(nsec / 1000), le);
      v.setUint32(at + 8, caplen, le);
      v.setUint32(at + 12, orig, le);
      if (prefix !== null) this.buf.set(prefix, at + 16);
      this.buf.set(data, at + 16 + plen);
      this.used += 16 + caplen;
    } else {
      const ifid = typeof p.interface === 'string' ? this.interfaceId(p.interface) : (p.interface ?? 0);
      if (ifid >= this.ifaceCount) {
        if (ifid === 0 && this.ifaceCount === 0) this.describe({ name: 'natsim0' });
        else throw new Error(`interface ${ifid} is not described (${this.ifaceCount} are)`);
      }
      const comment = p.comment !== undefined && p.comment !== '' ? this.encoded(p.comment) : null;
      const padded = pad4(caplen);
      const optLen = comment ? 4 + pad4(comment.length) + 4 : 0;
      const total = 32 + padded + optLen;
      const v = this.reserve(total), at = this.used, le = this.le;
      // Units since the epoch: microseconds (the default if_tsresol) or nanoseconds.
      let hi: number, lo: number;
      if (!this.ns) {
        hi = Math.floor((sec * 1e6 + Math.floor(nsec / 1000)) / 4294967296);
        lo = (sec * 1e6 + Math.floor(nsec / 1000)) % 4294967296;
      } else if (sec >= 0 && sec < 4294967296 && Number.isInteger(sec) && Number.isInteger(nsec) && nsec >= 0 && nsec < 1e9) {
        // sec * 10^9 + nsec in exact pieces: sec = sh * 2^16 + sl, sh * 10^9 = ph * 2^16 + pl.
        const sl = sec % 65536, sh = (sec - sl) / 65536;
        const p1 = sh * 1e9, pl = p1 % 65536, ph = (p1 - pl) / 65536;
        const x = pl * 65536 + sl * 1e9 + nsec;
        lo = x % 4294967296;
        hi = ph + (x - lo) / 4294967296;
      } else {
        const units = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
        hi = Number(units >> 32n); lo = Number(units & 0xffffffffn);
      }
      v.setUint32(at, PCAPNG_BLOCK.EPB, le);
      v.setUint32(at + 4, total, le);
      v.setUint32(at + 8, ifid, le);
      v.setUint32(at + 12, hi, le);
      v.setUint32(at + 16, lo, le);
      v.setUint32(at + 20, caplen, le);
      v.setUint32(at + 24, orig, le);
      if (prefix !== null) this.buf.set(prefix, at + 28);
      this.buf.set(data, at + 28 + plen);
      this.buf.fill(0, at + 28 + caplen, at + 28 + padded);
      let o = at + 28 + padded;
      if (comment) {
        v.setUint16(o, 1, le); v.setUint16(o + 2, comment.length, le);
        this.buf.set(comment, o + 4);
        this.buf.fill(0, o + 4 + comment.length, o + 4 + pad4(comment.length));
        o += 4 + pad4(comment.length);
        v.setUint32(o, 0, le); // opt_endofopt
        o += 4;
      }
      v.setUint32(o, total, le);
      this.used += total;
    }
    this.packets++;
  }

  /** A packet comment in UTF-8 (the same few comments come back: kept, up to 256 of them). */
  private encoded(comment: string): Uint8Array {
    let b = this.comments.get(comment);
    if (b === undefined) {
      if (this.comments.size >= 256) this.comments.clear();
      b = utf8.encode(comment);
      this.comments.set(comment, b);
    }
    return b;
  }

  /** Write what is buffered to the file (whole records only: the file is valid after each flush). */
  flush(): void {
    if (this.used === 0) return;
    this.sink.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** Flush and close the file (again: nothing). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.sink.close();
  }

  /** Room for `n` more bytes in the buffer (flushing, or growing it for a big record). */
  private reserve(n: number): DataView {
    if (this.used + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) { this.buf = new Uint8Array(n); this.view = new DataView(this.buf.buffer); }
    }
    return this.view;
  }

  private pcapHeader(): void {
    const v = this.reserve(24), le = this.le;
    v.setUint32(0, this.ns ? CAPTURE_MAGIC.PCAP_NS : CAPTURE_MAGIC.PCAP_US, le);
    v.setUint16(4, 2, le); v.setUint16(6, 4, le);
    v.setInt32(8, 0, le); v.setUint32(12, 0, le);
    v.setUint32(16, this.snaplen, le);
    v.setUint32(20, this.linkType, le);
    this.used = 24;
  }

  private sectionHeader(): void {
    const opts: [number, Uint8Array][] = [];
    if (this.o.comment) opts.push([1, utf8.encode(this.o.comment)]);
    opts.push([4, utf8.encode(this.o.application ?? 'natsim')]);
    this.block(PCAPNG_BLOCK.SHB, 16, opts, (v, at) => {
      v.setUint32(at, CAPTURE_MAGIC.PCAPNG_BOM, this.le);
      v.setUint16(at + 4, 1, this.le); v.setUint16(at + 6, 0, this.le);
      v.setBigInt64(at + 8, -1n, this.le); // section length not given
    });
  }

  private describe(i: WriterInterface): number {
    const opts: [number, Uint8Array][] = [[2, utf8.encode(i.name)]];
    if (i.description) opts.push([3, utf8.encode(i.description)]);
    if (this.ns) opts.push([9, Uint8Array.of(9)]);
    const linkType = i.linkType ?? this.linkType;
    const snaplen = i.snaplen ?? this.snaplen;
    this.block(PCAPNG_BLOCK.IDB, 8, opts, (v, at) => {
      v.setUint16(at, linkType, this.le); v.setUint16(at + 2, 0, this.le);
      v.setUint32(at + 4, snaplen, this.le);
    });
    const id = this.ifaceCount++;
    this.ifaceIds.set(i.name, id);
    return id;
  }

  /** A pcapng block: fixed body of `fixed` bytes (filled by `body`), options, lengths. */
  private block(type: number, fixed: number, opts: [number, Uint8Array][], body: (v: DataView, at: number) => void): void {
    const optLen = opts.length ? opts.reduce((a, [, val]) => a + 4 + pad4(val.length), 0) + 4 : 0;
    const total = 12 + fixed + optLen;
    const v = this.reserve(total), at = this.used, le = this.le;
    this.buf.fill(0, at, at + total);
    v.setUint32(at, type, le);
    v.setUint32(at + 4, total, le);
    body(v, at + 8);
    let o = at + 8 + fixed;
    for (const [code, val] of opts) {
      v.setUint16(o, code, le); v.setUint16(o + 2, val.length, le);
      this.buf.set(val, o + 4);
      o += 4 + pad4(val.length);
    }
    if (opts.length) o += 4; // opt_endofopt (zeros)
    v.setUint32(o, total, le);
    this.used += total;
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
