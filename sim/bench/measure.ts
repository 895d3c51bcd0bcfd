/**
 * Timing helpers for the benchmark: run a function several times after warm-up runs, with a
 * garbage collection before each run when `--expose-gc` is on, and keep the median.
 */

/** Timings of repeated runs, in milliseconds. */
export interface Timing {
  runs: number[];
  median: number;
  min: number;
}

/** The median of some numbers (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Run the collector if node was started with `--expose-gc`. */
export function collect(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

/** Whether `collect()` really collects. */
export function canCollect(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

/** Time `fn` `runs` times after `warmup` untimed runs; `fn`'s last result is returned too. */
export function timeRuns<T>(fn: () => T, runs: number, warmup: number): { timing: Timing; result: T } {
  let result = undefined as T;
  for (let i = 0; i < warmup; i++) { collect(); result = fn(); }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    collect();
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  return { timing: { runs: times, median: median(times), min: Math.min(...times) }, result };
}

/** Memory figures in MiB: the process's peak RSS so far, and the V8 heap now. */
export interface Memory {
  peakRss: number;
  heapUsed: number;
}

/** The current memory figures. */
export function memory(): Memory {
  return { peakRss: process.resourceUsage().maxRSS / 1024, heapUsed: process.memoryUsage().heapUsed / 2 ** 20 };
}
