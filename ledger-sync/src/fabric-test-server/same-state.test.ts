import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSscc, systemClock } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type EmbeddedLedger, openEmbeddedLedger } from '../ledger/embedded-ledger.js';
import { createLedgerClient } from '../ledger/ledger-client.js';
import { displayKey } from '../ledger/ledger-records.js';
import type { LedgerClient } from '../ledger-types.js';
import { connectClient, contractPort } from './gateway-client.test-kit.js';
import { type GatewayTestServer, startGatewayTestServer } from './gateway-test-server.test-kit.js';

/**
 * Same inputs, same state (issue 8): one scenario replayed through the embedded ledger directly (port.submit)
 * and through the Gateway test server with the unmodified fabric-gateway client gives the same state values
 * per key and the same chaincode events. Transaction ids differ by nature (each is a hash of a random nonce):
 * the i-th transaction's id is written `tx#i` on both sides before comparing. Each step runs at the same
 * time on both sides (the client's Date is set, the embedded ledger's clock follows it).
 */
const ORG = 'Org1MSP';
const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const SSCC = makeSscc(0, '3761234', 42);

let dir: string | undefined;
let server: GatewayTestServer | undefined;
let embedded: EmbeddedLedger | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  await embedded?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function scenario(client: LedgerClient, at: (step: number) => void): Promise<void> {
  at(0);
  await client.registerDevice({ id: 'probe-7', publicKey: 'cd'.repeat(32) });
  at(1);
  await client.createShipment({
    sscc: SSCC,
    device: 'probe-7',
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq: 1,
  });
  at(2);
  await client.anchorReadings({ device: 'probe-7', fromSeq: 1, toSeq: 3, root: 'a'.repeat(64), count: 3 });
  at(3);
  await client.anchorReadings({ device: 'probe-7', fromSeq: 4, toSeq: 6, root: 'b'.repeat(64), count: 3 });
  at(4);
  await client.completeShipment(SSCC, 6, { excursions: [], reason: null });
}

/** State (key -> JSON value) and events, in ledger order, with transaction ids numbered. */
function snapshot(ledgerDir: string) {
  const db = new Database(join(ledgerDir, 'ledger.sqlite'), { readonly: true });
  try {
    const txs = db
      .prepare(
        "SELECT tx_id, envelope FROM transactions WHERE validation_code = 'VALID' ORDER BY block_number, tx_index",
      )
      .all() as { tx_id: string; envelope: string }[];
    const ids = txs.map((t) => t.tx_id);
    const norm = (s: string) => ids.reduce((acc, id, i) => acc.split(id).join(`tx#${i}`), s);
    const state = Object.fromEntries(
      (db.prepare('SELECT key, value FROM state ORDER BY key').all() as { key: Buffer; value: Buffer }[]).map(
        (r) => [norm(displayKey(r.key.toString('utf8'))), JSON.parse(norm(r.value.toString('utf8')))],
      ),
    );
    const events = txs.map((t) => {
      const event = (
        JSON.parse(t.envelope) as { payload: { event: { name: string; payload: string } | null } }
      ).payload.event;
      return (
        event && {
          name: event.name,
          payload: JSON.parse(norm(Buffer.from(event.payload, 'base64').toString('utf8'))),
        }
      );
    });
    return { state, events, transactions: txs.length };
  } finally {
    db.close();
  }
}

describe('same inputs, same state', () => {
  it('gives identical state values and events through the embedded ledger and through the Gateway path', async () => {
    dir = await mkdtemp(join(tmpdir(), 'coldtrail-same-state-'));
    let now = T0;
    embedded = await openEmbeddedLedger({
      path: join(dir, 'embedded'),
      clock: { ...systemClock, now: () => now },
    });
    await scenario(createLedgerClient(embedded.port(ORG)), (step) => {
      now = T0 + step * 60_000;
    });
    await embedded.close();

    server = await startGatewayTestServer({ dir: join(dir, 'gateway'), orgs: [ORG] });
    const c = connectClient(server, await server.identity(ORG));
    try {
      // The client stamps its proposals with Date: only Date is faked, timers stay real.
      vi.useFakeTimers({ toFake: ['Date'] });
      await scenario(createLedgerClient(contractPort(c.contract)), (step) =>
        vi.setSystemTime(T0 + step * 60_000),
      );
      vi.useRealTimers();
    } finally {
      c.close();
    }
    const viaEmbedded = snapshot(join(dir, 'embedded'));
    const viaGateway = snapshot(server.ledgerPath);
    expect(viaEmbedded.transactions).toBe(5);
    expect(Object.keys(viaEmbedded.state).length).toBeGreaterThan(3);
    expect(viaGateway.state).toEqual(viaEmbedded.state);
    expect(viaGateway.events).toEqual(viaEmbedded.events);
    expect(viaEmbedded.events.every((e) => e !== null)).toBe(true);
  });
});
