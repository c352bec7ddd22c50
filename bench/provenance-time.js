// `npm run bench -- provenance`: wall time of `coldtrail provenance` (a fresh process, as a user runs it) on a
// 30-day shipment, beside `coldtrail ledger verify` (the full replay) on the same data dir. The shipment is
// built once through ledger-sync's real ingest and anchoring: 30 days of one reading per minute of
// temperature and humidity (86,400 signed, chained records), a 2-hour excursion, completed.
// COLDTRAIL_BENCH_CLI=/path/to/cli/bin/coldtrail.js times another build on the same data dir (before/after);
// COLDTRAIL_BENCH_DIRS="label=DIR,..." adds data dirs of your own (e.g. a demo's) to the table.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  GENESIS_HASH,
  hashRecord,
  makeRecord,
  makeSscc,
  nobleSigner,
  publicKeyFromSecret,
  signBatch,
  silentLog,
} from '@coldtrail/core';
import { start } from '@coldtrail/ledger-sync';

const CLI = resolve(
  process.env.COLDTRAIL_BENCH_CLI ?? new URL('../cli/bin/coldtrail.js', import.meta.url).pathname,
);
const ORG = 'Org1MSP';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const SSCC = makeSscc(0, '3761234', 30);

async function build30Days(dir) {
  let now = T0 - 60_000;
  const clock = { now: () => now, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 10))) };
  const handle = await start({ dataDir: dir, org: ORG }, { log: silentLog, clock });
  const secret = randomBytes(32);
  const signer = nobleSigner(secret);
  await handle.registerDevice({ id: 'probe-30d', publicKey: publicKeyFromSecret(secret) });
  await handle.createShipment({
    sscc: SSCC,
    device: 'probe-30d',
    origin: 'Basel DC',
    destination: 'Lagos pharmacy',
    product: 'Vaccine X',
    profile: { id: 'vaccine-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  });
  const minutes = 30 * 24 * 60;
  let prev = GENESIS_HASH;
  let seq = 0;
  let batch = [];
  for (let m = 0; m < minutes; m++) {
    const ts = T0 + m * 60_000;
    now = ts;
    const warm = m >= 10_000 && m < 10_120; // two hours above 8 °C on day 7
    for (const sample of [
      { sensor: 'probe-1', kind: 'temperature', value: warm ? 9.5 : 5 + (m % 7) / 10, unit: 'CEL' },
      { sensor: 'probe-1', kind: 'humidity', value: 45, unit: 'P1' },
    ]) {
      const r = makeRecord('probe-30d', ++seq, ts, sample, prev);
      prev = hashRecord(r);
      batch.push(r);
    }
    if (batch.length >= 500 || m === minutes - 1) {
      const b = await signBatch(batch, prev, signer);
      const out = await handle.ingest.ingest(ORG, 'probe-30d', Buffer.from(JSON.stringify(b)));
      if (out.status !== 'stored')
        throw new Error(`bench setup: batch ${b.fromSeq} ${out.status}: ${out.reason}`);
      batch = [];
    }
  }
  await handle.waitForStored('probe-30d', seq);
  await handle.idle();
  now = T0 + 30 * DAY;
  await handle.completeShipment(SSCC, seq);
  await handle.close();
  return seq;
}

function timeCli(args, runs) {
  const ms = [];
  let status;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    status = r.status;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], min: ms[0], status };
}

export async function runProvenanceBench({ runs = 5 } = {}) {
  const base = process.env.COLDTRAIL_BENCH_DATA ?? join(tmpdir(), 'coldtrail-bench-30d');
  // The CLI's data-dir layout: ledger-sync's files under <data dir>/ledger-sync.
  if (!existsSync(join(base, 'ledger-sync', 'ledger.sqlite'))) {
    mkdirSync(join(base, 'ledger-sync'), { recursive: true });
    const t = Date.now();
    const n = await build30Days(join(base, 'ledger-sync'));
    console.log(
      `built a 30-day shipment (${n.toLocaleString('en-US')} readings) in ${base} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  } else {
    console.log(`reusing the 30-day shipment in ${base} (delete it to rebuild)`);
  }
  const dirs = [{ label: '30-day shipment', dir: base, sscc: SSCC }];
  for (const spec of (process.env.COLDTRAIL_BENCH_DIRS ?? '').split(',').filter(Boolean)) {
    const [label, dir] = spec.split('=');
    const list = spawnSync(process.execPath, [CLI, 'shipment', 'list', '--json', '--data-dir', dir], {
      encoding: 'utf8',
    });
    const sscc = JSON.parse(list.stdout).shipments.at(-1)?.sscc;
    dirs.push({ label, dir, sscc });
  }
  console.log(`CLI: ${CLI}; ${runs} runs each, wall time of a fresh process (ms)`);
  const table = {};
  for (const { label, dir, sscc } of dirs) {
    const p = timeCli(['provenance', sscc, '--json', '--data-dir', dir], runs);
    const v = timeCli(['ledger', 'verify', '--json', '--data-dir', dir], runs);
    const help = timeCli(['--help'], runs);
    table[label] = {
      'provenance median': Math.round(p.median),
      'provenance min': Math.round(p.min),
      'ledger verify median (full replay)': Math.round(v.median),
      'coldtrail --help (process start)': Math.round(help.median),
    };
  }
  console.table(table);
}
