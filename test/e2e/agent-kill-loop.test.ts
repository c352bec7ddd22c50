import { ptySupport } from '@coldtrail/firmware-sim';
import { describe, expect, it } from 'vitest';
import { prng } from '../seeded-random.js';
import { completeShipment, createShipment, provenance, stackPerTest, until } from './three-process-kit.js';

const pty = ptySupport();
const startStack = stackPerTest();

const KILLS = Number(process.env.COLDTRAIL_KILL_LOOPS ?? 6);

/**
 * `kill -9` of `coldtrail agent start` at random moments, many times in a row, while `coldtrail sim` and
 * `coldtrail server` run: after the last restart everything the agent had committed to its outbox is stored
 * downstream exactly once and gap-free — the shipment's range covers every committed seq and its hash chain,
 * signatures and anchors verify, which they cannot with a gap or a duplicate.
 */
describe.skipIf(!pty.available)(`kill -9 of the agent process in a loop${pty.reason}`, () => {
  it(`loses nothing the outbox committed across ${KILLS} kills`, async () => {
    const s = await startStack({ intervalMs: 100 });
    const sscc = await createShipment(s.serverDir);
    const random = prng(70_007);
    let committedBeforeLastKill = 0;
    for (let i = 0; i < KILLS; i++) {
      const agent = s.startAgent();
      const target = committedBeforeLastKill + 1 + Math.floor(random() * 15);
      await until(`run ${i}: the agent to commit past #${target}`, async () => {
        const st = await s.agentStatus();
        return st.committedUpTo >= target ? st : undefined;
      });
      // A random moment after that: mid-cycle, mid-batch, mid-publish.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 400)));
      expect((await agent.stop('SIGKILL')).signal).toBe('SIGKILL');
      committedBeforeLastKill = (await s.agentStatus()).committedUpTo;
    }
    const last = s.startAgent();
    await until('the last run to have everything acknowledged', async () => {
      const st = await s.agentStatus();
      return st.ackedUpTo.seq > committedBeforeLastKill ? st : undefined;
    });
    expect(await last.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const final = await s.agentStatus();
    const done = await completeShipment(s.serverDir, sscc);
    expect(done.shipment.fromSeq).toBe(1);
    expect(done.shipment.toSeq).toBe(final.committedUpTo);
    const { report } = await provenance(s.serverDir, sscc);
    expect(report.verification.checks.filter((c) => !c.ok)).toEqual([]);
    const r = report.readings as { temperature: number; humidity: number; faults: number; other: object };
    const other = Object.values(r.other as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(r.temperature + r.humidity + r.faults + other).toBe(final.committedUpTo);
  }, 180_000);
});
