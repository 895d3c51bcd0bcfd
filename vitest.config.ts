import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'engine/**/*.test.ts', 'sim/**/*.test.ts'],
    exclude: ['test/kernel/**', 'node_modules/**', 'dist/**'],
    testTimeout: 20000,
  },
});
