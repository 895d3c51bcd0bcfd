/**
 * The kernel's own iptables-restore and iptables-save of the benchmark dump, for comparison:
 * each run uses a fresh throwaway network namespace (`natsim-bench-<pid>-<n>`, deleted at once),
 * so no rule ever reaches the host's tables. Only available as root with `ip` and the legacy
 * iptables tools installed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { median, type Timing } from './measure.js';

/** Kernel timings, or why there are none. */
export type KernelResult =
  | { ok: true; restore: Timing; save: Timing; execOverhead: number; savedText: string }
  | { ok: false; reason: string };

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(args: string[], stdinFile?: string): { ms: number; status: number | null; stdout: string; stderr: string } {
  const fd = stdinFile !== undefined ? openSync(stdinFile, 'r') : 'ignore';
  try {
    const t0 = performance.now();
    const r = spawnSync(args[0]!, args.slice(1), { stdio: [fd, 'pipe', 'pipe'], maxBuffer: 1 << 30, encoding: 'utf8' });
    const ms = performance.now() - t0;
    return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

function timing(xs: number[]): Timing {
  return { runs: xs, median: median(xs), min: Math.min(...xs) };
}

/** Whether the kernel comparison can run here; a reason when it cannot. */
export function kernelUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root';
  for (const c of ['ip', 'iptables-legacy-restore', 'iptables-legacy-save']) if (!has(c)) return `${c} not found`;
  return null;
}

/**
 * Restore `file` with `iptables-legacy-restore` in `runs` fresh namespaces, timing each restore
 * (process start included, namespace creation not), then time `iptables-legacy-save` in the last.
 */
export function kernelRestore(file: string, runs: number): KernelResult {
  const why = kernelUnavailable();
  if (why) return { ok: false, reason: why };
  const restores: number[] = [];
  const saves: number[] = [];
  const overheads: number[] = [];
  let savedText = '';
  for (let i = 0; i < runs; i++) {
    const ns = `natsim-bench-${process.pid}-${i}`;
    const add = run(['ip', 'netns', 'add', ns]);
    if (add.status !== 0) return { ok: false, reason: `ip netns add failed: ${add.stderr.trim()}` };
    try {
      overheads.push(run(['ip', 'netns', 'exec', ns, 'true']).ms);
      const r = run(['ip', 'netns', 'exec', ns, 'iptables-legacy-restore'], file);
      if (r.status !== 0) return { ok: false, reason: `iptables-legacy-restore failed: ${r.stderr.trim().split('\n')[0]}` };
      restores.push(r.ms);
      const s = run(['ip', 'netns', 'exec', ns, 'iptables-legacy-save']);
      if (s.status !== 0) return { ok: false, reason: `iptables-legacy-save failed: ${s.stderr.trim()}` };
      saves.push(s.ms);
      savedText = s.stdout;
    } finally {
      run(['ip', 'netns', 'del', ns]);
    }
  }
  return { ok: true, restore: timing(restores), save: timing(saves), execOverhead: median(overheads), savedText };
}
