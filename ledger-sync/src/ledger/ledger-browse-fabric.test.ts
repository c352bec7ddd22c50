import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../fabric-test-server/gateway-client.test-kit.js';
import {
  type GatewayTestServer,
  startGatewayTestServer,
} from '../fabric-test-server/gateway-test-server.test-kit.js';
import { compositeKey, openLedgerBrowser } from './ledger-browse.js';

// Transactions stored in the Fabric envelope format (the Gateway test server's), shown by the browser: the
// signature is checked as verify checks it, and a creator issued by the org's CA is the org's.
const ORG = 'Org1MSP';
let dir: string;
let server: GatewayTestServer;
let txId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-browse-fabric-'));
  server = await startGatewayTestServer({ dir: join(dir, 'ledger'), orgs: [ORG] });
  const c = connectClient(server, await server.identity(ORG));
  try {
    const tx = await c.contract
      .newProposal('RegisterDevice', { arguments: ['probe-f', 'ab'.repeat(32)] })
      .endorse();
    txId = tx.getTransactionId();
    expect((await (await tx.submit()).getStatus()).successful).toBe(true);
  } finally {
    c.close();
  }
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('openLedgerBrowser on Fabric-format transactions', () => {
  it('shows one with a valid signature and a CA-issued creator, while the server holds the ledger', async () => {
    const browser = openLedgerBrowser(server.ledgerPath);
    try {
      const tx = await browser.tx(txId);
      expect(tx).toMatchObject({
        txId,
        fn: 'RegisterDevice',
        args: ['probe-f', 'ab'.repeat(32)],
        creator: { mspid: ORG },
        signatureValid: true,
        creatorTrusted: true,
      });
      const [block] = [...browser.blocks({ from: browser.tipNumber() ?? 0, limit: 1 })];
      expect(block?.transactions).toMatchObject([{ txId, fn: 'RegisterDevice', creator: ORG }]);
      expect([...browser.history(compositeKey('device', ['probe-f']))]).toMatchObject([
        { txId, value: { id: 'probe-f' }, isDelete: false },
      ]);
    } finally {
      browser.close();
    }
  });

  it('says when the signature of the stored Fabric envelope does not verify', async () => {
    const copy = join(dir, 'copy');
    await cp(server.ledgerPath, copy, { recursive: true });
    const db = new Database(join(copy, 'ledger.sqlite'));
    const stored = JSON.parse(
      db.prepare('SELECT envelope FROM transactions WHERE tx_id = ?').pluck().get(txId) as string,
    );
    expect(stored.format).toBe('fabric-envelope');
    const bytes = Buffer.from(stored.envelope, 'base64');
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0x01; // inside the DER signature
    db.prepare('UPDATE transactions SET envelope = ? WHERE tx_id = ?').run(
      canonicalJson({ ...stored, envelope: bytes.toString('base64') }),
      txId,
    );
    db.close();
    const browser = openLedgerBrowser(copy);
    try {
      expect(await browser.tx(txId)).toMatchObject({ signatureValid: false, creatorTrusted: true });
    } finally {
      browser.close();
    }
  });
});
