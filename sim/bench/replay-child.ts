/**
 * One run of the replay benchmark in a process of its own, so that its peak memory is the
 * replay's alone: `node replay-child.js CAPTURE` runs `natsim replay CAPTURE --scenario kube-seed
 * --direction in --summary` through the CLI's `main` (output discarded, the packet count read
 * from it) and prints one JSON line: wall milliseconds of `main`, the process's peak RSS (MiB),
 * the packet count the summary reported and the conntrack entries it listed at the end.
 *
 * The peak is the process's own high-water mark (`VmHWM` in /proc/self/status on Linux), not
 * getrusage's `ru_maxrss`: at exec Linux folds the high-water mark of the image the process had
 * before (the fork of the bench that spawned it) into `ru_maxrss` (fs/exec.c, `exec_mmap`:
 * `setmax_mm_hiwater_rss(&tsk->signal->maxrss, old_mm)`). Spawned by the bench's 450+ MiB
 * process, `ru_maxrss` read 190–213 MiB for replays whose own peak was 176 MiB (the same child
 * under a 45 MiB parent: 176 both ways). Elsewhere `ru_maxrss` is all there is; both are printed.
 */
import { readFileSync } from 'node:fs';
import { main } from '../cli.js';

/** The process's own peak RSS in MiB (VmHWM), or null where /proc does not say. */
function ownPeakRssMiB(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: replay-child CAPTURE\n');
  process.exit(2);
}
let packets = -1, entries = -1;
let errors = '';
const quiet = {
  out: (s: string): void => {
    if (packets < 0) {
      const m = /^(?:\S*\s)?([\d,]+) packets/m.exec(s);
      if (m) packets = Number(m[1]!.replace(/,/g, ''));
    }
    const l = /conntrack -L \(([\d,]+) entr/.exec(s);
    if (l) entries = Number(l[1]!.replace(/,/g, ''));
  },
  err: (s: string): void => { errors += s; },
};
const t0 = performance.now();
const status = await main(['replay', file, '--scenario', 'kube-seed', '--direction', 'in', '--summary', '--seed', 'bench', '--no-color'], quiet);
const ms = performance.now() - t0;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ status, ms, peakRssMiB: ownPeakRssMiB() ?? maxRssMiB, maxRssMiB, packets, entries, errors: errors.slice(0, 500) }) + '\n');
