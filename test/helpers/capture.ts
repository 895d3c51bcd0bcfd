/**
 * Test helpers for captures: sample datagrams and frames, pcapng blocks built by hand (for what
 * the writer does not write: SPB, obsolete PB, binary `if_tsresol`, custom blocks), and reading a
 * capture back through both front ends (the buffer cursor and the stream in small chunks).
 */
import { Readable } from 'node:stream';
import { parseIPv4Strict, parseIPv6 } from '../../engine/net/addr.js';
import { buildPacketBytes } from '../../engine/packet.js';
import { readCapture, readCaptureBuffer, type CaptureInfo, type CaptureRecord } from '../../sim/capture/reader.js';

/** An IPv4 address as engine words. */
export const v4 = (t: string): number[] => [parseIPv4Strict(t)!];
/** An IPv6 address as engine words. */
export const v6 = (t: string): number[] => parseIPv6(t)!;

/** A few datagrams of different kinds: DNS over UDP and TCP to the seed's kube-dns, IPv6 UDP, ICMP echo. */
export function sampleDatagrams(): { family: 'ipv4' | 'ipv6'; bytes: Uint8Array }[] {
  return [
    { family: 'ipv4', bytes: buildPacketBytes({ src: v4('172.18.0.100'), dst: v4('10.96.0.10'), proto: 17, sport: 40001, dport: 53, payload: dnsQuery(0x1234, 'kubernetes.default.svc.cluster.local') }) },
    { family: 'ipv4', bytes: buildPacketBytes({ src: v4('172.18.0.101'), dst: v4('10.96.0.10'), proto: 6, sport: 40002, dport: 53, tcpFlags: 0x02, seq: 7 }) },
    { family: 'ipv6', bytes: buildPacketBytes({ src: v6('fd00::1'), dst: v6('fd00:96::a'), proto: 17, sport: 5353, dport: 53, payload: Uint8Array.of(1, 2, 3) }) },
    { family: 'ipv4', bytes: buildPacketBytes({ src: v4('10.244.0.5'), dst: v4('172.18.0.100'), proto: 1, icmpType: 0, icmpId: 9, icmpSeq: 1, payload: Uint8Array.of(0xaa, 0xbb) }) },
  ];
}

/** A DNS query for the A record of `name`. */
export function dnsQuery(id: number, name: string): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return Uint8Array.of(id >>> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1);
}

/** Join byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A pcapng option (code, value, padded). */
export function option(code: number, value: Uint8Array, le = true): Uint8Array {
  const b = new Uint8Array(4 + ((value.length + 3) & ~3));
  const v = new DataView(b.buffer);
  v.setUint16(0, code, le); v.setUint16(2, value.length, le);
  b.set(value, 4);
  return b;
}

/** A pcapng block of `type` around `body` (padded to 4). */
export function block(type: number, body: Uint8Array, le = true): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le); v.setUint32(4, total, le);
  b.set(body, 8);
  v.setUint32(total - 4, total, le);
  return b;
}

/** Little helper: a body of 32-bit words (and 16-bit pairs given as [a, b]) then raw bytes. */
export function words(le: boolean, ...items: (number | [number, number] | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = items.map((it) => {
    if (it instanceof Uint8Array) return it;
    const b = new Uint8Array(4);
    const v = new DataView(b.buffer);
    if (Array.isArray(it)) { v.setUint16(0, it[0], le); v.setUint16(2, it[1], le); } else v.setUint32(0, it, le);
    return b;
  });
  return concat(...parts);
}

/** A pcapng section header block. */
export function shb(le = true, ...opts: Uint8Array[]): Uint8Array {
  const b = words(le, 0x1a2b3c4d, [1, 0], 0xffffffff, 0xffffffff, ...opts, ...(opts.length ? [0] : []));
  return block(0x0a0d0d0a, b, le);
}

/** A pcapng interface description block. */
export function idb(linkType: number, snaplen: number, le = true, ...opts: Uint8Array[]): Uint8Array {
  return block(1, words(le, [linkType, 0], snaplen, ...opts, ...(opts.length ? [0] : [])), le);
}

/** A pcapng enhanced packet block (timestamp as a 64-bit count of the interface's units). */
export function epb(ifid: number, units: bigint, data: Uint8Array, le = true, orig = data.length, ...opts: Uint8Array[]): Uint8Array {
  const padded = new Uint8Array((data.length + 3) & ~3);
  padded.set(data);
  return block(6, words(le, ifid, Number(units >> 32n), Number(units & 0xffffffffn), data.length, orig, padded, ...opts, ...(opts.length ? [0] : [])), le);
}

/** Every record of a capture in memory, through the cursor. */
export function readAll(bytes: Uint8Array, file = 't.pcap'): { records: CaptureRecord[]; info: CaptureInfo } {
  const it = readCaptureBuffer(bytes, { file });
  const records: CaptureRecord[] = [];
  for (;;) {
    const r = it.next();
    if (r.done) return { records, info: r.value };
    records.push(r.value);
  }
}

/** Every record of a capture, through the streaming reader fed `chunk`-byte pieces. */
export async function readAllStream(bytes: Uint8Array, chunk: number, file = 't.pcap'): Promise<{ records: CaptureRecord[]; info: CaptureInfo }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(Buffer.from(bytes.subarray(i, i + chunk)));
  const s = readCapture(Readable.from(pieces), { file });
  const records: CaptureRecord[] = [];
  for await (const r of s) records.push(r);
  return { records, info: s.info };
}

/** A record as plain data, to compare across formats. */
export function plain(r: CaptureRecord): { index: number; ts: string; linkType: number; data: string; orig: number; comment: string | undefined } {
  return { index: r.index, ts: r.timestampNs.toString(), linkType: r.interface.linkType, data: Buffer.from(r.captured).toString('hex'), orig: r.originalLength, comment: r.comment };
}

/** The error a function throws (or fails the test). */
export function thrown(fn: () => unknown): Error {
  try { fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}

/** The error an async function rejects with. */
export async function rejected(fn: () => Promise<unknown>): Promise<Error> {
  try { await fn(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}
