import { describe, expect, it } from 'vitest';
import type { ExcursionInput } from './excursion-engine.js';
import type { ExcursionEntry } from './ledger-types.js';
import { compareExcursions } from './verify-excursions.js';

const SSCC = '106141411234567897';
const x = (startMin: number, endMin: number, maxValue = 9.5): ExcursionInput => {
  const start = Date.UTC(2026, 0, 1) + startMin * 60_000;
  const end = Date.UTC(2026, 0, 1) + endMin * 60_000;
  return {
    sscc: SSCC,
    id: `${SSCC}:single-event:above:${start}`,
    rule: 'single-event',
    direction: 'above',
    limit: 8,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    durationMs: end - start,
    maxValue,
  };
};
const onLedger = (e: ExcursionInput): ExcursionEntry => ({ ...e, recordedAt: e.end, txId: 'tx' });

describe('excursions check', () => {
  it('completed: exactly the recorded ones, or it names the missing, the extra and the different', () => {
    const a = x(60, 120);
    const b = x(300, 340);
    expect(compareExcursions([a], [onLedger(a)], true).check.ok).toBe(true);
    const missing = compareExcursions([a, b], [onLedger(a)], true);
    expect(missing.check.problems).toEqual([
      expect.stringMatching(new RegExp(`^excursion ${b.id} .* shows in the readings but is not recorded`)),
    ]);
    expect(missing.excursions.map((e) => [e.recorded, e.derived])).toEqual([
      [true, true],
      [false, true],
    ]);
    const extra = compareExcursions([a], [onLedger(a), onLedger(b)], true);
    expect(extra.check.problems).toEqual([
      expect.stringMatching(/is recorded on the ledger, but the stored readings do not show it/),
    ]);
    expect(extra.excursions.at(-1)).toMatchObject({ id: b.id, recorded: true, derived: false });
    const shorter = compareExcursions([a], [onLedger(x(60, 100))], true);
    expect(shorter.check.problems?.[0]).toMatch(/is recorded as .* but the readings show/);
  });

  it('in transit: the ledger may lag and a running excursion may have grown, but never shrink or vanish', () => {
    const now = x(60, 120, 10.1);
    expect(compareExcursions([now], [], false).check).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/1 not recorded yet/),
    });
    expect(compareExcursions([now], [onLedger(x(60, 95, 9.2))], false).check.ok).toBe(true);
    expect(compareExcursions([x(60, 90)], [onLedger(x(60, 95))], false).check.ok).toBe(false);
    expect(compareExcursions([], [onLedger(x(60, 95))], false).check.ok).toBe(false);
  });
});
