import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Suites that start child processes or share PostgreSQL run one file per worker.
    pool: 'forks',
  },
});
