import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests sit beside the code they test (`*.test.ts`); cross-service end-to-end tests live under test/.
// Workspace packages are imported through their public face (dist/), so `npm test` builds first.
export default defineConfig({
  test: {
    include: ['*/src/**/*.test.ts', 'ledger-sync/chaincode/src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Vitest runs availableParallelism() - 1 files at once: one on a 2-core CI machine. Most files wait on
    // child processes, sockets and disks rather than the CPU, so two at a time fit there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
