import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
    environment: 'node',
    // CI runs on a busy 2-core machine: tests that start real peers take several times what they take here idle.
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
