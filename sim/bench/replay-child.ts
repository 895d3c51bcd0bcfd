/**
 * One run of the replay benchmark in a process of its own, so that its peak memory is the
 * replay's alone: `node replay-child.js CAPTURE` runs `natsim replay CAPTURE --scenario kube-seed
 * --direction in --summary` through the CLI's `main` (output discarded, the packet count read
 * from it) and prints one JSON line: wall milliseconds of `main`, the process's peak RSS (MiB),
 * the packet count the summary reported and the conntrack entries it listed at the end.
 */
import { main } from '../cli.js';

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
process.stdout.write(JSON.stringify({ status, ms, peakRssMiB: process.resourceUsage().maxRSS / 1024, packets, entries, errors: errors.slice(0, 500) }) + '\n');
