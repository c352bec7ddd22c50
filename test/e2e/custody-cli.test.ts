import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashTree } from './data-dir-kit.js';
import { json, runCli } from './run-cli.js';
import { type ServerProcess, startServerProcess } from './server-kit.js';

/**
 * `coldtrail custody ...` as a user runs it, as separate processes: the offer goes through the admin socket of
 * a running `server start` (which holds the data dir), the receiver answers once it is stopped, and `show`
 * reads without changing a byte.
 */
const DOCK = 'urn:epc:id:sgln:7612345.00010.0';

let dir: string;
let server: ServerProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldtrail-custody-e2e-'));
});
afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('coldtrail custody (built CLI)', () => {
  it('offers through the running server, is accepted by the receiver after it stops; show reads only', async () => {
    const data = join(dir, 'srv');
    server = await startServerProcess(['--data-dir', data, '--org', 'CarrierMSP']);
    const pem = join(dir, 'public-key.pem');
    writeFileSync(pem, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    const on = ['--data-dir', data];
    const enrolled = await runCli([
      'device',
      'enroll',
      ...on,
      '--org',
      'CarrierMSP',
      '--device',
      'p1',
      '--public-key',
      pem,
    ]);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const created = await runCli(['shipment', 'create', ...on, '--device', 'p1', '--json']);
    const sscc = json<{ shipment: string }>(created).shipment;

    const offered = await runCli([
      'custody',
      'offer',
      sscc,
      ...on,
      '--to',
      'PharmacyMSP',
      '--location',
      DOCK,
    ]);
    expect(offered.code, offered.stderr).toBe(0);
    expect(offered.stdout).toBe(`offered ${sscc} to PharmacyMSP at ${DOCK} (as CarrierMSP)\n`);
    const refused = await runCli([
      'custody',
      'accept',
      sscc,
      ...on,
      '--org',
      'PharmacyMSP',
      '--location',
      DOCK,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stop the server');
    const during = json<{ openOffer: { to: string } }>(
      await runCli(['custody', 'show', sscc, ...on, '--json']),
    );
    expect(during.openOffer.to).toBe('PharmacyMSP');

    expect((await server.stop('SIGTERM')).code).toBe(0);
    server = undefined;
    const own = await runCli(['custody', 'accept', sscc, ...on, '--org', 'CarrierMSP', '--location', DOCK]);
    expect(own.code).toBe(2); // FORBIDDEN: the contract's message, one line, no stack
    expect(own.stderr).toBe(
      `coldtrail: ledger refused AcceptCustody: the open offer of shipment ${sscc} names PharmacyMSP; only PharmacyMSP may accept it\n`,
    );
    const accepted = await runCli([
      'custody',
      'accept',
      sscc,
      ...on,
      '--org',
      'PharmacyMSP',
      '--location',
      DOCK,
    ]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('custodian now PharmacyMSP');

    const before = hashTree(data);
    const shown = await runCli(['custody', 'show', sscc, ...on]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`shipment ${sscc}: custodian PharmacyMSP`);
    expect(shown.stdout).toContain('open offer: none');
    expect(hashTree(data)).toEqual(before);
  });
});
