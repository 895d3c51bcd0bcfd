/**
 * Reading packet captures: classic pcap (microsecond magic a1b2c3d4 and nanosecond magic a1b23c4d,
 * either byte order) and pcapng (section header blocks in either byte order, interface
 * descriptions with `if_tsresol`/`if_tsoffset`/`if_name`, enhanced, simple and obsolete packet
 * blocks, several interfaces and sections; other blocks skipped and counted).
 *
 * One parser (`CaptureParser`) works over a byte window and never copies: a streaming front end
 * (`readCapture`) feeds it chunks of a file or a Readable with a small carry-over for the record
 * that straddles two chunks, and a synchronous front end (`CaptureCursor`, `readCaptureBuffer`)
 * walks one whole buffer without allocating per packet. Damaged input is an error naming the
 * packet index (0-based) and the byte offset of its record: a file cut short, a bad magic number,
 * an unsupported link type, a corrupt length. Nothing is skipped without being counted.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { NatsimError, type ErrorCode } from '../../engine/errors.js';
import { displayName, isStdin } from '../io.js';
import { linkTypeName, linkTypeSupported, SUPPORTED_LINK_TYPES_TEXT } from './link.js';

/** What went wrong with a capture file. */
export type CaptureErrorReason = 'truncated' | 'magic' | 'version' | 'link-type' | 'length' | 'format' | 'io';

/** A capture that cannot be read (further): the reason, and where (packet index and byte offset). */
export class CaptureError extends NatsimError {
  readonly reason: CaptureErrorReason;

  constructor(reason: CaptureErrorReason, message: string, loc: { file?: string; packet?: number; offset?: number }, code: ErrorCode = 'PARSE') {
    super(code, message, loc);
    this.name = 'CaptureError';
    this.reason = reason;
  }
}

/** Classic pcap magic numbers (as read big-endian) and the pcapng section header block type. */
export const CAPTURE_MAGIC = { PCAP_US: 0xa1b2c3d4, PCAP_NS: 0xa1b23c4d, PCAPNG_SHB: 0x0a0d0d0a, PCAPNG_BOM: 0x1a2b3c4d } as const;

/** pcapng block types the reader understands (others are skipped and counted). */
export const PCAPNG_BLOCK = { SHB: 0x0a0d0d0a, IDB: 1, PB: 2, SPB: 3, NRB: 4, ISB: 5, EPB: 6, DSB: 10 } as const;

/** Largest captured length of a record taken as sane when the snap length allows less (libpcap's limit). */
export const MAX_RECORD_LENGTH = 262144;

/** Largest pcapng block taken as sane (as Wireshark does: 16 MiB). */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

/** One interface of a capture (classic pcap has exactly one). */
export interface CaptureInterface {
  /** Index within its section (pcapng interface id; 0 for classic pcap). */
  index: number;
  /** pcapng section number (0-based; always 0 for classic pcap). */
  section: number;
  linkType: number;
  snaplen: number;
  /** `if_name` and `if_description` (pcapng). */
  name?: string;
  description?: string;
  /** Timestamp resolution: units of 10^-exp s (base 10) or 2^-exp s (base 2). */
  tsBase: 10 | 2;
  tsExp: number;
  /** `if_tsoffset`: seconds added to every timestamp. */
  tsOffset: number;
  /** Bytes of frame check sequence at the end of each frame (`if_fcslen`, or the pcap header's FCS bits), when known. */
  fcsLength?: number;
}

/** What the reader has seen so far (final once the last record is read). */
export interface CaptureInfo {
  format: 'pcap' | 'pcapng' | null;
  /** Byte order of the (current) file or section. */
  byteOrder: 'big' | 'little';
  /** Classic pcap: timestamp resolution of the magic number. */
  resolution: 'us' | 'ns' | null;
  /** pcap version of the header (classic) or the current section header. */
  version: string;
  sections: number;
  /** Every interface seen, in order (all sections). */
  interfaces: CaptureInterface[];
  packets: number;
  /** Bytes of packet data read (captured lengths). */
  capturedBytes: number;
  /** pcapng blocks skipped, by block type (name lookup with `pcapngBlockName`). */
  skippedBlocks: Map<number, number>;
  /** Simple packet blocks (they carry no timestamp: the previous packet's is used). */
  untimedPackets: number;
  /** Comments: pcapng section (shb) comments, in order. */
  sectionComments: string[];
}

/** Options of the readers. */
export interface CaptureReadOptions {
  /** Name to report in errors (default: the path, or `<stream>`). */
  file?: string;
  /** Accept any link type (default: only those `link.ts` decodes; others are an error at the first packet). */
  anyLinkType?: boolean;
  /** Chunk size when reading a file (default 1 MiB). */
  chunkSize?: number;
  /**
   * `CaptureStreamCursor` reading a file path: read into one buffer, reused from chunk to chunk
   * (a packet's bytes stay valid only until the next `fill`), for readers that copy what they
   * keep; no buffer to allocate and collect per chunk. Standard input and streams are read as usual.
   */
  reuseBuffer?: boolean;
}

/** One packet record. `captured` is a view into the reader's chunk (stable: chunks are never reused). */
export class CaptureRecord {
  /** Packet index in the file (0-based, counting packet records only). */
  readonly index: number;
  /** Byte offset of the record (pcap record header, or pcapng block) in the file. */
  readonly offset: number;
  /** Timestamp: whole seconds, and nanoseconds within the second. */
  readonly tsSec: number;
  readonly tsNsec: number;
  readonly interface: CaptureInterface;
  readonly captured: Uint8Array;
  /** Length of the packet on the wire (at least `captured.length` when the file is sane). */
  readonly originalLength: number;
  /** pcapng `opt_comment` of the packet, if any. */
  readonly comment: string | undefined;

  constructor(index: number, offset: number, tsSec: number, tsNsec: number, iface: CaptureInterface, captured: Uint8Array, originalLength: number, comment: string | undefined) {
    this.index = index; this.offset = offset; this.tsSec = tsSec; this.tsNsec = tsNsec;
    this.interface = iface; this.captured = captured; this.originalLength = originalLength; this.comment = comment;
  }

  /** Timestamp in nanoseconds since the epoch. */
  get timestampNs(): bigint {
    return BigInt(this.tsSec) * 1_000_000_000n + BigInt(this.tsNsec);
  }

  /** Timestamp in milliseconds since the epoch (a double: sub-microsecond digits may round). */
  get timestampMs(): number {
    return this.tsSec * 1000 + this.tsNsec / 1e6;
  }
}

/** A fresh `CaptureInfo`. */
function emptyInfo(): CaptureInfo {
  return { format: null, byteOrder: 'little', resolution: null, version: '', sections: 0, interfaces: [], packets: 0, capturedBytes: 0, skippedBlocks: new Map(), untimedPackets: 0, sectionComments: [] };
}

const hex8 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** "a section header block", "an interface description block", … */
function aBlock(type: number): string {
  const name = pcapngBlockName(type);
  return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name} block`;
}

/** pcapng block type names, for reports of skipped blocks. */
export function pcapngBlockName(type: number): string {
  switch (type) {
    case PCAPNG_BLOCK.SHB: return 'section header';
    case PCAPNG_BLOCK.IDB: return 'interface description';
    case PCAPNG_BLOCK.PB: return 'packet (obsolete)';
    case PCAPNG_BLOCK.SPB: return 'simple packet';
    case PCAPNG_BLOCK.NRB: return 'name resolution';
    case PCAPNG_BLOCK.ISB: return 'interface statistics';
    case PCAPNG_BLOCK.EPB: return 'enhanced packet';
    case 9: return 'systemd journal export';
    case PCAPNG_BLOCK.DSB: return 'decryption secrets';
    case 0xbad: case 0x40000bad: return 'custom';
    default: return `type ${hex8(type)}`;
  }
}

/**
 * The parser: give it the bytes from the current position (`step`), it consumes one header,
 * record or block at a time and leaves the latest packet in its public fields. Works the same over
 * a whole file or a window of it.
 */
export class CaptureParser {
  readonly info: CaptureInfo = emptyInfo();
  /** The latest packet (valid after `step` returned with `hasPacket` true). */
  hasPacket = false;
  index = -1;
  offset = 0;
  dataStart = 0;
  dataEnd = 0;
  originalLength = 0;
  tsSec = 0;
  tsNsec = 0;
  iface: CaptureInterface | null = null;
  comment: string | undefined = undefined;
  /** Bytes consumed so far (the file offset of the next `step`). */
  position = 0;

  private le = true;
  private pcapNs = false;
  private pcapIface: CaptureInterface | null = null;
  private sectionIfaces: CaptureInterface[] = [];
  private checkedLink = new Set<CaptureInterface>();
  private lastChecked: CaptureInterface | null = null;
  private readonly file: string | undefined;
  private readonly anyLinkType: boolean;

  constructor(o: CaptureReadOptions = {}) {
    this.file = o.file;
    this.anyLinkType = o.anyLinkType ?? false;
  }

  /**
   * Parse from `b[pos]` (file offset `this.position`) with `end` the end of the available bytes.
   * Returns the bytes consumed (> 0), or -n when n bytes from `pos` are needed to go on.
   * `view` is a DataView over the same memory as `b`.
   */
  step(b: Uint8Array, view: DataView, pos: number, end: number): number {
    this.hasPacket = false;
    const avail = end - pos;
    if (this.info.format === 'pcap') {
      if (avail < 16) return -16;
      const le = this.le;
      const caplen = view.getUint32(pos + 8, le);
      const need = 16 + caplen;
      if (avail < need) {
        if (caplen > MAX_RECORD_LENGTH && caplen > this.pcapIface!.snaplen) throw this.corruptPcapLength(caplen);
        return -need;
      }
      const iface = this.pcapIface!;
      if (iface !== this.lastChecked) this.checkLink(iface, this.info.packets);
      const sec = view.getUint32(pos, le);
      const frac = view.getUint32(pos + 4, le);
      this.index = this.info.packets++;
      this.offset = this.position;
      this.dataStart = pos + 16;
      this.dataEnd = pos + need;
      this.originalLength = view.getUint32(pos + 12, le);
      if (this.pcapNs) {
        if (frac < 1_000_000_000) { this.tsSec = sec; this.tsNsec = frac; } else { this.tsSec = sec + Math.floor(frac / 1e9); this.tsNsec = frac % 1e9; }
      } else if (frac < 1_000_000) { this.tsSec = sec; this.tsNsec = frac * 1000; } else { this.tsSec = sec + Math.floor(frac / 1e6); this.tsNsec = (frac % 1e6) * 1000; }
      this.iface = iface;
      this.comment = undefined;
      this.info.capturedBytes += caplen;
      this.hasPacket = true;
      this.position += need;
      return need;
    }
    if (this.info.format === 'pcapng') return this.stepBlock(b, view, pos, avail);
    return this.stepStart(b, view, pos, avail);
  }

  /** The error for input that ends in the middle of something (`need` bytes wanted, `have` there). */
  truncatedError(need: number, have: number): CaptureError {
    const lost = 'the capture ends there; anything after it is lost';
    if (this.info.format === null) {
      return new CaptureError(have === 0 ? 'magic' : 'truncated', have === 0 ? 'empty capture file (no file header)' : `truncated capture: the file header is cut short (${have} bytes, ${need} needed)`, { file: this.file, offset: 0 });
    }
    const at = this.position;
    const next = this.info.packets;
    if (this.info.format === 'pcap') {
      if (have < 16) return new CaptureError('truncated', `truncated capture: the record header of packet ${next} is cut short (${have} of 16 bytes); ${lost}`, { file: this.file, packet: next, offset: at });
      return new CaptureError('truncated', `truncated capture: packet ${next} is cut short (its header says ${need - 16} captured bytes, the file has ${have - 16}); ${lost}`, { file: this.file, packet: next, offset: at });
    }
    if (have < 8) return new CaptureError('truncated', `truncated capture: a block header is cut short (${have} of 8 bytes) after ${plural(next, 'packet')}; ${lost}`, { file: this.file, packet: next, offset: at });
    const type = this.pendingType;
    const what = isPacketBlock(type) ? `packet ${next} (${pcapngBlockName(type)} block)` : `${aBlock(type)} after ${plural(next, 'packet')}`;
    return new CaptureError('truncated', `truncated capture: ${what} is cut short (block length ${need}, the file has ${have} bytes of it); ${lost}`, this.blockLoc(type));
  }

  private pendingType = 0;

  private corruptPcapLength(caplen: number): CaptureError {
    const snap = this.pcapIface!.snaplen;
    const next = this.info.packets;
    const limit = snap >= MAX_RECORD_LENGTH ? `the snap length ${snap}` : `the snap length ${snap} and the ${MAX_RECORD_LENGTH}-byte limit`;
    return new CaptureError('length', `corrupt record length: packet ${next} claims ${caplen} captured bytes, more than ${limit}; the file is damaged from here on`, { file: this.file, packet: next, offset: this.position });
  }

  /** Where a pcapng block is: its offset, and the packet index when it is a packet block. */
  private blockLoc(type: number): { file?: string; packet?: number; offset: number } {
    return isPacketBlock(type) ? { file: this.file, packet: this.info.packets, offset: this.position } : { file: this.file, offset: this.position };
  }

  private checkLink(iface: CaptureInterface, packet: number): void {
    this.lastChecked = iface;
    if (this.checkedLink.has(iface)) return;
    this.checkedLink.add(iface);
    if (this.anyLinkType || linkTypeSupported(iface.linkType)) return;
    const name = linkTypeName(iface.linkType);
    const what = name ? `link type ${iface.linkType} (${name}) is not supported` : `unknown link type ${iface.linkType}`;
    const where = this.info.format === 'pcapng' ? ` on interface ${iface.index}${iface.name ? ` (${iface.name})` : ''}` : '';
    throw new CaptureError('link-type', `${what}${where}; natsim reads ${SUPPORTED_LINK_TYPES_TEXT}`, { file: this.file, packet, offset: this.position }, 'NOT_IMPLEMENTED');
  }

  /** The file header (classic) or first section header (pcapng). */
  private stepStart(b: Uint8Array, view: DataView, pos: number, avail: number): number {
    if (avail < 4) return -24;
    const magicBE = view.getUint32(pos, false);
    const magicLE = view.getUint32(pos, true);
    if (magicBE === CAPTURE_MAGIC.PCAPNG_SHB) {
      this.info.format = 'pcapng';
      return this.stepBlock(b, view, pos, avail);
    }
    let le: boolean;
    if (magicBE === CAPTURE_MAGIC.PCAP_US || magicBE === CAPTURE_MAGIC.PCAP_NS) le = false;
    else if (magicLE === CAPTURE_MAGIC.PCAP_US || magicLE === CAPTURE_MAGIC.PCAP_NS) le = true;
    else {
      throw new CaptureError('magic', `not a pcap or pcapng capture: magic number ${hex8(magicBE)} (expected a1b2c3d4 or a1b23c4d for pcap, in either byte order, or 0a0d0d0a for pcapng)`, { file: this.file, offset: 0 });
    }
    if (avail < 24) return -24;
    const magic = view.getUint32(pos, le);
    const major = view.getUint16(pos + 4, le), minor = view.getUint16(pos + 6, le);
    if (major !== 2) throw new CaptureError('version', `unsupported pcap version ${major}.${minor} (natsim reads version 2.x)`, { file: this.file, offset: 4 });
    const snaplen = view.getUint32(pos + 16, le);
    const network = view.getUint32(pos + 20, le);
    this.le = le;
    this.pcapNs = magic === CAPTURE_MAGIC.PCAP_NS;
    const iface: CaptureInterface = { index: 0, section: 0, linkType: network & 0xffff, snaplen, tsBase: 10, tsExp: this.pcapNs ? 9 : 6, tsOffset: 0 };
    // The F bit (bit 28) says the FCS length (bits 29-31, in 16-bit words) is present.
    if (network & 0x10000000) iface.fcsLength = ((network >>> 29) & 7) * 2;
    this.pcapIface = iface;
    Object.assign(this.info, { format: 'pcap', byteOrder: le ? 'little' : 'big', resolution: this.pcapNs ? 'ns' : 'us', version: `${major}.${minor}`, sections: 1 });
    this.info.interfaces.push(iface);
    this.position += 24;
    return 24;
  }

  /** One pcapng block. */
  private stepBlock(b: Uint8Array, view: DataView, pos: number, avail: number): number {
    if (avail < 8) return -8;
    let type = view.getUint32(pos, this.le);
    this.pendingType = type;
    if (type === PCAPNG_BLOCK.SHB || view.getUint32(pos, false) === PCAPNG_BLOCK.SHB) {
      // A section header sets the byte order of its section: read it from the byte-order magic.
      if (avail < 12) return -12;
      type = PCAPNG_BLOCK.SHB;
      this.pendingType = type;
      const bom = view.getUint32(pos + 8, false);
      if (bom === CAPTURE_MAGIC.PCAPNG_BOM) this.le = false;
      else if (view.getUint32(pos + 8, true) === CAPTURE_MAGIC.PCAPNG_BOM) this.le = true;
      else throw new CaptureError('magic', `bad pcapng byte-order magic ${hex8(bom)} in a section header (expected 1a2b3c4d)`, this.blockLoc(type));
    }
    const le = this.le;
    const total = view.getUint32(pos + 4, le);
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK_LENGTH || (type === PCAPNG_BLOCK.SHB && total < 28)) {
      const next = this.info.packets;
      const what = isPacketBlock(type) ? `packet ${next} (${pcapngBlockName(type)} block)` : `${aBlock(type)} after ${plural(next, 'packet')}`;
      throw new CaptureError('length', `corrupt block length: ${what} has total length ${total} (must be a multiple of 4, at least ${type === PCAPNG_BLOCK.SHB ? 28 : 12}, at most ${MAX_BLOCK_LENGTH}); the file is damaged from here on`, this.blockLoc(type));
    }
    if (avail < total) return -total;
    const trailer = view.getUint32(pos + total - 4, le);
    if (trailer !== total) {
      const what = isPacketBlock(type) ? `packet ${this.info.packets} (${pcapngBlockName(type)} block)` : aBlock(type);
      throw new CaptureError('length', `corrupt block: ${what} has length ${total} but its trailing copy says ${trailer}; the file is damaged from here on`, this.blockLoc(type));
    }
    switch (type) {
      case PCAPNG_BLOCK.EPB: this.readEpb(b, view, pos, total); break;
      case PCAPNG_BLOCK.SPB: this.readSpb(view, pos, total); break;
      case PCAPNG_BLOCK.PB: this.readEpb(b, view, pos, total, true); break;
      case PCAPNG_BLOCK.IDB: this.readIdb(b, view, pos, total); break;
      case PCAPNG_BLOCK.SHB: this.readShb(b, view, pos, total); break;
      default: this.info.skippedBlocks.set(type, (this.info.skippedBlocks.get(type) ?? 0) + 1);
    }
    this.position += total;
    return total;
  }

  private readShb(b: Uint8Array, view: DataView, pos: number, total: number): void {
    const le = this.le;
    const major = view.getUint16(pos + 12, le), minor = view.getUint16(pos + 14, le);
    if (major !== 1) throw new CaptureError('version', `unsupported pcapng version ${major}.${minor} in a section header (natsim reads version 1.x)`, this.blockLoc(PCAPNG_BLOCK.SHB));
    this.info.sections++;
    this.info.byteOrder = le ? 'little' : 'big';
    this.info.version = `${major}.${minor}`;
    this.sectionIfaces = [];
    forEachOption(b, view, le, pos + 24, pos + total - 4, (code, s, e) => {
      if (code === 1) this.info.sectionComments.push(utf8.decode(b.subarray(s, e)));
    });
  }

  private readIdb(b: Uint8Array, view: DataView, pos: number, total: number): void {
    const le = this.le;
    if (this.info.sections === 0) throw this.formatError('an interface description block before any section header');
    if (total < 20) throw this.formatError(`an interface description block of ${total} bytes (at least 20 needed)`);
    const iface: CaptureInterface = {
      index: this.sectionIfaces.length, section: this.info.sections - 1,
      linkType: view.getUint16(pos + 8, le), snaplen: view.getUint32(pos + 12, le), tsBase: 10, tsExp: 6, tsOffset: 0,
    };
    forEachOption(b, view, le, pos + 16, pos + total - 4, (code, s, e) => {
      switch (code) {
        case 2: iface.name = utf8.decode(b.subarray(s, e)); break;
        case 3: iface.description = utf8.decode(b.subarray(s, e)); break;
        case 9: if (e > s) { const r = b[s]!; iface.tsBase = r & 0x80 ? 2 : 10; iface.tsExp = r & 0x7f; } break;
        case 13: if (e > s) iface.fcsLength = b[s]!; break;
        case 14: if (e - s >= 8) iface.tsOffset = Number(view.getBigInt64(s, le)); break;
      }
    });
    this.sectionIfaces.push(iface);
    this.info.interfaces.push(iface);
  }

  private formatError(what: string): CaptureError {
    return new CaptureError('format', `malformed pcapng: ${what}`, this.blockLoc(PCAPNG_BLOCK.IDB));
  }

  private ifaceFor(id: number): CaptureInterface {
    const iface = this.sectionIfaces[id];
    if (iface === undefined) {
      const n = this.sectionIfaces.length;
      throw new CaptureError('format', `malformed pcapng: packet ${this.info.packets} names interface ${id}, but its section describes ${n === 0 ? 'none' : `only ${n} (0…${n - 1})`} before it`, { file: this.file, packet: this.info.packets, offset: this.position });
    }
    if (iface !== this.lastChecked) this.checkLink(iface, this.info.packets);
    return iface;
  }

  private packetLengthError(caplen: number, room: number): CaptureError {
    return new CaptureError('length', `corrupt length: packet ${this.info.packets} claims ${caplen} captured bytes, but its block holds only ${room}; the file is damaged from here on`, { file: this.file, packet: this.info.packets, offset: this.position });
  }

  /**
   * An Enhanced Packet Block, or the obsolete Packet Block: the same layout but for the interface
   * id (32 bits in an EPB; 16 bits and a drops count in a PB).
   */
  private readEpb(b: Uint8Array, view: DataView, pos: number, total: number, obsolete = false): void {
    const le = this.le;
    if (total < 32) throw this.packetLengthError(0, total - 32);
    const iface = this.ifaceFor(obsolete ? view.getUint16(pos + 8, le) : view.getUint32(pos + 8, le));
    const caplen = view.getUint32(pos + 20, le);
    const room = total - 32;
    if (caplen > room) throw this.packetLengthError(caplen, room);
    this.setTime(iface, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le));
    this.setPacket(iface, pos + 28, caplen, view.getUint32(pos + 24, le));
    const optStart = pos + 28 + ((caplen + 3) & ~3);
    if (optStart < pos + total - 4) this.readPacketOptions(b, view, optStart, pos + total - 4);
  }

  private readSpb(view: DataView, pos: number, total: number): void {
    if (total < 16) throw this.packetLengthError(0, total - 16);
    const iface = this.ifaceFor(0);
    const orig = view.getUint32(pos + 8, this.le);
    // The captured length is implied: the original length cut to the snap length and the block.
    let caplen = Math.min(orig, total - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    // No timestamp: the clock stands still at the previous packet's time.
    this.info.untimedPackets++;
    this.setPacket(iface, pos + 12, caplen, orig);
  }

  private readPacketOptions(b: Uint8Array, view: DataView, start: number, end: number): void {
    forEachOption(b, view, this.le, start, end, (code, s, e) => {
      if (code === 1) this.comment = this.comment === undefined ? utf8.decode(b.subarray(s, e)) : `${this.comment}\n${utf8.decode(b.subarray(s, e))}`;
    });
  }

  private setPacket(iface: CaptureInterface, start: number, caplen: number, orig: number): void {
    this.index = this.info.packets++;
    this.offset = this.position;
    this.dataStart = start;
    this.dataEnd = start + caplen;
    this.originalLength = orig;
    this.iface = iface;
    this.comment = undefined;
    this.info.capturedBytes += caplen;
    this.hasPacket = true;
  }

  /** Set the timestamp from a pcapng 64-bit count of the interface's units. */
  private setTime(iface: CaptureInterface, hi: number, lo: number): void {
    if (iface.tsBase === 10 && iface.tsExp <= 9) {
      if (iface.tsExp === 6 && hi < 0x100000) {
        // Microseconds (the default) below 2^52: exact in a double.
        const units = hi * 4294967296 + lo;
        const sec = Math.floor(units / 1e6);
        this.tsSec = sec + iface.tsOffset;
        this.tsNsec = (units - sec * 1e6) * 1000;
        return;
      }
      // Long division of the 64-bit count by 10^exp, 16 bits at a time (every step exact).
      const d = POW10[iface.tsExp]!;
      let q = 0, r = 0;
      for (const limb of [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff]) {
        const cur = r * 65536 + limb;
        const qd = Math.floor(cur / d);
        r = cur - qd * d;
        q = q * 65536 + qd;
      }
      this.tsSec = q + iface.tsOffset;
      this.tsNsec = r * POW10[9 - iface.tsExp]!;
      return;
    }
    // Binary fractions and resolutions finer than a nanosecond: exact with BigInt (rare).
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const per = iface.tsBase === 2 ? 1n << BigInt(iface.tsExp) : 10n ** BigInt(iface.tsExp);
    const sec = units / per;
    this.tsSec = Number(sec) + iface.tsOffset;
    this.tsNsec = Number(((units - sec * per) * 1_000_000_000n) / per);
  }
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function isPacketBlock(type: number): boolean {
  return type === PCAPNG_BLOCK.EPB || type === PCAPNG_BLOCK.SPB || type === PCAPNG_BLOCK.PB;
}

/** Call `fn(code, valueStart, valueEnd)` for each pcapng option in `[start, end)` (stops at opt_endofopt or damage). */
function forEachOption(b: Uint8Array, view: DataView, le: boolean, start: number, end: number, fn: (code: number, s: number, e: number) => void): void {
  let p = start;
  while (p + 4 <= end) {
    const code = view.getUint16(p, le), len = view.getUint16(p + 2, le);
    if (code === 0) return;
    const s = p + 4, e = s + len;
    if (e > end) return;
    fn(code, s, e);
    p = s + ((len + 3) & ~3);
  }
}

/**
 * A synchronous walk over a whole capture in memory, allocation-free per packet: `next()`
 * advances to the next packet and leaves it in the fields (`dataStart`/`dataEnd` index `bytes`).
 */
export class CaptureCursor {
  readonly parser: CaptureParser;
  private readonly view: DataView;
  private pos = 0;

  constructor(readonly bytes: Uint8Array, o: CaptureReadOptions = {}) {
    this.parser = new CaptureParser(o);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Advance to the next packet; false at the clean end of the capture (throws `CaptureError` on damage). */
  next(): boolean {
    const p = this.parser, b = this.bytes, end = b.length;
    for (;;) {
      if (this.pos >= end && p.info.format !== null) return false;
      const n = p.step(b, this.view, this.pos, end);
      if (n < 0) throw p.truncatedError(-n, end - this.pos);
      this.pos += n;
      if (p.hasPacket) return true;
    }
  }

  /** The current packet as a record (allocates). */
  record(): CaptureRecord {
    const p = this.parser;
    return new CaptureRecord(p.index, p.offset, p.tsSec, p.tsNsec, p.iface!, this.bytes.subarray(p.dataStart, p.dataEnd), p.originalLength, p.comment);
  }

  /** What has been read so far. */
  get info(): CaptureInfo {
    return this.parser.info;
  }
}

/** Every record of a capture held in memory, synchronously. */
export function* readCaptureBuffer(bytes: Uint8Array, o: CaptureReadOptions = {}): Generator<CaptureRecord, CaptureInfo> {
  const c = new CaptureCursor(bytes, o);
  while (c.next()) yield c.record();
  return c.info;
}

/**
 * A capture read as a stream: iterate it for its records (`for await`); `info` fills in as it
 * goes. Reads chunks, keeping only the current chunk and a carry-over for a record that
 * straddles two chunks.
 */
export interface CaptureStream extends AsyncIterable<CaptureRecord> {
  readonly info: CaptureInfo;
}

/** Read a capture from a file path (`-` for standard input) or a Readable, streaming. */
export function readCapture(input: string | Readable, o: CaptureReadOptions = {}): CaptureStream {
  const file = o.file ?? (typeof input === 'string' ? displayName(input) : '<stream>');
  const parser = new CaptureParser({ ...o, file });
  return {
    info: parser.info,
    [Symbol.asyncIterator]: () => records(new CaptureStreamCursor(input, { ...o, file }, parser)),
  };
}

async function* records(c: CaptureStreamCursor): AsyncGenerator<CaptureRecord, void, undefined> {
  try {
    while (await c.fill()) while (c.next()) yield c.record();
  } finally {
    c.close();
  }
}

/**
 * A capture read as a stream without an object or a promise per packet: `await fill()` makes the
 * next input available (false at the clean end of the capture), then `next()` advances packet by
 * packet through it, synchronously, until it needs more input (false). The packet is left in
 * `parser` (its fields; the captured bytes are `bytes[parser.dataStart, parser.dataEnd)`).
 * Reads chunks, keeping only the current chunk and a carry-over for a record that straddles two
 * chunks; `bytes` changes only in `fill`, and earlier chunks are never reused. `close()` releases
 * the file (done at the end or on an error too; call it when stopping early).
 */
export class CaptureStreamCursor {
  readonly parser: CaptureParser;
  /** The input window the current packet is in. */
  bytes: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.bytes.buffer);
  private pos = 0;
  /** Later chunks, joined to the window only when a record needs them. */
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  /** Bytes from `pos` the parser asked for. */
  private need = 1;
  private readonly file: string;
  private readonly stream: Readable | NodeJS.ReadStream | null;
  private readonly ownStream: boolean;
  /** Reading a file into a reused buffer (`reuseBuffer`): its path, handle and buffer. */
  private readonly path: string | null;
  private handle: FileHandle | null = null;
  private buffer: Uint8Array | null = null;
  private readonly chunkSize: number;
  private iterator: AsyncIterator<Buffer | string> | null = null;
  private done = false;

  /** `parser`: the parser to drive (default: a new one with these options). */
  constructor(input: string | Readable, o: CaptureReadOptions = {}, parser?: CaptureParser) {
    this.file = o.file ?? (typeof input === 'string' ? displayName(input) : '<stream>');
    this.parser = parser ?? new CaptureParser({ ...o, file: this.file });
    this.ownStream = typeof input === 'string' && !isStdin(input);
    this.chunkSize = o.chunkSize ?? 1 << 20;
    this.path = this.ownStream && o.reuseBuffer ? input as string : null;
    this.stream = this.path !== null ? null : typeof input === 'string' ? (isStdin(input) ? process.stdin : createReadStream(input, { highWaterMark: this.chunkSize })) : input;
  }

  /** What has been read so far. */
  get info(): CaptureInfo {
    return this.parser.info;
  }

  /**
   * Read until the parser has what it asked for; false at the clean end of the input. Throws
   * `CaptureError` when the input cannot be read or ends in the middle of something.
   */
  async fill(): Promise<boolean> {
    if (this.done) return false;
    try {
      if (this.path !== null) {
        if (await this.fillBuffer()) return true;
        return this.atEnd();
      }
      this.iterator ??= (this.stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
      for (;;) {
        const r = await this.iterator.next();
        if (r.done) break;
        const chunk = r.value;
        if (typeof chunk === 'string') throw new CaptureError('io', 'the capture stream gives text, not bytes (open it without an encoding)', { file: this.file });
        if (chunk.length === 0) continue;
        if (this.pos === this.bytes.length) this.setWindow(chunk);
        else { this.parts.push(chunk); this.partsLength += chunk.length; }
        // Join only once the pending bytes cover what the parser asked for: linear in the input.
        if (this.bytes.length - this.pos + this.partsLength < this.need) continue;
        if (this.partsLength > 0) this.join();
        return true;
      }
    } catch (e) {
      this.close();
      if (e instanceof NatsimError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new CaptureError('io', `cannot read ${this.file}: ${why}`, { file: this.file }, 'IO');
    }
    if (this.partsLength > 0) this.join();
    return this.atEnd();
  }

  /** The input has ended: false, or the error for a capture cut short. */
  private atEnd(): boolean {
    this.close();
    const left = this.bytes.length - this.pos;
    if (left > 0 || this.parser.info.format === null) throw this.parser.truncatedError(Math.max(this.need, left + 1), left);
    return false;
  }

  /**
   * `reuseBuffer`: move the unread tail to the front of the buffer (a larger one when a record
   * needs it) and read after it; false at the end of the file with less than was asked for.
   */
  private async fillBuffer(): Promise<boolean> {
    this.handle ??= await open(this.path!, 'r');
    const tail = this.bytes.length - this.pos;
    let buf = this.buffer;
    if (buf === null || buf.length < this.need) {
      const bigger = new Uint8Array(Math.max(this.chunkSize, this.need, buf === null ? 0 : 2 * buf.length));
      bigger.set(this.bytes.subarray(this.pos));
      buf = this.buffer = bigger;
    } else if (tail > 0) {
      buf.copyWithin(0, this.pos, this.bytes.length);
    }
    let filled = tail;
    while (filled < buf.length) {
      const { bytesRead } = await this.handle.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled >= this.need) break;
    }
    this.bytes = buf.subarray(0, filled);
    this.pos = 0;
    this.view = new DataView(buf.buffer, buf.byteOffset, filled);
    return filled >= this.need && filled > tail;
  }

  /** Advance to the next packet in the input read so far; false when more input is needed (call `fill`). */
  next(): boolean {
    const p = this.parser, b = this.bytes, end = b.length;
    for (;;) {
      const n = p.step(b, this.view, this.pos, end);
      if (n < 0) { this.need = -n; return false; }
      this.pos += n;
      if (p.hasPacket) return true;
    }
  }

  /** The current packet as a record (allocates; `captured` is a view into the chunk). */
  record(): CaptureRecord {
    const p = this.parser;
    return new CaptureRecord(p.index, p.offset, p.tsSec, p.tsNsec, p.iface!, this.bytes.subarray(p.dataStart, p.dataEnd), p.originalLength, p.comment);
  }

  /** Stop reading: ends the iteration of the input, as leaving a `for await` over it does, and releases the file. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.iterator?.return?.().catch(() => undefined);
    if (this.stream !== null && this.ownStream) (this.stream as Readable).destroy();
    this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  private setWindow(b: Uint8Array): void {
    this.bytes = b;
    this.pos = 0;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** The unread tail of the window and the later chunks, as one window. */
  private join(): void {
    const tail = this.bytes.length - this.pos;
    const joined = new Uint8Array(tail + this.partsLength);
    joined.set(this.bytes.subarray(this.pos), 0);
    let at = tail;
    for (const p of this.parts) { joined.set(p, at); at += p.length; }
    this.parts = []; this.partsLength = 0;
    this.setWindow(joined);
  }
}
