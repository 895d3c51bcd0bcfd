/**
 * The capture half of `npm run bench`: reading a generated capture of (by default) 1,000,000
 * packets held in memory — DNS over UDP and TCP from many clients to the seed node's kube-dns
 * service 10.96.0.10:53, in Ethernet frames — records plus the link decode to the IP datagram
 * (`CaptureCursor` + `decodeLinkInto` + the datagram view), no engine. Beside it, in the same
 * run, a baseline: a plain loop over the same buffer reading each record's length and stepping
 * over it. Medians of several runs after warm-up; peak RSS of the process after the runs (it
 * includes the capture buffer itself). `benchCaptureStream` times the streaming reader
 * (`readCapture` from a temporary file, one record object per packet) once, with its RSS growth.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { buildPacketBytes } from '../../engine/packet.js';
import { fillChecksums } from '../capture/checksums.js';
import { decodeLinkInto, encapsulate, LINKTYPE, linkSlot } from '../capture/link.js';
import { CaptureCursor, readCapture } from '../capture/reader.js';
import type { EngineFigure } from './engine.js';
import { collect, memory, timeRuns } from './measure.js';

/** Target of the reading figure (packets per second, one core). */
export const CAPTURE_TARGETS = { readPerSec: 5_000_000 } as const;

/** Settings of the capture-reading benchmark. */
export interface CaptureBenchOptions {
  runs: number;
  warmup: number;
  /** Packets in the generated capture (default 1,000,000). */
  packets?: number;
  /** Container format (default classic pcap). */
  format?: 'pcap' | 'pcapng';
}

/** The reading figure: an `EngineFigure` (the `engine` timing is the reader's) plus sizes and memory. */
export interface CaptureFigure extends EngineFigure {
  /** Bytes of the generated capture. */
  bytes: number;
  /** Peak RSS of the process after the timed runs, MiB (includes the capture buffer). */
  peakRss: number;
}

const SERVICE = parseIPv4Strict('10.96.0.10')!;
const CLIENT_BASE = parseIPv4Strict('172.18.0.100')!;
const START_SEC = 1_700_000_000;

/**
 * A capture of `n` Ethernet frames: 3 of 4 UDP DNS queries, 1 of 4 TCP SYNs, all to
 * 10.96.0.10:53, from client k = (172.18.0.100 + k / 64512, port 1024 + k mod 64512), 20 µs
 * apart, with correct checksums.
 */
export function generateCapture(n: number, format: 'pcap' | 'pcapng' = 'pcap'): Uint8Array {
  const query = Uint8Array.of(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 119, 119, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0, 0, 1, 0, 1);
  const udp = encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ family: 'ipv4', src: [CLIENT_BASE], dst: [SERVICE], proto: 17, sport: 1024, dport: 53, payload: query }));
  const tcp = encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({ family: 'ipv4', src: [CLIENT_BASE], dst: [SERVICE], proto: 6, sport: 1024, dport: 53, tcpFlags: 0x02, seq: 1000 }));
  return assembleCapture(format, n, (k) => (k % 4 === 3 ? tcp : udp), (k) => START_SEC * 1e6 + k * 20, (k, d) => {
    const src = (CLIENT_BASE + Math.floor(k / 64512)) >>> 0;
    const sport = 1024 + (k % 64512);
    d[12] = src >>> 24; d[13] = (src >>> 16) & 0xff; d[14] = (src >>> 8) & 0xff; d[15] = src & 0xff;
    d[20] = sport >>> 8; d[21] = sport & 0xff;
  });
}

/**
 * A capture of `n` Ethernet frames (classic pcap or pcapng with one interface, microseconds):
 * packet k is a copy of `frame(k)` (an Ethernet frame carrying IPv4) stamped `us(k)`
 * microseconds, its datagram changed by `patch(k, datagram)` and its checksums then filled.
 */
export function assembleCapture(format: 'pcap' | 'pcapng', n: number, frame: (k: number) => Uint8Array, us: (k: number) => number, patch: (k: number, datagram: Uint8Array) => void): Uint8Array {
  const rec = (f: Uint8Array): number => (format === 'pcap' ? 16 + f.length : 32 + ((f.length + 3) & ~3));
  const head = format === 'pcap' ? 24 : 28 + 20;
  let size = head;
  for (let k = 0; k < n; k++) size += rec(frame(k));
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  if (format === 'pcap') {
    v.setUint32(0, 0xa1b2c3d4, true); v.setUint16(4, 2, true); v.setUint16(6, 4, true); v.setUint32(16, 262144, true); v.setUint32(20, LINKTYPE.ETHERNET, true);
    at = 24;
  } else {
    // Section header (no options) and one interface description (Ethernet, microseconds).
    v.setUint32(0, 0x0a0d0d0a, true); v.setUint32(4, 28, true); v.setUint32(8, 0x1a2b3c4d, true); v.setUint16(12, 1, true);
    v.setBigInt64(16, -1n, true); v.setUint32(24, 28, true);
    v.setUint32(28, 1, true); v.setUint32(32, 20, true); v.setUint16(36, LINKTYPE.ETHERNET, true); v.setUint32(40, 262144, true); v.setUint32(44, 20, true);
    at = 48;
  }
  for (let k = 0; k < n; k++) {
    const f = frame(k);
    const t = us(k);
    if (format === 'pcap') {
      v.setUint32(at, Math.floor(t / 1e6), true); v.setUint32(at + 4, t % 1e6, true);
      v.setUint32(at + 8, f.length, true); v.setUint32(at + 12, f.length, true);
      at += 16;
    } else {
      const total = 32 + ((f.length + 3) & ~3);
      v.setUint32(at, 6, true); v.setUint32(at + 4, total, true); v.setUint32(at + 8, 0, true);
      v.setUint32(at + 12, Math.floor(t / 4294967296), true); v.setUint32(at + 16, t % 4294967296, true);
      v.setUint32(at + 20, f.length, true); v.setUint32(at + 24, f.length, true);
      v.setUint32(at + total - 4, total, true);
      at += 28;
    }
    out.set(f, at);
    const d = out.subarray(at + 14, at + f.length);
    patch(k, d);
    fillChecksums('ipv4', d);
    at += format === 'pcap' ? f.length : ((f.length + 3) & ~3) + 4;
  }
  return out;
}

let sink = 0;

/** Read every packet: records, link decode, the datagram view; returns a check value (sum of destination ports). */
export function readAllPackets(bytes: Uint8Array): { packets: number; ip: number; dportSum: number } {
  const c = new CaptureCursor(bytes);
  const p = c.parser;
  const slot = linkSlot();
  let packets = 0, ip = 0, dportSum = 0;
  while (c.next()) {
    packets++;
    if (decodeLinkInto(p.iface!.linkType, bytes, p.dataStart, p.dataEnd, p.originalLength, slot)) {
      const d = bytes.subarray(slot.start, slot.end);
      ip++;
      const hl = (d[0]! & 0x0f) * 4;
      dportSum += (d[hl + 2]! << 8) | d[hl + 3]!;
      sink ^= p.tsNsec;
    }
  }
  return { packets, ip, dportSum };
}

/** The baseline: step over the records reading only their lengths (classic pcap or pcapng blocks). */
function recordLengthLoop(bytes: Uint8Array, format: 'pcap' | 'pcapng'): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0, acc = 0;
  if (format === 'pcap') {
    for (let pos = 24; pos + 16 <= bytes.length; n++) { const caplen = v.getUint32(pos + 8, true); acc += caplen; pos += 16 + caplen; }
  } else {
    for (let pos = 0; pos + 8 <= bytes.length;) { const total = v.getUint32(pos + 4, true); if (v.getUint32(pos, true) === 6) { n++; acc += v.getUint32(pos + 20, true); } pos += total; }
  }
  sink ^= acc;
  return n;
}

/** Reading a generated capture in memory: packets per second beside the record-length baseline, and peak memory. */
export function benchCaptureRead(o: CaptureBenchOptions): CaptureFigure {
  const n = o.packets ?? 1_000_000;
  const format = o.format ?? 'pcap';
  const bytes = generateCapture(n, format);
  const check = readAllPackets(bytes);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const reader = timeRuns(() => readAllPackets(bytes).packets, o.runs, o.warmup);
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(c0);
  const baseline = timeRuns(() => recordLengthLoop(bytes, format), o.runs, o.warmup);
  const peakRss = memory().peakRss;
  const ok = check.packets === n && check.ip === n && check.dportSum === 53 * n && reader.result === n && baseline.result === n;
  return {
    label: `capture read (${format}, Ethernet, UDP/TCP → 10.96.0.10:53)`, packets: n, engine: reader.timing, baseline: baseline.timing,
    rate: n / (reader.timing.median / 1000), baselineRate: n / (baseline.timing.median / 1000), target: CAPTURE_TARGETS.readPerSec,
    cpuPerWall: wall > 0 ? (cpu.user + cpu.system) / 1000 / wall : 0,
    check: `${check.packets.toLocaleString('en-US')} records, ${check.ip.toLocaleString('en-US')} IPv4 datagrams to port 53; ${(bytes.length / 2 ** 20).toFixed(1)} MiB`,
    checkOk: ok, bytes: bytes.length, peakRss,
  };
}

/** What one run of the streaming reader over a file did. */
export interface CaptureStreamFigure {
  packets: number;
  bytes: number;
  /** Packets per second of the run. */
  rate: number;
  /** Largest RSS growth seen during the run over the RSS before it, MiB (flat: it does not grow with the file). */
  rssGrowth: number;
}

/** The streaming reader (`readCapture`, one record object per packet) over a generated capture written to a temporary file, one run. */
export async function benchCaptureStream(o: CaptureBenchOptions): Promise<CaptureStreamFigure> {
  const n = o.packets ?? 1_000_000;
  const format = o.format ?? 'pcap';
  const file = join(tmpdir(), `natsim-bench-${process.pid}.${format}`);
  let size: number;
  {
    const bytes = generateCapture(n, format);
    size = bytes.length;
    writeFileSync(file, bytes);
  }
  try {
    collect();
    const rss0 = process.memoryUsage().rss;
    let maxRss = rss0, count = 0;
    const t0 = performance.now();
    for await (const r of readCapture(file)) {
      count++;
      if ((count & 0xffff) === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
      sink ^= r.captured.length;
    }
    return { packets: count, bytes: size, rate: count / ((performance.now() - t0) / 1000), rssGrowth: (maxRss - rss0) / 2 ** 20 };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Keeps `sink` observable. */
export function captureSink(): number {
  return sink;
}
