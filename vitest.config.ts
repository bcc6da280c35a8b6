import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real ffmpeg, SQLite files and brokers per test file; two cores on CI, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
