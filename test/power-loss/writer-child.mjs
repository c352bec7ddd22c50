// The writer of power-loss.test.ts, run under the LD_PRELOAD shim (shim.c) with COLDTRAIL_PL_DIR naming the
// watched directory: the agent's real Outbox in <dir>/agent and the real ingest over the real SqliteReadingStore
// in <dir>/server, wired as the broker wires them (a batch is published, the ingest stores it, the outcome is
// the PUBACK, the ack watermark comes back). Both run here in one process so that one log orders everything.
//
// After each step has returned it appends a marker line ("M ...") to the shim's log (O_APPEND, the same file):
// a marker is what the step's caller was told, so it sits in the log after every write and fsync that step
// made. replay.ts then knows, at each crash point, what had been acknowledged by then.
//
// COLDTRAIL_PL_UNSAFE_SYNC=off|normal (test-only, this file only): better-sqlite3's Database.prototype.pragma
// is wrapped in this process so that the production code's own "synchronous = FULL" becomes OFF or NORMAL.
// Nothing else changes: the same code, the same calls. The production code has no such knob. Without the
// variable the wrapper only records, as markers, the synchronous pragmas the production code issued.
//
// argv: <watched dir> <shim log> <key dir (outside the watched dir)> <cycles>
import { appendFileSync } from 'node:fs';
import { loadOrCreateDeviceKey, Outbox } from '@coldtrail/agent';
import { createIngest, SqliteReadingStore, silentLog } from '@coldtrail/ledger-sync';
import Database from 'better-sqlite3';

const [dir, logPath, keyDir, cyclesArg] = process.argv.slice(2);
const cycles = Number(cyclesArg);
const mark = (line) => appendFileSync(logPath, `M ${line}\n`);

const unsafe = process.env.COLDTRAIL_PL_UNSAFE_SYNC;
if (unsafe !== undefined && unsafe !== 'off' && unsafe !== 'normal')
  throw new Error(`bad unsafe mode ${unsafe}`);
const pragma = Database.prototype.pragma;
Database.prototype.pragma = function (source, options) {
  if (/^\s*synchronous\s*=/i.test(source)) {
    const issued = source.trim().replace(/\s+/g, ' ').toLowerCase();
    mark(`pragma ${this.name} ${issued}`);
    if (unsafe && issued === 'synchronous = full') {
      mark(`rewrote ${this.name} synchronous = ${unsafe}`);
      return pragma.call(this, `synchronous = ${unsafe}`, options);
    }
  }
  return pragma.call(this, source, options);
};

const device = 'dev-power';
const org = 'org-power';
const key = await loadOrCreateDeviceKey(keyDir);
const outbox = Outbox.open(`${dir}/agent/outbox.sqlite`, { device });
mark('opened outbox');
const store = SqliteReadingStore.open(`${dir}/server/readings.sqlite`);
mark('opened store');
const ingest = createIngest({
  store,
  directory: { lookup: async () => ({ device, org, publicKey: key.publicKey }) },
  log: silentLog,
});
mark(`settings outbox ${outbox.settings().synchronous}`);

const t0 = Date.UTC(2026, 0, 1);
for (let cycle = 0; cycle < cycles; cycle++) {
  const t = t0 + cycle * 60_000;
  const records = outbox.append(
    [
      { sensor: 'probe-1', kind: 'temperature', value: 2 + (cycle % 60) / 10, unit: 'CEL' },
      { sensor: 'probe-1', kind: 'humidity', value: 40 + (cycle % 20), unit: 'P1' },
    ],
    t,
  );
  mark(`append ${records.at(-1).seq} ${outbox.head().hash}`);
  if (cycle % 3 !== 2) continue;
  const batch = await outbox.createBatch(8, key.signer, t);
  if (!batch) throw new Error(`cycle ${cycle}: nothing to batch`);
  mark(`batch ${batch.fromSeq} ${batch.toSeq} ${batch.head}`);
  // what the broker's hook does: the outcome is stored before the PUBACK goes out (DESIGN §2.6)
  const outcome = await ingest.ingest(org, device, outbox.batchPayload(batch));
  if (outcome.status !== 'stored') throw new Error(`cycle ${cycle}: ingest said ${outcome.status}`);
  mark(`stored ${outcome.ack.storedUpTo} ${outcome.ack.storedHead}`);
  outbox.markSent(batch.fromSeq); // PUBACK received
  mark(`sent ${batch.fromSeq}`);
  outbox.acknowledge(outcome.ack.storedUpTo); // the retained ack watermark arrived
  mark(`acked ${outcome.ack.storedUpTo}`);
  if (cycle % 30 === 29) {
    // retention 0: deletes acknowledged records, so the chain head must outlive them (outbox-schema.ts)
    mark('prune-begin');
    mark(`pruned ${outbox.prune(t + 1, 0)}`);
  }
}
outbox.close();
await store.close();
mark('done');
