// `npm run bench -- bundle`: `coldtrail verify` on the offline bundle of a 30-day shipment with four probes at one
// reading a minute (172,800 signed, chained records), target under 2 s, printed beside the machine's raw
// SHA-256 + Ed25519 rates for the same amount of work (the ceiling: what hashing and signature checks alone
// cost, with no parsing, encoding or re-derivation). The shipment is built once through ledger-sync's real
// ingest, anchoring and completion (batches of 500), then its bundle is written with writeProvenanceBundle.
// COLDTRAIL_BENCH_BUNDLE_DATA=DIR keeps the data dir elsewhere (default: the OS temp dir; delete to rebuild).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, hash, randomBytes, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  canonicalBytes,
  GENESIS_HASH,
  hashRecord,
  makeRecord,
  makeSscc,
  nobleSigner,
  publicKeyFromSecret,
  signBatch,
  silentLog,
} from '@coldtrail/core';
import { start, verifyBundleBytes } from '@coldtrail/ledger-sync';
import { writeProvenanceBundle } from '../cli/dist/commands/provenance-bundle.js';

const CLI = resolve(new URL('../cli/bin/coldtrail.js', import.meta.url).pathname);
const ORG = 'Org1MSP';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const SSCC = makeSscc(0, '3761234', 31);
const DEVICE = 'probe-4x30d';
const PROBES = ['probe-1', 'probe-2', 'probe-3', 'probe-4'];
const TARGET_MS = 2000;

async function build(dir) {
  let now = T0 - 60_000;
  const clock = { now: () => now, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 10))) };
  const handle = await start({ dataDir: dir, org: ORG }, { log: silentLog, clock });
  const secret = randomBytes(32);
  const signer = nobleSigner(secret);
  await handle.registerDevice({ id: DEVICE, publicKey: publicKeyFromSecret(secret) });
  await handle.createShipment({
    sscc: SSCC,
    device: DEVICE,
    origin: 'Basel DC',
    destination: 'Lagos pharmacy',
    product: 'Vaccine X',
    profile: { id: 'vaccine-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  });
  let prev = GENESIS_HASH;
  let seq = 0;
  let batch = [];
  const minutes = 30 * 24 * 60;
  for (let m = 0; m < minutes; m++) {
    const ts = T0 + m * 60_000;
    now = ts;
    const warm = m >= 10_000 && m < 10_120; // two hours above 8 °C on day 7
    for (const sensor of PROBES) {
      const value = warm ? 9.5 : 5 + (m % 7) / 10;
      const r = makeRecord(DEVICE, ++seq, ts, { sensor, kind: 'temperature', value, unit: 'CEL' }, prev);
      prev = hashRecord(r);
      batch.push(r);
    }
    if (batch.length >= 500 || m === minutes - 1) {
      const b = await signBatch(batch, prev, signer);
      const out = await handle.ingest.ingest(ORG, DEVICE, Buffer.from(JSON.stringify(b)));
      if (out.status !== 'stored')
        throw new Error(`bench setup: batch ${b.fromSeq} ${out.status}: ${out.reason}`);
      batch = [];
    }
  }
  await handle.waitForStored(DEVICE, seq);
  await handle.idle();
  now = T0 + 30 * DAY;
  await handle.completeShipment(SSCC, seq);
  await handle.close();
  return seq;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The ceiling: node:crypto SHA-256 over the bundle's records and Merkle nodes, Ed25519 over its batch headers. */
function ceiling(bundle) {
  const records = bundle.readings.map((r) => canonicalBytes(r.record));
  const leaves = bundle.readings.length;
  const t0 = process.hrtime.bigint();
  for (const b of records) hash('sha256', b, 'buffer');
  // RFC 6962: one leaf hash per record, n - 1 inner nodes: 2n - 1 more SHA-256 of 33 / 65 bytes.
  const leaf = Buffer.alloc(33);
  const node = Buffer.alloc(65);
  for (let i = 0; i < leaves; i++) hash('sha256', leaf, 'buffer');
  for (let i = 0; i < leaves - 1; i++) hash('sha256', node, 'buffer');
  const shaMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const header = canonicalBytes({
    type: 'coldtrail/batch-header',
    v: 1,
    device: DEVICE,
    fromSeq: 1,
    toSeq: 500,
    prev: GENESIS_HASH,
    head: GENESIS_HASH,
  });
  const sig = sign(null, header, privateKey);
  const n = bundle.batches.length;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) verify(null, header, publicKey, sig);
  const edMs = Number(process.hrtime.bigint() - t1) / 1e6;
  return { shaMs, edMs, sha: records.length + 2 * leaves - 1, sigs: n };
}

export async function runBundleVerifyBench({ runs = 5 } = {}) {
  const base = process.env.COLDTRAIL_BENCH_BUNDLE_DATA ?? join(tmpdir(), 'coldtrail-bench-bundle-4x30d');
  if (!existsSync(join(base, 'ledger-sync', 'ledger.sqlite'))) {
    mkdirSync(join(base, 'ledger-sync'), { recursive: true });
    const t = Date.now();
    const n = await build(join(base, 'ledger-sync'));
    console.log(
      `built a 30-day shipment, four probes (${n.toLocaleString('en-US')} readings) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  } else {
    console.log(`reusing the 30-day shipment in ${base} (delete it to rebuild)`);
  }
  const file = join(base, 'bundle.json');
  const t = Date.now();
  await writeProvenanceBundle(SSCC, { dataDir: base, bundle: file });
  const writeMs = Date.now() - t;
  const bytes = readFileSync(file);
  const inProcess = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = await verifyBundleBytes(bytes, file);
    inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (!result.ok)
    throw new Error(
      `bench: the bundle does not verify: ${JSON.stringify(result.checks.filter((c) => !c.ok))}`,
    );
  const cli = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, 'verify', file, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`coldtrail verify exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  }
  const c = ceiling(JSON.parse(bytes.toString('utf8')));
  const verifyMs = median(cli);
  console.log(
    `bundle: ${(statSync(file).size / 1e6).toFixed(1)} MB, ${result.readings.toLocaleString('en-US')} readings, ${c.sigs} batch signatures, written in ${writeMs} ms; ${runs} runs each (ms)`,
  );
  console.table({
    'coldtrail verify (fresh process, median)': { ms: Math.round(verifyMs) },
    'verifyBundleBytes in process (median)': { ms: Math.round(median(inProcess)) },
    [`ceiling: ${c.sha.toLocaleString('en-US')} SHA-256 (node:crypto)`]: { ms: Math.round(c.shaMs) },
    [`ceiling: ${c.sigs} Ed25519 verify (node:crypto)`]: { ms: Math.round(c.edMs) },
    'ceiling total': { ms: Math.round(c.shaMs + c.edMs) },
  });
  const ok = verifyMs < TARGET_MS;
  console.log(`target < ${TARGET_MS} ms: ${ok ? 'met' : 'NOT met'} (${Math.round(verifyMs)} ms)`);
  return { ok };
}
