/**
 * The benchmark's replay floor (sim/bench/replay-floor.ts) does the work the real replay does on
 * the benchmark's capture: the same packets, and as many entries early-dropped as `natsim replay`
 * reports for the same table size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCapture } from '../sim/bench/capture.js';
import { replayFloor } from '../sim/bench/replay-floor.js';

const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');

describe('the replay floor of the benchmark', () => {
  it('early-drops as many entries as natsim replay on the same capture and table size', () => {
    const n = 40_000, max = 8192;
    const capture = generateCapture(n, 'pcap');
    const floor = replayFloor(capture, { max, buckets: max });
    const file = join(mkdtempSync(join(tmpdir(), 'natsim-floor-')), 'flood.pcap');
    writeFileSync(file, capture);
    const r = spawnSync(process.execPath, [bin, 'replay', file, '--scenario', 'kube-seed', '--direction', 'in', '--json', '--conntrack-max', String(max), '--conntrack-buckets', String(max)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { packets: number; conntrackStats: { early_drop: number; drop: number } };
    expect(j.packets).toBe(n);
    expect(floor.packets).toBe(n);
    // Every packet past the first `max` needs room: about n - max of them early-drop one or more entries.
    // Nothing is refused, nothing expires (20 s of capture, 30 s timeouts): every new connection
    // past the first `max` took the room of one early-dropped entry, in both.
    expect(j.conntrackStats.drop).toBe(0);
    expect(floor.refused).toBe(0);
    expect(j.conntrackStats.early_drop).toBe(n - max);
    expect(floor.earlyDropped).toBe(n - max);
  });
});
