import { join } from 'node:path';
import { hashRecord, type ReadingRecord } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordStream, T0, tempDir } from './fixtures.test-kit.js';
import type { ShipmentEntry } from './ledger-types.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';
import { verifyRange } from './verify-range.js';

const MIN = 60_000;
const iso = (m: number) => new Date(T0 + m * MIN).toISOString();
const shipment = (over: Partial<ShipmentEntry> = {}): ShipmentEntry => ({
  sscc: '106141411234567897',
  device: 'dev-1',
  custodian: 'OrgMSP',
  origin: 'A',
  destination: 'B',
  product: 'P',
  profile: { id: 'p', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  fromSeq: 1,
  toSeq: 60,
  status: 'completed',
  createdAt: iso(-1),
  completedAt: iso(60),
  ...over,
});

describe('range check', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteReadingStore;
  const stream = recordStream('dev-1'); // one reading a minute from T0
  const all: ReadingRecord[] = stream.next(100);
  /** Stores readings from..to in one batch received at minute `atMin`. */
  const store_ = async (from: number, to: number, atMin: number) => {
    const records = all.slice(from - 1, to).map((record) => ({ record, hash: hashRecord(record) }));
    const last = records.at(-1)!;
    await store.appendBatch(
      {
        device: 'dev-1',
        fromSeq: from,
        toSeq: to,
        prev: records[0]!.record.prev,
        head: last.hash,
        sig: '00'.repeat(64),
        receivedAt: iso(atMin),
      },
      records,
    );
  };
  const run = async (s: ShipmentEntry, view: { previous?: ShipmentEntry; next?: ShipmentEntry } = {}) => {
    const inRange = await store.records('dev-1', s.fromSeq, s.toSeq ?? 100);
    return verifyRange(
      store,
      { shipment: s, previous: view.previous ?? null, next: view.next ?? null },
      { fromSeq: s.fromSeq, toSeq: s.toSeq ?? 100 },
      inRange,
    );
  };

  beforeEach(() => {
    dir = tempDir();
    store = SqliteReadingStore.open(join(dir.path, 'readings.db'));
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('passes the readings taken between creation and completion, reporting those that arrived later', async () => {
    await store_(1, 60, 59);
    expect((await run(shipment())).check).toMatchObject({ ok: true });
    await store_(61, 100, 200); // taken until minute 99, stored long after the completion at minute 60
    const r = await run(shipment({ toSeq: 50, completedAt: iso(70) }));
    // #51-#60 were stored (minute 59) before the completion (minute 70) yet left out: cut short.
    expect(r.check.problems).toEqual([
      expect.stringMatching(
        /the completion left out 10 reading\(s\) from dev-1#51 that were taken during the shipment and already stored/,
      ),
    ]);
    expect(r.late).toEqual({ fromSeq: 61, toSeq: 65, count: 5 }); // taken before 70 - 5 min skew, stored at 200
  });

  it('fails readings taken before the creation or after the completion, and overlapping neighbours', async () => {
    await store_(1, 100, 100);
    const early = await run(shipment({ createdAt: iso(30) }));
    expect(early.check.problems?.[0]).toMatch(
      /^25 reading\(s\) from dev-1#1 .* were taken before the shipment was created/,
    );
    const late = await run(shipment({ completedAt: iso(20) }));
    expect(late.check.problems?.[0]).toMatch(
      /^34 reading\(s\) from dev-1#27 .* were taken after the shipment was completed/,
    );
    const prev = shipment({ sscc: '106141411234567804', fromSeq: 1, toSeq: 10 });
    const s = shipment({ fromSeq: 5, toSeq: 60 });
    expect((await run(s, { previous: prev })).check.problems).toEqual([
      expect.stringMatching(
        /^readings dev-1#5-10 are claimed by the device's previous shipment 106141411234567804 too/,
      ),
    ]);
    expect(
      (await run(s, { previous: { ...prev, status: 'in-transit', toSeq: null } })).check.problems?.[0],
    ).toMatch(/two shipments are open/);
    const next = shipment({ sscc: '106141411234567804', fromSeq: 55, toSeq: 90 });
    expect((await run(s, { next })).check.problems?.[0]).toMatch(
      /readings dev-1#55-60 are claimed by the device's next shipment/,
    );
    const open = shipment({ status: 'in-transit', toSeq: null, completedAt: null });
    expect((await run(open, { next })).check.problems?.[0]).toMatch(
      /a later shipment .* started on dev-1 while this one is in transit/,
    );
  });
});
