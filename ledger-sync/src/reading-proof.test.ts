import { join } from 'node:path';
import { isColdtrailError, makeSscc, merkleRoot, verifyInclusion } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchOf,
  laneStream,
  ORG,
  PROFILE,
  payload,
  T0,
  tempDir,
  testClock,
  testDevice,
} from './fixtures.test-kit.js';
import { silentLog } from './log.js';
import { openQuery } from './query.js';
import { start } from './start.js';

const SSCC = makeSscc(0, '3761234', 77);
const LAST = 200;

/** A data dir with 200 readings of dev-1 anchored in windows of 64, closed by its writer. */
describe('reading proofs through the read-only query face', () => {
  const dir = tempDir();
  const clock = testClock(T0 - 60_000);
  const device = testDevice('dev-1');

  beforeAll(async () => {
    const handle = await start({ dataDir: dir.path, org: ORG, anchorWindow: 64 }, { log: silentLog, clock });
    await handle.registerDevice({ id: device.id, publicKey: device.publicKey });
    await handle.createShipment({
      sscc: SSCC,
      device: device.id,
      origin: 'Basel DC',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X',
      profile: PROFILE,
    });
    const lane = laneStream(device.id, () => 5);
    for (let sent = 0; sent < LAST; sent += 50) {
      const b = await batchOf(lane.next(50), device.signer);
      expect((await handle.ingest.ingest(ORG, device.id, payload(b))).status).toBe('stored');
    }
    await handle.waitForStored(device.id, LAST);
    await handle.idle();
    await handle.close();
  });
  afterAll(() => dir.cleanup());

  it('proves a reading against its on-ledger anchor root, checkable with core alone', async () => {
    const query = await openQuery({ dataDir: dir.path });
    try {
      const proof = await query.proveReading('dev-1', 70);
      expect(proof.anchor.fromSeq).toBeLessThanOrEqual(70);
      expect(proof.anchor.toSeq).toBeGreaterThanOrEqual(70);
      expect(proof.record.seq).toBe(70);
      expect(proof.index).toBe(70 - proof.anchor.fromSeq);
      expect(proof.included).toBe(true);
      expect(proof.ledger.ok).toBe(true);
      // A third party needs only the hash, the path and the root.
      expect(verifyInclusion(proof.hash, proof.index, proof.size, proof.path, proof.anchor.root)).toBe(true);
      expect(verifyInclusion(proof.hash, proof.index, proof.size, proof.path, merkleRoot([proof.hash]))).toBe(
        proof.size === 1,
      );
    } finally {
      await query.close();
    }
  });

  it('a reading changed at rest no longer leads to the anchor root', async () => {
    const copy = tempDir();
    try {
      const { cpSync } = await import('node:fs');
      cpSync(dir.path, copy.path, { recursive: true });
      const db = new Database(join(copy.path, 'readings.db'));
      expect(
        db.prepare("UPDATE readings SET value = 3.5 WHERE device = 'dev-1' AND seq = 70").run().changes,
      ).toBe(1);
      db.close();
      const query = await openQuery({ dataDir: copy.path });
      try {
        const proof = await query.proveReading('dev-1', 70);
        expect(proof.included).toBe(false);
      } finally {
        await query.close();
      }
    } finally {
      copy.cleanup();
    }
  });

  it('refuses bad arguments and says when nothing anchors the reading', async () => {
    const query = await openQuery({ dataDir: dir.path });
    try {
      const notAnchored = await query.proveReading('dev-1', LAST + 50).catch((e: unknown) => e);
      expect(isColdtrailError(notAnchored) && notAnchored.code).toBe('NOT_FOUND');
      const badDevice = await query.proveReading('no/such', 1).catch((e: unknown) => e);
      expect(isColdtrailError(badDevice) && badDevice.code).toBe('INVALID_INPUT');
      const badSeq = await query.proveReading('dev-1', 0).catch((e: unknown) => e);
      expect(isColdtrailError(badSeq) && badSeq.code).toBe('INVALID_INPUT');
    } finally {
      await query.close();
    }
  });
});
