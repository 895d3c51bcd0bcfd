/**
 * A floor for the full-replay figure of `npm run bench`: the least work a kernel-faithful replay
 * of the generated capture (sim/bench/capture.ts: every packet a new connection to the seed's
 * kube-dns service, 50,000 a second, no replies, so that the conntrack table is full after 5 s)
 * must do per packet, written straight over typed arrays with nothing else around it — no rules,
 * no packet, tuple, entry or result objects, no summary:
 *
 * - read the record and its link header (the replay's own cursor and `decodeLinkInto`);
 * - hash the original tuple (natsim's `hashWords4`) and look it up in the node index (the
 *   engine's `NodeIndex`, 2^20 slots as the table has with 262,144 entries): a miss;
 * - choose the endpoint as the seed's statistic rules do (1/4, 1/3, 1/2, from a seeded
 *   generator) and a MASQUERADE `--random-fully` source port: a random start, then the next port
 *   until the reply tuple is free, as `nf_nat_l4proto_unique_tuple` searches — told by a bit per
 *   port and (endpoint, protocol), as natsim's port index tells it once a key is busy, not by a
 *   hash lookup per port;
 * - past `nf_conntrack_max` (262,144), early drop as the kernel's: from the new tuple's bucket
 *   (`bucketOf`, 262,144 buckets) up to 8 buckets, every unassured entry of the first bucket with
 *   one is killed — both its nodes leave the index;
 * - insert the entry: its two node records, two index insertions, its expiry;
 * - write the rewritten datagram's addresses and port into an output buffer.
 *
 * The figure says how much of the 2 µs per packet that 500,000 packets/s allows is the
 * conntrack table's memory traffic alone, measured on the same machine in the same run.
 */
import seedrandom from 'seedrandom';
import { bucketOf, DEFAULT_CONNTRACK_BUCKETS, DEFAULT_CONNTRACK_MAX, EVICTION_RANGE, NodeIndex } from '../../engine/conntrack/table.js';
import { hashWords4 } from '../../engine/conntrack/tuple.js';
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { decodeLinkInto, linkSlot } from '../capture/link.js';
import { CaptureCursor } from '../capture/reader.js';

/** What one floor run did: packets, milliseconds, entries early-dropped, packets refused for a full table. */
export interface FloorRun {
  packets: number;
  ms: number;
  earlyDropped: number;
  refused: number;
}

const ENDPOINTS = ['10.244.1.2', '10.244.2.2', '10.244.1.3', '10.244.2.3'].map((a) => parseIPv4Strict(a)! | 0);
const NODE_ADDRESS = parseIPv4Strict('172.18.0.2')! | 0;
/** Words per node record: source, destination, ports, protocol. */
const REC = 4;

/** One pass of the floor's work over `capture` (an in-memory pcap or pcapng): `max` and `buckets` as the sysctls (defaults the kernel's). */
export function replayFloor(capture: Uint8Array, o: { seed?: string; max?: number; buckets?: number } = {}): FloorRun {
  const max = o.max ?? DEFAULT_CONNTRACK_MAX, buckets = o.buckets ?? DEFAULT_CONNTRACK_BUCKETS;
  const index = new NodeIndex(2 ** Math.ceil(Math.log2(4 * max)));
  const rec = new Int32Array(2 * max * REC);
  const expiry = new Float64Array(max);
  const free = new Int32Array(max);
  for (let i = 0; i < max; i++) free[i] = max - 1 - i;
  let freeTop = max, count = 0, earlyDropped = 0, refused = 0, expired = 0;
  const rng = seedrandom(o.seed ?? 'bench');
  const victims: number[] = [];
  /** Reply ports held, a bit each, per (endpoint, protocol): 2,048 words a key. */
  const held = new Uint32Array(ENDPOINTS.length * 2 * 2048);
  const heldWord = (endpoint: number, proto: number, port: number): number => (ENDPOINTS.indexOf(endpoint) * 2 + (proto === 6 ? 1 : 0)) * 2048 + (port >>> 5);
  const out = new Uint8Array(64);

  const find = (h: number, proto: number, src: number, dst: number, ports: number): boolean => {
    const s = index.slots, mask = index.mask;
    for (let k = h >>> index.shift; s[2 * k + 1] !== 0; k = (k + 1) & mask) {
      if (s[2 * k] !== h) continue;
      const r = (s[2 * k + 1]! - 1) * REC;
      if (rec[r] === src && rec[r + 1] === dst && rec[r + 2] === ports && rec[r + 3] === proto) return true;
    }
    return false;
  };
  const nodeHash = (n: number): number => {
    const r = n * REC;
    return hashWords4(rec[r + 3]!, rec[r]!, rec[r + 1]!, rec[r + 2]!) | 0;
  };
  const bucket: number[] = [];
  const earlyDrop = (h: number, now: number): boolean => {
    let b = bucketOf(h, buckets);
    for (let step = 0; step < EVICTION_RANGE; step++, b = (b + 1) % buckets) {
      index.bucketNodes(b, buckets, bucket);
      victims.length = 0;
      for (const n of bucket) if (!victims.includes(n >> 1)) victims.push(n >> 1);
      // Nothing in this capture is ever assured: every live entry of the bucket goes.
      for (const i of victims) {
        if (expiry[i]! <= now) expired++;
        index.delete(nodeHash(2 * i), 2 * i);
        index.delete(nodeHash(2 * i + 1), 2 * i + 1);
        const r = (2 * i + 1) * REC, port = rec[r + 2]! & 0xffff;
        held[heldWord(rec[r]!, rec[r + 3]!, port)]! &= ~(1 << (port & 31));
        free[freeTop++] = i;
        count--;
      }
      if (victims.length > 0) {
        earlyDropped += victims.length;
        return true;
      }
    }
    return false;
  };

  const cursor = new CaptureCursor(capture);
  const slot = linkSlot();
  const b = capture;
  let packets = 0;
  const t0 = performance.now();
  while (cursor.next()) {
    const p = cursor.parser;
    packets++;
    if (!decodeLinkInto(p.iface!.linkType, b, p.dataStart, p.dataEnd, p.originalLength, slot)) continue;
    const ip = slot.start, l4 = ip + (b[ip]! & 0x0f) * 4;
    const now = p.tsSec * 1000 + p.tsNsec / 1e6;
    const proto = b[ip + 9]!;
    const src = (b[ip + 12]! << 24) | (b[ip + 13]! << 16) | (b[ip + 14]! << 8) | b[ip + 15]!;
    const dst = (b[ip + 16]! << 24) | (b[ip + 17]! << 16) | (b[ip + 18]! << 8) | b[ip + 19]!;
    const ports = (b[l4]! << 24) | (b[l4 + 1]! << 16) | (b[l4 + 2]! << 8) | b[l4 + 3]!;
    const h = hashWords4(proto, src, dst, ports) | 0;
    if (find(h, proto, src, dst, ports)) continue;
    const pod = rng() < 0.25 ? 0 : rng() < 1 / 3 ? 1 : rng() < 0.5 ? 2 : 3;
    const endpoint = ENDPOINTS[pod]!;
    let port = 1024 + Math.floor(rng() * 64512);
    while (held[heldWord(endpoint, proto, port)]! & (1 << (port & 31))) port = port === 65535 ? 1024 : port + 1;
    const replyPorts = ((ports & 0xffff) << 16) | port;
    const rh = hashWords4(proto, endpoint, NODE_ADDRESS, replyPorts) | 0;
    if (count >= max && !earlyDrop(h, now)) {
      refused++;
      continue;
    }
    const i = free[--freeTop]!;
    count++;
    const r = 2 * i * REC;
    rec[r] = src; rec[r + 1] = dst; rec[r + 2] = ports; rec[r + 3] = proto;
    rec[r + 4] = endpoint; rec[r + 5] = NODE_ADDRESS; rec[r + 6] = replyPorts; rec[r + 7] = proto;
    expiry[i] = now + (proto === 6 ? 120_000 : 30_000);
    index.add(h, 2 * i);
    index.add(rh, 2 * i + 1);
    held[heldWord(endpoint, proto, port)]! |= 1 << (port & 31);
    out.set(b.subarray(ip, ip + 24));
    out[12] = NODE_ADDRESS >>> 24; out[13] = NODE_ADDRESS >>> 16; out[14] = NODE_ADDRESS >>> 8; out[15] = NODE_ADDRESS;
    out[16] = endpoint >>> 24; out[17] = endpoint >>> 16; out[18] = endpoint >>> 8; out[19] = endpoint;
    out[20] = port >>> 8; out[21] = port;
  }
  const ms = performance.now() - t0;
  if (expired !== 0) throw new Error(`floor: ${expired} entries expired in a capture where none can`);
  return { packets, ms, earlyDropped, refused };
}
