import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ptySupport } from '@coldtrail/firmware-sim';
import { describe, expect, it } from 'vitest';
import {
  completeShipment,
  createShipment,
  DEVICE,
  provenance,
  stackPerTest,
  until,
} from './three-process-kit.js';

const pty = ptySupport();
const startStack = stackPerTest();

/** The checks the demo's provenance passes (test/e2e/demo-provenance.test.ts). */
const DEMO_CHECKS = [
  'anchors',
  'custody',
  'excursions',
  'hash-chain',
  'ledger',
  'range',
  'signatures',
  'tip',
];

describe.skipIf(!pty.available)(
  `sim start + agent start + server start, driven by command${pty.reason}`,
  () => {
    it('gives the same verified provenance as the demo', async () => {
      const stack = await startStack();
      const sscc = await createShipment(stack.serverDir);
      const agent = stack.startAgent();
      const s = stack;
      const acked = await until('the agent to have 20 readings acknowledged', async () => {
        const st = await s.agentStatus();
        return st.ackedUpTo.seq >= 20 ? st : undefined;
      });
      expect(acked.committedUpTo).toBeGreaterThanOrEqual(acked.ackedUpTo.seq);
      // The server's retained .../config downlink reached the agent, which keeps it for offline alarms.
      const local = await until('agent status to show the shipment it watches', async () => {
        const st = await s.agentStatus();
        return st.shipment ?? undefined;
      });
      expect(local).toMatchObject({ sscc, profile: { lowerC: 2, upperC: 8 } });
      // The server keeps the connect counters it admitted on disk, so a replay after its restart stays refused.
      const counters = JSON.parse(await readFile(join(s.serverDir, 'connect-counters.json'), 'utf8'));
      expect(JSON.stringify(counters)).toContain(DEVICE);
      expect(await agent.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const stopped = await stack.agentStatus();
      const done = await completeShipment(stack.serverDir, sscc);
      expect(done.shipment.fromSeq).toBe(1);
      // Everything the agent committed before its graceful stop reached the store and the shipment.
      expect(done.shipment.toSeq).toBe(stopped.committedUpTo);
      const { code, report } = await provenance(stack.serverDir, sscc);
      expect(report.verification.checks.filter((c) => !c.ok)).toEqual([]);
      expect(code).toBe(0);
      expect(report.verification.ok).toBe(true);
      expect(report.verification.checks.map((c) => c.name).sort()).toEqual(DEMO_CHECKS);
      const r = report.readings as { temperature: number; humidity: number; faults: number; other: object };
      const other = Object.values(r.other as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(r.temperature + r.humidity + r.faults + other).toBe(stopped.committedUpTo);
      expect(r.temperature).toBeGreaterThanOrEqual(10);
      expect(await stack.server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(await stack.sim.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }, 120_000);
  },
);
