import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, nobleSigner, type ReadingRecord, type Sample, verifyChain } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBudget, DiskState } from './disk-budget.js';
import type { Log } from './log.js';
import { Outbox } from './outbox.js';

const T0 = Date.UTC(2026, 0, 1);
const signer = nobleSigner(new Uint8Array(32).fill(7));
const cycle = (i: number): Sample[] => [
  { sensor: 'probe-1', kind: 'temperature', value: 4 + (i % 100) / 100, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'humidity', value: 50, unit: 'P1' },
];

let dir: string;
let outbox: Outbox;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-budget-'));
  outbox = Outbox.open(join(dir, 'outbox.sqlite'), { device: 'dev-1' });
});
afterEach(async () => {
  outbox.close();
  await rm(dir, { recursive: true, force: true });
});

function recordingLog() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (message: string): void =>
      void lines.push({ level, message });
  const log: Log = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** Stores cycles until `stop(state)`; returns every record appended and the states seen after each cycle. */
function fillUntil(budget: DiskBudget, stop: (s: DiskState, i: number) => boolean, from = 0) {
  const records: ReadingRecord[] = [];
  const states: DiskState[] = [];
  for (let i = from; i < from + 100_000; i++) {
    records.push(...budget.store(cycle(i), T0 + i * 60_000));
    states.push(budget.state);
    if (stop(budget.state, i)) break;
  }
  return { records, states };
}
const diskFaults = (rs: ReadingRecord[]) => rs.filter((r) => r.fault === 'disk-budget');

describe('DiskBudget', () => {
  it('warns with a fault, log and state well before the budget, then stops storing at it, marking the gap once', () => {
    const { log, lines } = recordingLog();
    const seen: DiskState[] = [];
    const budget = new DiskBudget({
      outbox,
      budgetBytes: 160 * 1024,
      warnBytes: 96 * 1024,
      log,
      onState: (s) => seen.push(s),
    });
    const { records, states } = fillUntil(budget, (s) => s === DiskState.Full);
    const warnAt = states.indexOf(DiskState.Warn);
    expect(warnAt).toBeGreaterThan(0);
    expect(states.length - warnAt).toBeGreaterThan(50); // dozens of cycles between the warning and the budget
    const faults = diskFaults(records);
    expect(faults).toHaveLength(2); // one at the warning, one where storing stopped
    expect(records.at(-1)).toBe(faults[1]);
    expect(seen).toEqual([DiskState.Warn, DiskState.Full]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringMatching(/above its warning level/),
    ]);
    expect(lines.filter((l) => l.level === 'error')[0]?.message).toMatch(/disk budget reached/);

    // At the budget, with nothing acknowledged: no new record at all for as long as it lasts, nothing deleted.
    const head = outbox.head().seq;
    const more = fillUntil(budget, (_s, i) => i >= 10_099, 10_000); // 100 cycles
    expect(more.records).toEqual([]);
    expect(budget.refusedCycles).toBe(101); // the one the fault stands for, and these 100
    expect(outbox.head().seq).toBe(head);
    expect(outbox.counts().records).toBe(head);
    expect(verifyChain(outbox.records(1, head), GENESIS_HASH, 0)).toBe(outbox.head().hash);
    expect(budget.usedBytes).toBeLessThan(160 * 1024 + 8 * 1024); // within a cycle and a fault of the budget
  });

  it('deletes acknowledged records first, oldest first and inside the retention window, so recording resumes', async () => {
    const { log, lines } = recordingLog();
    const budget = new DiskBudget({ outbox, budgetBytes: 160 * 1024, log });
    const first = fillUntil(budget, (s) => s === DiskState.Full);
    const head = outbox.head().seq;
    // The broker comes back and acknowledges the first half; the rest stays unsent.
    while (await outbox.createBatch(100, signer, T0)) {}
    const acked = Math.floor(head / 2);
    const ackTo = outbox.batchContaining(acked)!.toSeq;
    outbox.acknowledge(ackTo);

    const next = budget.store(cycle(1), T0 + 1); // minutes old at most: far inside a 7-day retention window
    expect(next.map((r) => r.kind)).toEqual(['temperature', 'humidity']);
    expect(budget.state).not.toBe(DiskState.Full);
    expect(lines.some((l) => /deleted acknowledged records early/.test(l.message))).toBe(true);
    const kept = outbox.records(1, outbox.head().seq).map((r) => r.seq);
    // Only acknowledged records went, the oldest ones: what is left is one unbroken run up to the head.
    expect(kept[0]).toBeGreaterThan(1);
    expect(kept[0]).toBeLessThanOrEqual(ackTo + 1);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => kept[0]! + k));
    expect(kept.at(-1)).toBe(head + 2);
    expect(diskFaults(first.records)).toHaveLength(2);
  });

  it('never deletes an unacknowledged record to make room, whatever the pressure', () => {
    const budget = new DiskBudget({
      outbox,
      budgetBytes: 96 * 1024,
      warnBytes: 64 * 1024,
      log: recordingLog().log,
    });
    fillUntil(budget, (s) => s === DiskState.Full);
    const head = outbox.head().seq;
    for (let i = 0; i < 20; i++) budget.store(cycle(i), T0 + i);
    expect(outbox.counts()).toMatchObject({ records: head, pending: head });
  });
});
