import { defineConfig } from 'vitest/config';

/** `npm run test:long`: suites too slow for every CI run (the load run). */
export default defineConfig({
  test: {
    include: ['test/long/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
