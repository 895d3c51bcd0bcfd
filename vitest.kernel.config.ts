/**
 * vitest configuration of the kernel conformance suite (`npm run test:kernel`): the tests under
 * test/kernel, run in forked workers (each owns its namespaces and cleans them up on signals).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/kernel/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    // The work is waiting on iptables in namespaces, not CPU: more workers than cores pays.
    maxWorkers: 4,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
