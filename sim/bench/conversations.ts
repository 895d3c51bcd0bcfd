/**
 * A second generated capture for the replay benchmark: whole DNS conversations as a capture
 * on the clients' side shows them, instead of first packets only. Connection k (client
 * 172.18.0.100 + k / 64512, port 1024 + k mod 64512, to the seed's kube-dns 10.96.0.10:53)
 * starts `1e6 / rate` µs after connection k - 1; 3 of 4 are UDP (query, answer 300 µs later),
 * 1 of 4 TCP (handshake, query, answer, both FINs, last ACK: 8 segments with consistent sequence
 * numbers, so that window tracking accepts every one). The packets of overlapping connections
 * interleave by time. Replayed, every answer is a reply the node receives from a coredns pod and
 * un-NATs; UDP entries live 30 s, closed TCP ones 120 s (TIME_WAIT), so the live table grows
 * with the rate.
 */
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { buildPacketBytes } from '../../engine/packet.js';
import { encapsulate, LINKTYPE } from '../capture/link.js';
import { assembleCapture } from './capture.js';

const SERVICE = parseIPv4Strict('10.96.0.10')!;
const CLIENT_BASE = parseIPv4Strict('172.18.0.100')!;
const START_US = 1_700_000_000 * 1e6;

/** One packet of a conversation: who sends it, TCP flags (0: UDP), payload, time after the connection's start (µs). */
interface Step {
  fromClient: boolean;
  flags: number;
  payload: Uint8Array;
  at: number;
}

const QUERY = Uint8Array.of(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 119, 119, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0, 0, 1, 0, 1);
/** The answer: the query with QR/RA set, one A record (93.184.215.14, TTL 300) by a name pointer. */
const ANSWER = Uint8Array.of(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, ...QUERY.subarray(12), 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 215, 14);
const lengthPrefixed = (m: Uint8Array): Uint8Array => Uint8Array.of(m.length >> 8, m.length & 0xff, ...m);
const NONE = new Uint8Array(0);
const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;

const UDP_STEPS: readonly Step[] = [
  { fromClient: true, flags: 0, payload: QUERY, at: 0 },
  { fromClient: false, flags: 0, payload: ANSWER, at: 300 },
];
const TCP_STEPS: readonly Step[] = [
  { fromClient: true, flags: SYN, payload: NONE, at: 0 },
  { fromClient: false, flags: SYN | ACK, payload: NONE, at: 300 },
  { fromClient: true, flags: ACK, payload: NONE, at: 320 },
  { fromClient: true, flags: PSH | ACK, payload: lengthPrefixed(QUERY), at: 340 },
  { fromClient: false, flags: PSH | ACK, payload: lengthPrefixed(ANSWER), at: 640 },
  { fromClient: true, flags: FIN | ACK, payload: NONE, at: 700 },
  { fromClient: false, flags: FIN | ACK, payload: NONE, at: 1000 },
  { fromClient: true, flags: ACK, payload: NONE, at: 1020 },
];
/** Steps by code: UDP's first (codes 0-1), then TCP's (2-9). */
const STEPS: readonly Step[] = [...UDP_STEPS, ...TCP_STEPS];
const CODES = 16;

/** What `generateConversations` made. */
export interface Conversations {
  bytes: Uint8Array;
  /** Connections whose first packet is in the capture (the last ones may be cut short). */
  connections: number;
  /** Packets sent by the service's side (answers, SYN/ACKs, server FINs): the replies. */
  replies: number;
  /** Capture length in seconds. */
  seconds: number;
}

/** Whether connection k is TCP (1 of 4). */
const isTcp = (k: number): boolean => k % 4 === 3;

/**
 * The first `n` packets by time of conversations starting `rate` per second (a divisor of
 * 1,000,000), as a classic pcap or pcapng capture.
 */
export function generateConversations(n: number, rate: number, format: 'pcap' | 'pcapng' = 'pcap'): Conversations {
  const spacing = 1e6 / rate;
  if (!Number.isInteger(spacing)) throw new Error(`rate ${rate}: expected a divisor of 1,000,000`);
  // Each packet as one number, time * CODES + step code: sorting them interleaves the connections,
  // and connection k = (time - step's offset) / spacing is read back from it.
  const perFour = 3 * UDP_STEPS.length + TCP_STEPS.length;
  const conns = Math.ceil((n * 4) / perFour) + 8;
  const keys = new Float64Array(conns * 3 + Math.ceil(conns / 4) * 8);
  let m = 0;
  for (let k = 0; k < conns; k++) {
    const first = isTcp(k) ? UDP_STEPS.length : 0, count = isTcp(k) ? TCP_STEPS.length : UDP_STEPS.length;
    for (let c = first; c < first + count; c++) keys[m++] = (k * spacing + STEPS[c]!.at) * CODES + c;
  }
  const events = keys.subarray(0, m).sort().subarray(0, n);
  if (events.length < n) throw new Error(`generated ${events.length} of ${n} packets`);
  const frames = STEPS.map((s) => encapsulate(LINKTYPE.ETHERNET, 'ipv4', buildPacketBytes({
    family: 'ipv4', src: [s.fromClient ? CLIENT_BASE : SERVICE], dst: [s.fromClient ? SERVICE : CLIENT_BASE],
    proto: s.flags ? 6 : 17, sport: s.fromClient ? 1024 : 53, dport: s.fromClient ? 53 : 1024,
    payload: s.payload, ...(s.flags ? { tcpFlags: s.flags, seq: 0, ack: 0 } : {}),
  })));
  let connections = 0, replies = 0;
  for (const e of events) {
    const c = e % CODES;
    if (c === 0 || c === UDP_STEPS.length) connections++;
    if (!STEPS[c]!.fromClient) replies++;
  }
  const bytes = assembleCapture(format, n, (i) => frames[events[i]! % CODES]!, (i) => START_US + Math.floor(events[i]! / CODES), (i, d) => {
    const code = events[i]! % CODES;
    const step = STEPS[code]!;
    const k = (Math.floor(events[i]! / CODES) - step.at) / spacing;
    const client = (CLIENT_BASE + Math.floor(k / 64512)) >>> 0, port = 1024 + (k % 64512);
    const a = step.fromClient ? 12 : 16, p = step.fromClient ? 20 : 22;
    d[a] = client >>> 24; d[a + 1] = (client >>> 16) & 0xff; d[a + 2] = (client >>> 8) & 0xff; d[a + 3] = client & 0xff;
    d[p] = port >>> 8; d[p + 1] = port & 0xff;
    if (step.flags) {
      const [seq, ack] = tcpNumbers(k, code - UDP_STEPS.length);
      put32(d, 24, seq);
      put32(d, 28, ack);
    }
  });
  return { bytes, connections, replies, seconds: Math.ceil((events[n - 1]! / CODES - events[0]! / CODES) / 1e6) };
}

/** Sequence and acknowledgement numbers of TCP step `s` of connection k (initial numbers from k). */
function tcpNumbers(k: number, s: number): [number, number] {
  const c = Math.imul(k + 1, 0x9e3779b1) >>> 0, v = Math.imul(k + 1, 0x85ebca6b) >>> 0;
  const q = 2 + QUERY.length, r = 2 + ANSWER.length;
  const pairs: [number, number][] = [
    [c, 0], [v, c + 1], [c + 1, v + 1], [c + 1, v + 1], [v + 1, c + 1 + q], [c + 1 + q, v + 1 + r], [v + 1 + r, c + 2 + q], [c + 2 + q, v + 2 + r],
  ];
  const [seq, ack] = pairs[s]!;
  return [seq >>> 0, ack >>> 0];
}

function put32(d: Uint8Array, at: number, x: number): void {
  d[at] = x >>> 24; d[at + 1] = (x >>> 16) & 0xff; d[at + 2] = (x >>> 8) & 0xff; d[at + 3] = x & 0xff;
}
