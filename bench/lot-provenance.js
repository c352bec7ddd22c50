// `npm run bench -- lot`: provenance of one lot spread over 100 pallets (issue 9: target under 50 ms median),
// in-process through the query face the CLI uses (`openQuery(...).subjectProvenance`), beside the provenance of
// one of those pallets by SSCC, the lot query alone (the contract's QueryLot, no verification) and the
// replay of the whole ledger (`ledger verify`'s work) on the same data dir. Each pallet is a real shipment
// built through ledger-sync's ingest: an hour of signed, chained readings (temperature + humidity, one a
// minute), anchored, completed, its contents declaring a line of the lot. 10 devices carry 10 pallets each.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { listShippedProfiles, openQuery, start } from '@coldtrail/ledger-sync';

const ORG = 'Org1MSP';
const GTIN = '10614141073464';
const LOT = 'L-BENCH-100';
const PALLETS = 100;
const DEVICES = 10;
const T0 = Date.UTC(2026, 5, 1);
const MINUTES = 60;

async function buildLot(dir) {
  let now = T0 - 60_000;
  const clock = { now: () => now, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 10))) };
  const handle = await start({ dataDir: dir, org: ORG }, { log: silentLog, clock });
  const spec = listShippedProfiles().find((p) => p.id === '2-8C');
  const { profileSummary } = await import('@coldtrail/core');
  const devices = [];
  for (let d = 0; d < DEVICES; d++) {
    const secret = randomBytes(32);
    const id = `pallet-logger-${d}`;
    await handle.registerDevice({ id, publicKey: publicKeyFromSecret(secret) });
    devices.push({ id, signer: nobleSigner(secret), seq: 0, prev: GENESIS_HASH });
  }
  for (let p = 0; p < PALLETS; p++) {
    const device = devices[p % DEVICES];
    const sscc = makeSscc(0, '0614141', 1000 + p);
    const start0 = T0 + p * 2 * 3_600_000;
    now = start0 - 60_000;
    await handle.createShipment({
      sscc,
      device: device.id,
      origin: 'urn:epc:id:sgln:0614141.00001.0',
      destination: `urn:epc:id:sgln:0614141.${String(10 + (p % 50)).padStart(5, '0')}.0`,
      product: 'urn:epc:idpat:sgtin:0614141.107346.*',
      profile: profileSummary(spec),
      profileSpec: spec,
      contents: [{ gtin: GTIN, lot: LOT, expiry: '2028-12-31', quantity: 40 }],
    });
    const batch = [];
    for (let m = 0; m < MINUTES; m++) {
      const ts = start0 + m * 60_000;
      for (const sample of [
        { sensor: 'probe-1', kind: 'temperature', value: 5 + (m % 7) / 10, unit: 'CEL' },
        { sensor: 'probe-1', kind: 'humidity', value: 45, unit: 'P1' },
      ]) {
        const r = makeRecord(device.id, ++device.seq, ts, sample, device.prev);
        device.prev = hashRecord(r);
        batch.push(r);
      }
    }
    now = start0 + MINUTES * 60_000;
    const b = await signBatch(batch, device.prev, device.signer);
    const out = await handle.ingest.ingest(ORG, device.id, Buffer.from(JSON.stringify(b)));
    if (out.status !== 'stored') throw new Error(`bench setup: ${out.status}: ${out.reason}`);
    await handle.waitForStored(device.id, device.seq);
    await handle.completeShipment(sscc, device.seq);
  }
  await handle.close();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function time(runs, fn) {
  await fn(); // warm: the first call opens statements and fills caches, as any second query would find them
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms) };
}

export async function runLotProvenanceBench({ runs = 21 } = {}) {
  const base = process.env.COLDTRAIL_BENCH_LOT_DATA ?? join(tmpdir(), 'coldtrail-bench-lot-100');
  const dir = join(base, 'ledger-sync');
  if (!existsSync(join(dir, 'ledger.sqlite'))) {
    mkdirSync(dir, { recursive: true });
    const t = Date.now();
    await buildLot(dir);
    console.log(
      `built ${PALLETS} pallets of lot ${LOT} in ${base} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  } else {
    console.log(`reusing the ${PALLETS} pallets in ${base} (delete it to rebuild)`);
  }
  const query = await openQuery({ dataDir: dir });
  try {
    const lot = { kind: 'lot', gtin: GTIN, lot: LOT };
    const first = await query.subjectProvenance(lot);
    if (first.kind !== 'lot' || first.shipments.length !== PALLETS || !first.verification.ok) {
      throw new Error(
        `bench setup: the lot answer has ${first.shipments?.length} shipments, ok=${first.verification?.ok}`,
      );
    }
    const oneSscc = first.shipments[0].sscc;
    const rows = {
      [`lot over ${PALLETS} pallets, verified (subjectProvenance)`]: await time(runs, () =>
        query.subjectProvenance(lot),
      ),
      'one pallet by SSCC, verified (provenance)': await time(runs, () => query.provenance(oneSscc)),
    };
    const table = {};
    for (const [name, r] of Object.entries(rows)) {
      table[name] = {
        'median ms': r.median.toFixed(1),
        'min ms': r.min.toFixed(1),
        'max ms': r.max.toFixed(1),
      };
    }
    console.log(`\nprovenance of a lot: ${runs} runs each after one warm-up, in-process (ms)`);
    console.table(table);
    const lotMedian = rows[`lot over ${PALLETS} pallets, verified (subjectProvenance)`].median;
    console.log(`target < 50 ms median: ${lotMedian < 50 ? 'met' : 'NOT met'} (${lotMedian.toFixed(1)} ms)`);
    return lotMedian < 50;
  } finally {
    await query.close();
  }
}
