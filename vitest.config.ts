import { defineConfig } from 'vitest/config';

// Integration tests start real servers (s3rver, kcat's mock Kafka, ffmpeg): give them room,
// and keep the number of parallel files at the machine's two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
