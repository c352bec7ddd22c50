import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DispositionStep, type SignerEntry, silentLog } from '@coldtrail/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { Exit } from '../exit-codes.js';
import { withLocalOps } from '../operator/local-ops.js';
import { signerFilePath } from '../operator/signer-file.js';
import { startServer } from '../server/server.js';
import { checkSignature } from './disposition-show.js';
import { inProcessCli } from './in-process-cli.test-kit.js';

const ORG = 'PharmaMSP';
const PASSWORD = 'correct horse battery';

const kit = inProcessCli('coldtrail-disposition-');
let dir: string;
beforeEach(() => {
  dir = kit.dir();
});

/** A data dir whose only org has a device and a shipment in transit. */
async function shipment(): Promise<string> {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const publicKey = Buffer.from(jwk.x as string, 'base64url').toString('hex');
  return withLocalOps(dir, ORG, async (ops) => {
    await ops.enroll({ org: ORG, device: 'probe-1', publicKey });
    return (await ops.createShipment({ device: 'probe-1' })).sscc;
  });
}

const cli = kit.cli;

async function addSigner(): Promise<SignerEntry> {
  const r = await cli(
    ['signer', 'add', 'jroe', '--full-name', 'Dr. Jane Roe', '--password-stdin', '--json'],
    `${PASSWORD}\n`,
  );
  expect(r.code, r.stderr).toBe(Exit.Ok);
  return JSON.parse(r.stdout);
}

async function trail(sscc: string) {
  const r = await cli(['disposition', 'show', sscc, '--json']);
  return { ...r, view: r.code === Exit.Ok ? JSON.parse(r.stdout) : undefined };
}

const release = (sscc: string, password: string, ...more: string[]) =>
  cli(
    [
      'disposition',
      'release',
      sscc,
      '--signer',
      'jroe',
      '--reason',
      'excursion reviewed, MKT within limits',
      '--password-stdin',
      ...more,
    ],
    `${password}\n`,
  );

describe('coldtrail signer and disposition (no server)', () => {
  it('quarantine, then a release signed after re-authentication; show lists the trail with the signature verified', async () => {
    const sscc = await shipment();
    const signer = await addSigner();
    expect(signer).toMatchObject({ org: ORG, name: 'jroe', fullName: 'Dr. Jane Roe' });
    const listed = await cli(['signer', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: 'jroe', publicKey: signer.publicKey, locked: false }),
    ]);

    const q = await cli(['disposition', 'quarantine', `(00)${sscc}`, '--reason', 'probe alarm at the hub']);
    expect(q.code, q.stderr).toBe(Exit.Ok);
    expect(q.stdout).toMatch(
      /^step 1: quarantine -> quarantined \(CBV non_sellable_other\) by coldtrail cli/,
    );

    const r = await release(sscc, PASSWORD, '--json');
    expect(r.code, r.stderr).toBe(Exit.Ok);
    const step = JSON.parse(r.stdout) as DispositionStep;
    expect(step).toMatchObject({
      seq: 2,
      action: 'release',
      cbvDisposition: 'conformant',
      signer: 'jroe',
      signature: {
        fullName: 'Dr. Jane Roe',
        org: ORG,
        meaning: 'released: approved for distribution after excursion review',
        publicKey: signer.publicKey,
      },
    });

    const shown = await trail(sscc);
    expect(shown.code, shown.stderr).toBe(Exit.Ok);
    expect(shown.view).toMatchObject({
      subject: { sscc },
      disposition: 'released',
      cbvDisposition: 'conformant',
      cbvDispositionUri: 'https://ref.gs1.org/cbv/Disp-conformant',
      signaturesVerified: true,
    });
    expect(
      shown.view.trail.map((t: { signatureCheck: { status: string } }) => t.signatureCheck.status),
    ).toEqual(['unsigned', 'verified']);
    const text = await cli(['disposition', 'show', sscc]);
    expect(text.stdout).toContain(`SSCC ${sscc}: released (CBV conformant)`);
    expect(text.stdout).toMatch(
      /signed: Dr\. Jane Roe \(jroe\) at \S+, meaning "released: approved for distribution after excursion review": signature verified/,
    );
  });

  it('a wrong password writes nothing to the ledger and is counted; a release without a signer is refused', async () => {
    const sscc = await shipment();
    await addSigner();
    await cli(['disposition', 'quarantine', sscc, '--reason', 'alarm']);

    const wrong = await release(sscc, 'not the password');
    expect(wrong.code).toBe(Exit.Usage);
    expect(wrong.stderr).toContain(
      'wrong password for signer jroe: nothing was signed or recorded (attempt 1 of 5)',
    );
    expect(wrong.stderr).not.toContain('    at ');
    expect(JSON.parse(readFileSync(signerFilePath(dir, 'jroe'), 'utf8')).failedAttempts).toBe(1);

    const unsigned = await cli(['disposition', 'release', sscc, '--reason', 'looks fine']);
    expect(unsigned.code).toBe(Exit.Usage);
    expect(unsigned.stderr).toContain('a release is an electronic signature and needs --signer NAME');

    const noReason = await cli(
      ['disposition', 'reject', sscc, '--signer', 'jroe', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(noReason.code).toBe(Exit.Usage); // commander: --reason is required

    const shown = await trail(sscc);
    expect(shown.view.disposition).toBe('quarantined');
    expect(shown.view.trail).toHaveLength(1);

    const rejected = await cli(
      [
        'disposition',
        'reject',
        sscc,
        '--signer',
        'jroe',
        '--reason',
        'above 8 °C for 14 h',
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    );
    expect(rejected.code, rejected.stderr).toBe(Exit.Ok);
    expect(rejected.stdout).toContain('reject -> rejected (CBV non_conformant) signed by Dr. Jane Roe');
  });

  it('show checks each signature again: an edited step fails', async () => {
    const sscc = await shipment();
    const signer = await addSigner();
    await cli(['disposition', 'quarantine', sscc, '--reason', 'alarm']);
    const step = JSON.parse((await release(sscc, PASSWORD, '--json')).stdout) as DispositionStep;
    const registered = { ...signer } as SignerEntry;
    expect(checkSignature(step, registered).status).toBe('verified');
    expect(checkSignature({ ...step, reason: 'no review' }, registered)).toEqual({
      status: 'failed',
      why: 'the Ed25519 signature does not verify over the step',
    });
    expect(checkSignature(step, null).status).toBe('failed');
    expect(checkSignature(step, { ...registered, publicKey: 'ab'.repeat(32) }).status).toBe('failed');
  });

  it('a subject with no disposition is not found', async () => {
    const sscc = await shipment();
    const r = await cli(['disposition', 'show', sscc]);
    expect(r.code).toBe(Exit.NotFound);
    expect(r.stderr).toContain('has no disposition');
  });
});

describe('coldtrail signer and disposition through a running server', () => {
  it('registers the signer and records the signed release through the admin socket', async () => {
    const sscc = await shipment();
    const server = await startServer({ dataDir: dir, org: ORG }, () => silentLog);
    try {
      await addSigner();
      expect((await cli(['disposition', 'quarantine', sscc, '--reason', 'alarm'])).code).toBe(Exit.Ok);
      const r = await release(sscc, PASSWORD);
      expect(r.code, r.stderr).toBe(Exit.Ok);
      const shown = await trail(sscc);
      expect(shown.view).toMatchObject({ disposition: 'released', signaturesVerified: true });
    } finally {
      await server.close();
    }
  });
});
