/**
 * The full-replay figure of `npm run bench`: a generated capture of DNS queries and TCP SYNs to
 * the seed's kube-dns cluster IP (sim/bench/capture.ts `generateCapture`), written to a temporary
 * file and replayed through the seed node with `natsim replay --summary` (reading, link decoding,
 * the engine with conntrack and NAT, the summary), beside reading the same file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay } from '../commands/replay.js';
import { readCapture } from '../capture/reader.js';
import { colours } from '../style.js';
import { generateCapture } from './capture.js';

/** What the full replay measured. */
export interface ReplayFigure {
  packets: number;
  /** Median milliseconds of the full replay and of reading alone. */
  replayMs: number;
  readMs: number;
  /** Peak resident set size after the runs, MiB. */
  peakRssMiB: number;
}

/** Replay `packets` generated packets `runs` times; medians. */
export async function benchReplay(o: { packets?: number; runs: number }): Promise<ReplayFigure> {
  const n = o.packets ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'natsim-bench-'));
  const file = join(dir, 'replay.pcap');
  writeFileSync(file, generateCapture(n, 'pcap'));
  const quiet = { out: (): void => undefined, err: (): void => undefined };
  const times: number[] = [], reads: number[] = [];
  try {
    for (let r = 0; r < o.runs; r++) {
      let t = performance.now();
      let k = 0;
      for await (const rec of readCapture(file)) k += rec.captured.length > 0 ? 1 : 0;
      reads.push(performance.now() - t);
      if (k !== n) throw new Error(`read ${k} of ${n} packets`);
      t = performance.now();
      await runReplay({ capture: file, rules: [], scenario: 'kube-seed', ifaceMap: [], direction: 'in', writeDropped: false, json: false, ndjson: false, summary: true, trace: false, strict: true, seed: 'bench' }, quiet, colours(process.stdout, true));
      times.push(performance.now() - t);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return { packets: n, replayMs: med(times), readMs: med(reads), peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}
