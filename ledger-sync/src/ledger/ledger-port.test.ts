import { tempDir } from '../fixtures.test-kit.js';
import { type LedgerUnderTest, ledgerPortContract } from '../ledger-port.contract.js';
import { openEmbeddedLedger } from './embedded-ledger.js';
import { openLedgerReader } from './ledger-reader.js';

/** A fresh embedded ledger in a temp dir; `writer(org)` is its port for that org. */
async function embedded(): Promise<LedgerUnderTest & { path: string }> {
  const dir = tempDir();
  const ledger = await openEmbeddedLedger({ path: dir.path });
  return {
    path: dir.path,
    writer: (org) => ledger.port(org),
    async close() {
      await ledger.close();
      dir.cleanup();
    },
  };
}

ledgerPortContract('embedded ledger port(org)', embedded, {
  port: async (ledger, org) => ledger.writer(org),
});

ledgerPortContract('read-only ledger reader port', embedded, {
  readonly: true,
  async port(ledger) {
    const { path } = ledger as Awaited<ReturnType<typeof embedded>>;
    // The reader opens an existing ledger: one committed transaction makes it exist on disk.
    await ledger.writer('ColdtrailOrgMSP').submit('RegisterDevice', ['seed-1', 'c'.repeat(64)]);
    const reader = await openLedgerReader(path);
    return {
      submit: (fn, args) => reader.port.submit(fn, args),
      evaluate: (fn, args) => reader.port.evaluate(fn, args),
      async close() {
        await reader.port.close();
        await reader.close();
      },
    };
  },
});
