/**
 * Seeds of the generated and mutated cases: the fixed list CI runs (add a seed here to keep a
 * failure found with `--fresh` as a regression case), or those given in NATSIM_KERNEL_SEEDS
 * (comma-separated; scripts/test-kernel.mjs sets it for `--seed S` and `--fresh N`). A seed
 * replays exactly only with the same corpus and registry (fragments come from the corpus lines):
 * to keep a failure for good, also copy its saved input into test/kernel/regressions/.
 */

/** Seeds CI runs on every build. */
export const FIXED_SEEDS: readonly number[] = [1, 2, 3, 4, 20261126];

/** The seeds of this run. */
export function activeSeeds(): number[] {
  const env = process.env.NATSIM_KERNEL_SEEDS;
  if (!env) return [...FIXED_SEEDS];
  return env.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad seed in NATSIM_KERNEL_SEEDS: ${s}`);
    return n;
  });
}
