import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: files run in parallel across two workers; each file isolates its own
    // database schema, SQLite file and Redis key prefix.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
