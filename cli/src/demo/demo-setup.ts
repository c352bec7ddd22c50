import { join } from 'node:path';
import { OUTBOX_FILE, Outbox } from '@coldtrail/agent';
import { makeSscc } from '@coldtrail/core';
import type { LedgerClient } from '@coldtrail/ledger-sync';

/** The demo's fixed cast: one org, one device, a 2-8 °C product. */
export const DEMO = {
  org: 'ColdtrailDemoMSP',
  device: 'probe-0001',
  sensor: 'probe-1',
  /** GS1's own example company prefix (GS1 General Specifications); not a real company. */
  companyPrefix: '0614141',
  origin: 'urn:epc:id:sgln:0614141.00001.0',
  destination: 'urn:epc:id:sgln:0614141.00002.0',
  product: 'urn:epc:idpat:sgtin:0614141.107346.*',
  /** The product's GTIN-14: indicator 1 + company prefix + item reference 07346 + check digit (TDS §6.3.1). */
  gtin: '10614141073464',
  /** The lot every demo shipment carries (demo-contents.ts), with its expiry (AI 10, AI 17). */
  lot: 'L2026-DEMO1',
  expiry: '2028-12-31',
  samplePeriodMs: 60_000,
} as const;

/** Where the device's chain stands: the next seq, and when its last record was taken (for a later start). */
export function agentPosition(dir: string): { nextSeq: number; lastTs: number | undefined } {
  const outbox = Outbox.open(join(dir, OUTBOX_FILE), { device: DEMO.device });
  try {
    const head = outbox.head();
    const last = head.seq > 0 ? outbox.records(head.seq, head.seq)[0] : undefined;
    return { nextSeq: outbox.nextSeq(), lastTs: last ? Date.parse(last.ts) : undefined };
  } finally {
    outbox.close();
  }
}

/**
 * Simulated time of a run starts at the current minute, or just after the previous run's last reading if that
 * lies later (a second run on the same data directory continues the device's timeline forward).
 */
export function simulatedStart(now: number, lastTs: number | undefined): number {
  const minute = 60_000;
  const floor = Math.floor(now / minute) * minute;
  if (lastTs === undefined || lastTs < floor) return floor;
  return (Math.floor(lastTs / minute) + 1) * minute;
}

/** The next free SSCC of the demo company prefix. */
export async function nextSscc(ledger: LedgerClient): Promise<string> {
  const taken = new Set((await ledger.listShipments()).map((s) => s.sscc));
  for (let serial = taken.size + 1; ; serial++) {
    const sscc = makeSscc(0, DEMO.companyPrefix, serial);
    if (!taken.has(sscc)) return sscc;
  }
}
