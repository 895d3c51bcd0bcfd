/**
 * The full-replay figure of `npm run bench`: a generated capture of DNS queries and TCP SYNs to
 * the seed's kube-dns cluster IP (sim/bench/capture.ts `generateCapture`), written to a temporary
 * file and replayed through the seed node with `natsim replay --summary` (reading, link decoding,
 * the engine with conntrack and NAT, the summary) — each run in a child process of its own
 * (`replay-child.ts`), so its peak RSS is the replay's alone — beside reading the same file in
 * this process with the same streaming reader and link decoding the replay uses.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLinkInto, linkSlot } from '../capture/link.js';
import { CaptureStreamCursor } from '../capture/reader.js';
import { generateCapture } from './capture.js';
import { generateConversations } from './conversations.js';
import { replayFloor } from './replay-floor.js';

/** What the full replay measured. */
export interface ReplayFigure {
  packets: number;
  /** Median milliseconds of the full replay (inside its process) and of reading alone. */
  replayMs: number;
  readMs: number;
  /** Median and largest peak RSS of the replay processes, MiB. */
  peakRssMiB: number;
  maxPeakRssMiB: number;
  /** Median milliseconds of the floor (`replay-floor.ts`) over the same capture, in this process. */
  floorMs: number;
  /** Entries the floor early-dropped (the same count each run). */
  floorEarlyDropped: number;
}

/** Read the capture as the replay does (streaming cursor, one reused buffer, link decode); returns the packet count. */
async function readAll(file: string): Promise<number> {
  const cursor = new CaptureStreamCursor(file, { reuseBuffer: true });
  const slot = linkSlot();
  let n = 0, ip = 0;
  try {
    while (await cursor.fill()) {
      while (cursor.next()) {
        const p = cursor.parser;
        n++;
        if (decodeLinkInto(p.iface!.linkType, cursor.bytes, p.dataStart, p.dataEnd, p.originalLength, slot)) ip++;
      }
    }
  } finally {
    cursor.close();
  }
  if (ip !== n) throw new Error(`read ${n} records but ${ip} IP datagrams`);
  return n;
}

/** One replay in a process of its own: its time inside `main`, its peak RSS, the conntrack entries listed at its end. */
function replayOnce(file: string, n: number): { ms: number; peakRssMiB: number; entries: number } {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'replay-child.js');
  const res = JSON.parse(execFileSync(process.execPath, [child, file], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!) as { status: number; ms: number; peakRssMiB: number; packets: number; entries: number; errors: string };
  if (res.status !== 0 || res.packets !== n) throw new Error(`replay run: status ${res.status}, ${res.packets} packets reported (expected ${n}) ${res.errors}`);
  return res;
}

/**
 * Whether memory stays flat as the capture grows: `runs` replays of a capture `factor` times as
 * long (the conntrack table is full long before either ends), each in its own process; its
 * packets, median time, median and largest peak RSS.
 */
export function benchReplayGrowth(o: { packets?: number; factor: number; runs: number }): { packets: number; ms: number; peakRssMiB: number; maxPeakRssMiB: number } {
  const n = (o.packets ?? 1_000_000) * o.factor;
  const dir = mkdtempSync(join(tmpdir(), 'natsim-bench-'));
  const file = join(dir, 'replay-long.pcap');
  try {
    writeFileSync(file, generateCapture(n, 'pcap'));
    const rs = Array.from({ length: o.runs }, () => replayOnce(file, n));
    return { packets: n, ms: median(rs.map((r) => r.ms)), peakRssMiB: median(rs.map((r) => r.peakRssMiB)), maxPeakRssMiB: Math.max(...rs.map((r) => r.peakRssMiB)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(a: number[]): number {
  return [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
}

/** Replay `packets` generated packets `runs` times (each in its own process); medians. */
export async function benchReplay(o: { packets?: number; runs: number }): Promise<ReplayFigure> {
  const n = o.packets ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'natsim-bench-'));
  const file = join(dir, 'replay.pcap');
  const capture = generateCapture(n, 'pcap');
  writeFileSync(file, capture);
  const times: number[] = [], reads: number[] = [], rss: number[] = [], floors: number[] = [];
  let floorEarlyDropped = 0;
  try {
    replayFloor(capture); // warm-up
    for (let r = 0; r < o.runs; r++) {
      const fl = replayFloor(capture);
      if (fl.packets !== n) throw new Error(`floor read ${fl.packets} of ${n} packets`);
      floors.push(fl.ms);
      floorEarlyDropped = fl.earlyDropped;
      const t = performance.now();
      const k = await readAll(file);
      reads.push(performance.now() - t);
      if (k !== n) throw new Error(`read ${k} of ${n} packets`);
      const res = replayOnce(file, n);
      times.push(res.ms);
      rss.push(res.peakRssMiB);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { packets: n, replayMs: median(times), readMs: median(reads), peakRssMiB: median(rss), maxPeakRssMiB: Math.max(...rss), floorMs: median(floors), floorEarlyDropped };
}

/** What the conversations replay measured. */
export interface ConversationsFigure {
  packets: number;
  connections: number;
  replies: number;
  seconds: number;
  rate: number;
  /** Medians over the runs. */
  replayMs: number;
  peakRssMiB: number;
  /** Conntrack entries listed at the end of the replay. */
  entries: number;
}

/**
 * Replay `packets` packets of whole DNS conversations (sim/bench/conversations.ts) starting
 * `rate` per second, `runs` times, each in its own process; medians.
 */
export function benchReplayConversations(o: { packets?: number; rate: number; runs: number }): ConversationsFigure {
  const n = o.packets ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'natsim-bench-'));
  const file = join(dir, 'conversations.pcap');
  const conv = generateConversations(n, o.rate);
  writeFileSync(file, conv.bytes);
  const times: number[] = [], rss: number[] = [];
  let entries = 0;
  try {
    for (let r = 0; r < o.runs; r++) {
      const res = replayOnce(file, n);
      times.push(res.ms);
      rss.push(res.peakRssMiB);
      entries = res.entries;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { packets: n, connections: conv.connections, replies: conv.replies, seconds: conv.seconds, rate: o.rate, replayMs: median(times), peakRssMiB: median(rss), entries };
}
