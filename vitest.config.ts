import { defineConfig } from 'vitest/config';

// Tests sit beside the code they test (`*.test.ts`); cross-service end-to-end tests live under test/.
// Workspace packages are imported through their public face (dist/), so `npm test` builds first.
export default defineConfig({
  test: {
    include: ['*/src/**/*.test.ts', 'ledger-sync/chaincode/src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
