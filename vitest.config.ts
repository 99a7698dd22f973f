import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The load run is `npm run test:long` (vitest.long.config.ts), not part of every CI run.
    exclude: ['test/long/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Every FHIR answer a test meets is checked against the official R4 JSON schema.
    setupFiles: ['test/support/fhir-traffic.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration files share one gateway and one DynamoDB Local; two cores do not gain from more.
    maxWorkers: 2,
  },
});
