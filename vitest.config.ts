import { defineConfig } from 'vitest/config';

// Two projects: unit specs beside the code (no infrastructure), and integration
// tests that get real Postgres, Kafka and S3 from @huedb/testing's global setup.
export default defineConfig({
  resolve: { conditions: ['@huedb/source'] },
  ssr: { resolve: { conditions: ['@huedb/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.test.ts',
            'services/*/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
