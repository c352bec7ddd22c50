import { ingestPortContract } from '../../core/src/ingest-port.contract.js';
import { TestIngest } from './broker.fixture.js';

// The ingest the broker tests run against, hooks in place, behaves as the real one must.
ingestPortContract(
  "the broker tests' TestIngest (createIngest over SQLite, with hooks)",
  async (directory) => {
    const ingest = TestIngest.open(directory);
    return { ingest, reopen: () => ingest.reopen(), close: () => ingest.close() };
  },
);
