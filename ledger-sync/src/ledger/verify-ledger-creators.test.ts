// The creator identity of each transaction: a forger who holds the node's key (it sits in the data dir) but
// not an org's is caught only by the org's certificate or CA under ledger-keys/msp/.
import { createPrivateKey, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { privateKeyFromPem, signLowS } from './ecdsa.js';
import { openEmbeddedLedger } from './embedded-ledger.js';
import { createIdentity } from './identities.js';
import { SAMPLE_ORG } from './sample-ledger.test-kit.js';
import { sampleLedgerCopies } from './sample-ledger-copies.test-kit.js';
import { verifyLedger } from './verify-ledger.js';

const t = sampleLedgerCopies();

describe('verifyLedger: creator identity', () => {
  const dbFile = () => join(t.copy, 'ledger.sqlite');

  /**
   * A forger who holds the node's key (it sits in the data dir) but not the org's: the transaction of block
   * `number` is re-signed by `signer` claiming `mspid`, its id recomputed (and renamed in the history), and
   * every block from there on re-hashed, re-linked and re-signed by the node. Replay alone sees nothing.
   */
  async function forge(
    number: number,
    signer: { certificate: string; privateKey: KeyObject },
    mspid = SAMPLE_ORG,
  ): Promise<void> {
    const { blockHash, computeTxId, dataHash, headerBytes } = await import('./ledger-records.js');
    const { canonicalJson } = await import('@coldtrail/core');
    const { readFile } = await import('node:fs/promises');
    const nodeKey = privateKeyFromPem(await readFile(join(t.copy, 'ledger-keys', 'node', 'key.pem'), 'utf8'));
    const db = new Database(dbFile());
    try {
      const tx = db.prepare('SELECT * FROM transactions WHERE block_number = ?').get(number) as {
        tx_id: string;
        envelope: string;
      };
      const { payload } = JSON.parse(tx.envelope);
      payload.creator = { mspid, certificate: signer.certificate };
      payload.txId = computeTxId(payload.nonce, payload.creator);
      const envelope = canonicalJson({
        payload,
        signature: signLowS(signer.privateKey, canonicalJson(payload)),
      });
      db.prepare('UPDATE transactions SET tx_id = ?, envelope = ? WHERE tx_id = ?').run(
        payload.txId,
        envelope,
        tx.tx_id,
      );
      db.prepare('UPDATE history SET tx_id = ? WHERE tx_id = ?').run(payload.txId, tx.tx_id);
      const blocks = db.prepare('SELECT * FROM blocks ORDER BY number').all() as {
        number: number;
        prev_hash: string;
        timestamp: string;
      }[];
      let prevHash = blocks[number - 1]
        ? (db
            .prepare('SELECT hash FROM blocks WHERE number = ?')
            .pluck()
            .get(number - 1) as string)
        : '0'.repeat(64);
      for (const b of blocks.filter((x) => x.number >= number)) {
        const entries = (
          db
            .prepare(
              'SELECT envelope, validation_code FROM transactions WHERE block_number = ? ORDER BY tx_index',
            )
            .all(b.number) as { envelope: string; validation_code: string }[]
        ).map((t) => ({ envelope: t.envelope, validationCode: t.validation_code }));
        const header = { number: b.number, prevHash, dataHash: dataHash(entries), timestamp: b.timestamp };
        const hash = blockHash(header);
        db.prepare(
          'UPDATE blocks SET prev_hash = ?, data_hash = ?, hash = ?, signature = ? WHERE number = ?',
        ).run(header.prevHash, header.dataHash, hash, signLowS(nodeKey, headerBytes(header)), b.number);
        prevHash = hash;
      }
    } finally {
      db.close();
    }
  }

  /** The same ledger judged without the org certificates: the check the creator identity adds. */
  async function verifyWithoutOrgs() {
    const { verifyLedgerDb } = await import('./verify-ledger.js');
    const { readFile } = await import('node:fs/promises');
    const db = new Database(dbFile(), { readonly: true });
    try {
      return verifyLedgerDb(db, await readFile(join(t.copy, 'ledger-keys', 'node', 'cert.pem'), 'utf8'));
    } finally {
      db.close();
    }
  }

  it('detects a transaction re-signed by a fresh certificate claiming the same MSP', async () => {
    const forger = await createIdentity(`CN=client@${SAMPLE_ORG}, O=${SAMPLE_ORG}, OU=client`);
    await forge(2, forger);
    // Every signature, hash and link holds: only the org's certificate tells the forgery apart.
    expect((await verifyWithoutOrgs()).ok).toBe(true);
    const report = await verifyLedger(t.copy);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        block: 2,
        txId: expect.stringMatching(/^[0-9a-f]{64}$/),
        check: 'creator-identity',
        message: expect.stringMatching(
          /^transaction [0-9a-f]{64} in block 2: its creator certificate \(CN=client@ColdtrailOrgMSP.*\) is not the certificate of org ColdtrailOrgMSP, nor issued by its CA$/,
        ),
      },
    ]);
    // The embedded ledger's own verify and a reader's say the same.
    const ledger = await openEmbeddedLedger({ path: t.copy });
    try {
      expect((await ledger.verify()).problems.map((p) => p.check)).toEqual(['creator-identity']);
    } finally {
      await ledger.close();
    }
    const { openLedgerReader } = await import('./ledger-reader.js');
    const reader = await openLedgerReader(t.copy);
    try {
      expect((await reader.verify()).problems.map((p) => p.check)).toEqual(['creator-identity']);
      // The provenance check (evidence of one snapshot) asks the org too.
      const evidence = await reader.snapshot((session) => session.verifyEvidence());
      expect(evidence.problems.map((p) => p.check)).toEqual(['creator-identity']);
    } finally {
      await reader.close();
    }
  });

  it('detects a creator of an org the ledger does not know', async () => {
    const stranger = await createIdentity('CN=client@StrangerMSP, O=StrangerMSP, OU=client');
    await forge(3, stranger, 'StrangerMSP');
    expect((await verifyWithoutOrgs()).ok).toBe(true);
    expect((await verifyLedger(t.copy)).problems).toMatchObject([
      { block: 3, check: 'creator-identity', message: expect.stringMatching(/org StrangerMSP is unknown/) },
    ]);
    // An org whose certificate is gone is unknown too: every one of its transactions is reported.
    await rm(join(t.copy, 'ledger-keys', 'msp', SAMPLE_ORG, 'cert.pem'));
    const checks = (await verifyLedger(t.copy)).problems.map((p) => p.check);
    expect(checks).toEqual(Array(5).fill('creator-identity'));
  });

  it('accepts a creator issued by the org CA (a Fabric-style MSP) and refuses one of another CA', async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const crypto = webcrypto as unknown as Parameters<
      typeof x509.X509CertificateGenerator.createSelfSigned
    >[1];
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const gen = async () =>
      (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const ca = async (name: string) => {
      const keys = await gen();
      const cert = await x509.X509CertificateGenerator.createSelfSigned(
        {
          serialNumber: '01',
          name,
          notBefore: new Date(Date.now() - 86_400_000),
          notAfter: new Date(Date.now() + 86_400_000),
          signingAlgorithm: alg,
          keys,
          extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
        },
        crypto,
      );
      return { keys, cert };
    };
    const leaf = async (issuer: Awaited<ReturnType<typeof ca>>) => {
      const keys = await gen();
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber: '02',
          subject: `CN=user1@${SAMPLE_ORG}, O=${SAMPLE_ORG}, OU=client`,
          issuer: issuer.cert.subject,
          notBefore: new Date(Date.now() - 86_400_000),
          notAfter: new Date(Date.now() + 86_400_000),
          signingAlgorithm: alg,
          publicKey: keys.publicKey,
          signingKey: issuer.keys.privateKey,
          extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
        },
        crypto,
      );
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
      return {
        certificate: cert.toString('pem'),
        privateKey: createPrivateKey({
          key: pkcs8,
          format: 'der',
          type: 'pkcs8',
        }),
      };
    };
    const orgCa = await ca(`CN=ca.${SAMPLE_ORG}, O=${SAMPLE_ORG}`);
    const user = await leaf(orgCa);
    expect(
      new X509Certificate(user.certificate).verify(new X509Certificate(orgCa.cert.toString('pem')).publicKey),
    ).toBe(true);
    mkdirSync(join(t.copy, 'ledger-keys', 'msp', SAMPLE_ORG, 'cacerts'));
    writeFileSync(
      join(t.copy, 'ledger-keys', 'msp', SAMPLE_ORG, 'cacerts', 'ca.pem'),
      orgCa.cert.toString('pem'),
    );
    await forge(1, user);
    expect(await verifyLedger(t.copy)).toMatchObject({ ok: true, problems: [] });

    // The same subject and issuer name, from a CA the org does not hold: refused.
    const rogue = await leaf(await ca(`CN=ca.${SAMPLE_ORG}, O=${SAMPLE_ORG}`));
    await forge(2, rogue);
    expect((await verifyLedger(t.copy)).problems).toMatchObject([{ block: 2, check: 'creator-identity' }]);
  });
});
