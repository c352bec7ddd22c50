import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  GENESIS_HASH,
  hashRecord,
  makeRecord,
  makeSscc,
  type ReadingRecord,
  type SignerEntry,
  type StabilityBudgetDefinition,
  type StabilityBudgetStatus,
  silentLog,
  systemClock,
} from '@coldtrail/core';
import { start as startLedgerSync } from '@coldtrail/ledger-sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchOf, PROFILE, payload, testDevice } from '../../../ledger-sync/src/fixtures.test-kit.js';
import { ledgerSyncDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';
import { signerFilePath } from '../operator/signer-file.js';
import { startServer } from '../server/server.js';
import { inProcessCli } from './in-process-cli.test-kit.js';
import { checkBudgetSignature } from './stability-show.js';

const ORG = 'PharmaMSP';
const PASSWORD = 'correct horse battery';
const GTIN = '00614141107346';
const LOT = 'L2026-11C';
const SSCC = makeSscc(0, '0614141', 77);
const MIN = 60_000;

const kit = inProcessCli('coldtrail-stability-');
let dir: string;
beforeEach(() => {
  dir = kit.dir();
});

/** Every file under `root` with the SHA-256 of its bytes. */
function hashTree(root: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else tree[relative(root, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return tree;
}

const cli = kit.cli;

// A 30-minute lane sampled each minute: 5 °C, then minutes 10-19 at 12 °C (inside the 8-25 °C band).
const tempAt = (m: number) => (m >= 10 && m < 20 ? 12 : 5);

/**
 * A data dir of ORG whose shipment SSCC carries lot LOT of GTIN and has 30 minutes of signed readings stored,
 * still in transit. Set up an hour ago (ledger times before the readings'), so the CLI's later transactions,
 * at the real time, follow on.
 */
async function shipmentInTransit(): Promise<void> {
  const base = Date.now() - 60 * MIN;
  let now = base;
  const clock = { now: () => now, sleep: systemClock.sleep };
  const ls = await startLedgerSync(
    { dataDir: ledgerSyncDir(dir), org: ORG, resumeAnchoring: false, liveExcursions: false },
    { log: silentLog, clock },
  );
  try {
    const device = testDevice('probe-1');
    await ls.registerDevice({ id: device.id, publicKey: device.publicKey });
    await ls.createShipment({
      sscc: SSCC,
      device: device.id,
      origin: 'urn:epc:id:sgln:0614141.00001.0',
      destination: 'urn:epc:id:sgln:0614141.00002.0',
      product: 'Vaccine X',
      profile: PROFILE,
      contents: [{ gtin: GTIN, lot: LOT, expiry: '2027-06-30', quantity: 40 }],
    });
    const records: ReadingRecord[] = [];
    let prev = GENESIS_HASH;
    for (let m = 0; m < 30; m++) {
      const r = makeRecord(
        device.id,
        m + 1,
        base + MIN + m * MIN,
        { sensor: 'probe-1', kind: 'temperature', value: tempAt(m), unit: 'CEL' },
        prev,
      );
      prev = hashRecord(r);
      records.push(r);
    }
    now = base + 32 * MIN;
    await ls.ingest.ingest(ORG, device.id, payload(await batchOf(records, device.signer)));
  } finally {
    await ls.close();
  }
}

async function addSigner(): Promise<SignerEntry> {
  const r = await cli(
    ['signer', 'add', 'jroe', '--full-name', 'Dr. Jane Roe', '--password-stdin', '--json'],
    `${PASSWORD}\n`,
  );
  expect(r.code, r.stderr).toBe(Exit.Ok);
  return JSON.parse(r.stdout);
}

/** `stability define` of GTIN's 8-25 °C band allowing `allowed`, signed by jroe with `password` on stdin. */
const defineAllowed = (allowed: string, password: string, ...more: string[]) =>
  cli(
    [
      'stability',
      'define',
      '--gtin',
      GTIN,
      '--lower',
      '8',
      '--upper',
      '25',
      '--allowed',
      allowed,
      '--signer',
      'jroe',
      '--password-stdin',
      ...more,
    ],
    `${password}\n`,
  );
const define = (password: string, ...more: string[]) => defineAllowed('2h', password, ...more);

async function show(...args: string[]) {
  const r = await cli(['stability', 'show', ...args, '--json']);
  expect(r.code, r.stderr).toBe(Exit.Ok);
  return JSON.parse(r.stdout) as StabilityBudgetStatus;
}

describe('coldtrail stability define|show (no server)', () => {
  it('a signed budget, a completed shipment, and show gives consumed and remaining for the lot inside', async () => {
    await shipmentInTransit();
    const signer = await addSigner();

    const d = await define(PASSWORD, '--json');
    expect(d.code, d.stderr).toBe(Exit.Ok);
    const entry = JSON.parse(d.stdout) as StabilityBudgetDefinition;
    expect(entry).toMatchObject({
      gtin: GTIN,
      version: 1,
      lowerC: 8,
      upperC: 25,
      allowedMinutes: 120,
      signer: 'jroe',
      definedBy: { msp: ORG },
      signature: {
        fullName: 'Dr. Jane Roe',
        org: ORG,
        meaning: 'Approved: stability budget',
        publicKey: signer.publicKey,
      },
    });
    expect(checkBudgetSignature(entry, signer)).toEqual({ status: 'verified' });
    expect(checkBudgetSignature({ ...entry, allowedMinutes: 600 }, signer)).toEqual({
      status: 'failed',
      why: 'the Ed25519 signature does not verify over the budget',
    });
    expect(checkBudgetSignature(entry, null).status).toBe('failed');

    const before = await show(`(01)${GTIN}(10)${LOT}`);
    expect(before).toMatchObject({ allowedMinutes: 120, consumedMinutes: 0, remainingMinutes: 120 });

    const done = await cli(['shipment', 'complete', SSCC, '--reason', 'arrived']);
    expect(done.code, done.stderr).toBe(Exit.Ok);

    const lot = await show(GTIN, '--lot', LOT);
    expect(lot).toMatchObject({
      subject: { gtin: GTIN, lot: LOT },
      budget: { version: 1, signer: 'jroe' },
      allowedMinutes: 120,
      consumedMinutes: 10,
      remainingMinutes: 110,
      exceeded: false,
      consumptions: 1,
    });
    expect(lot.parts).toEqual([
      expect.objectContaining({
        origin: 'inherited',
        via: [SSCC],
        source: { type: 'shipment', id: SSCC },
        minutes: 10,
        counted: true,
      }),
    ]);
    const pallet = await show(`(00)${SSCC}`, '--gtin', GTIN);
    expect(pallet).toMatchObject({
      consumedMinutes: 10,
      parts: [expect.objectContaining({ origin: 'own' })],
    });

    const text = await cli(['stability', 'show', `(01)${GTIN}(10)${LOT}`]);
    expect(text.code, text.stderr).toBe(Exit.Ok);
    expect(text.stdout).toContain(`lot ${LOT} of GTIN ${GTIN}`);
    expect(text.stdout).toMatch(
      /allowed +120 min between 8 and 25 °C \(v1, defined by PharmaMSP at \S+, signed by Dr\. Jane Roe \(jroe, PharmaMSP\) at \S+: signature verified\)/,
    );
    expect(text.stdout).toMatch(/consumed +10 min \(1 counted\)/);
    expect(text.stdout).toMatch(/remaining +110 min/);
    expect(text.stdout).toMatch(new RegExp(`inherited via ${SSCC} +shipment ${SSCC} +10 min +counted`));
  });

  it('show writes nothing to the data dir', async () => {
    await shipmentInTransit();
    await addSigner();
    expect((await define(PASSWORD)).code).toBe(Exit.Ok);
    const before = hashTree(dir);
    await show(`(01)${GTIN}(10)${LOT}`);
    expect((await cli(['stability', 'show', `(00)${SSCC}`, '--gtin', GTIN])).code).toBe(Exit.Ok);
    expect(hashTree(dir)).toEqual(before);
  });

  it('a wrong password writes nothing to the ledger and is counted', async () => {
    await shipmentInTransit();
    await addSigner();
    const ledger = hashTree(ledgerSyncDir(dir));
    const wrong = await define('not the password');
    expect(wrong.code).toBe(Exit.Usage);
    expect(wrong.stderr).toContain(
      'wrong password for signer jroe: nothing was signed or recorded (attempt 1 of 5)',
    );
    expect(wrong.stderr).not.toContain('    at ');
    expect(hashTree(ledgerSyncDir(dir))).toEqual(ledger);
    expect(JSON.parse(readFileSync(signerFilePath(dir, 'jroe'), 'utf8')).failedAttempts).toBe(1);
    expect(await show(`(01)${GTIN}(10)${LOT}`)).toMatchObject({ budget: null, allowedMinutes: null });
  });

  it.each([
    [['--gtin', '00614141107347'], /--gtin: .*check digit/],
    [['--lower', '25', '--upper', '8'], /--lower 25 must be below --upper 8/],
    [['--lower', '8', '--upper', '8'], /--lower 8 must be below --upper 8/],
    [['--lower', 'cold'], /--lower "cold" is not a temperature/],
    [['--allowed', '5 weeks'], /--allowed "5 weeks" is not a duration/],
    [['--allowed', '-3h'], /--allowed "-3h" is not a duration/],
  ])('refuses %j as a usage error before asking for a password', async (change, message) => {
    const args: Record<string, string> = {
      '--gtin': GTIN,
      '--lower': '8',
      '--upper': '25',
      '--allowed': '5d',
    };
    for (let i = 0; i < change.length; i += 2) args[change[i] as string] = change[i + 1] as string;
    const r = await cli(['stability', 'define', ...Object.entries(args).flat(), '--signer', 'jroe']);
    expect(r.code).toBe(Exit.Usage);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('    at ');
  });

  it('parses 120h, 90m, 5d and bare minutes; an SSCC needs --gtin', async () => {
    await shipmentInTransit();
    await addSigner();
    for (const [allowed, minutes] of [
      ['90m', 90],
      ['5d', 7200],
      ['7201', 7201],
      ['120h', 7200],
    ] as const) {
      const r = await defineAllowed(allowed, PASSWORD, '--json');
      expect(r.code, r.stderr).toBe(Exit.Ok);
      expect(JSON.parse(r.stdout).allowedMinutes).toBe(minutes);
    }
    const noGtin = await cli(['stability', 'show', SSCC]);
    expect(noGtin.code).toBe(Exit.Usage);
    expect(noGtin.stderr).toContain('name the one whose budget to show with --gtin GTIN');
  });
});

describe('coldtrail stability define through a running server', () => {
  it('records the signed budget through the admin socket', async () => {
    await shipmentInTransit();
    const server = await startServer({ dataDir: dir, org: ORG }, () => silentLog);
    try {
      await addSigner();
      const r = await define(PASSWORD);
      expect(r.code, r.stderr).toBe(Exit.Ok);
      expect(r.stdout).toMatch(
        new RegExp(
          `^stability budget v1 of GTIN ${GTIN}: 120 min between 8 and 25 °C, signed by Dr\\. Jane Roe \\(jroe, PharmaMSP\\)`,
        ),
      );
      expect(await show(`(01)${GTIN}(10)${LOT}`)).toMatchObject({
        allowedMinutes: 120,
        budget: { signer: 'jroe' },
      });
    } finally {
      await server.close();
    }
  });
});
