import { createPrivateKey, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, makeSscc } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { privateKeyFromPem, signLowS } from './ecdsa.js';
import { openEmbeddedLedger } from './embedded-ledger.js';
import { createIdentity } from './identities.js';
import { buildSampleLedger, SAMPLE_ORG } from './sample-ledger.test-kit.js';
import { verifyLedger } from './verify-ledger.js';

// One ledger is built once; every test tampers with its own copy of the files at rest.
const _ORG = SAMPLE_ORG;
const SSCC = makeSscc(0, '3761234', 7);
let root: string;
let pristine: string;
let copy: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-verify-'));
  pristine = join(root, 'pristine');
  await buildSampleLedger(pristine, SSCC); // blocks 0..4, one transaction each
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
beforeEach(async () => {
  copy = join(root, `copy-${++n}`);
  await cp(pristine, copy, { recursive: true });
});

function sql(statement: string, ...params: unknown[]): void {
  const db = new Database(join(copy, 'ledger.sqlite'));
  db.prepare(statement).run(...params);
  db.close();
}

/** The hash of block `number` in the untouched ledger. */
function blockHashAt(number: number): string {
  const db = new Database(join(pristine, 'ledger.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT hash FROM blocks WHERE number = ?').pluck().get(number) as string;
  } finally {
    db.close();
  }
}

const anchorKey = (fromSeq: number) =>
  Buffer.from(`\u0000anchor\u0000probe-1\u0000${String(fromSeq).padStart(16, '0')}\u0000`);

describe('verifyLedger', () => {
  it('passes an untouched copy and reports its tip', async () => {
    expect(await verifyLedger(copy)).toEqual({
      ok: true,
      blocks: 5,
      transactions: 5,
      tip: { number: 4, hash: blockHashAt(4), timestamp: expect.stringMatching(/Z$/) },
      problems: [],
    });
  });

  it('checks an expected tip: reached, and the block there has the expected hash', async () => {
    const tip = { number: 4, hash: blockHashAt(4) };
    expect((await verifyLedger(copy, { expectTip: tip })).ok).toBe(true);
    // A tip seen earlier still holds once the ledger has grown past it; upper-case hex is the same hash.
    expect(
      (await verifyLedger(copy, { expectTip: { number: 2, hash: blockHashAt(2).toUpperCase() } })).ok,
    ).toBe(true);
    expect((await verifyLedger(copy, { expectTip: { hash: blockHashAt(3) } })).ok).toBe(true);
    const forked = await verifyLedger(copy, { expectTip: { number: 2, hash: blockHashAt(3) } });
    expect(forked.problems).toEqual([
      {
        block: 2,
        check: 'tip',
        message: expect.stringMatching(/^block 2 hashes to [0-9a-f]{64}, not the expected/),
      },
    ]);
    await expect(verifyLedger(copy, { expectTip: { number: -1 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
    });
    await expect(verifyLedger(copy, { expectTip: { hash: 'abc' } })).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
    });
    const ledger = await openEmbeddedLedger({ path: copy });
    try {
      expect(await ledger.verify({ expectTip: tip })).toMatchObject({ ok: true, tip });
      expect((await ledger.verify({ expectTip: { number: 5 } })).problems).toMatchObject([
        { block: 5, check: 'tip' },
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('cannot see a tail cut consistently off the end, unless given the tip recorded before', async () => {
    const original = { number: 4, hash: blockHashAt(4) };
    // Someone with SQL access drops blocks 3 and 4 (the last anchor and the completion) with their
    // transactions and history, and rebuilds the state from the remaining history.
    const db = new Database(join(copy, 'ledger.sqlite'));
    db.exec(`
      DELETE FROM transactions WHERE block_number >= 3;
      DELETE FROM history WHERE block_number >= 3;
      DELETE FROM blocks WHERE number >= 3;
      DELETE FROM state;
      INSERT INTO state (key, value, block_number, tx_index)
        SELECT key, value, block_number, tx_index FROM history h
        WHERE value IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM history later WHERE later.key = h.key
            AND (later.block_number, later.tx_index) > (h.block_number, h.tx_index));
    `);
    db.close();

    // The limit of replay: everything it checks is in the one database, so the shorter ledger is intact.
    const alone = await verifyLedger(copy);
    expect(alone).toMatchObject({ ok: true, blocks: 3, transactions: 3, tip: { number: 2 } });
    expect(alone.tip?.hash).toBe(blockHashAt(2));

    const report = await verifyLedger(copy, { expectTip: original });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        block: 4,
        check: 'tip',
        message: 'the ledger ends at block 2 but block 4 was expected: blocks were cut off its end',
      },
    ]);
    expect((await verifyLedger(copy, { expectTip: { number: 3 } })).problems[0]?.check).toBe('tip');
    expect((await verifyLedger(copy, { expectTip: { hash: original.hash } })).problems).toMatchObject([
      { block: null, check: 'tip' },
    ]);
  });

  it('detects a changed anchor root in the state and names the anchoring block', async () => {
    sql(
      `UPDATE state SET value = CAST(replace(CAST(value AS TEXT), ?, ?) AS BLOB) WHERE key = ?`,
      'd'.repeat(64),
      'e'.repeat(64),
      anchorKey(6),
    );
    const report = await verifyLedger(copy);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ block: 3, check: 'state' });
    expect(report.problems[0]?.message).toMatch(
      /state key anchor\/probe-1\/0000000000000006 differs .* block 3/,
    );
  });

  it('detects a changed transaction record', async () => {
    sql(
      `UPDATE transactions SET envelope = replace(envelope, ?, ?) WHERE block_number = 2`,
      '"count\\":5',
      '"count\\":6',
    );
    const db = new Database(join(copy, 'ledger.sqlite'), { readonly: true });
    const changed = db
      .prepare(`SELECT envelope FROM transactions WHERE block_number = 2`)
      .pluck()
      .get() as string;
    db.close();
    expect(changed).toContain('count\\":6'); // the edit really happened
    const report = await verifyLedger(copy);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ block: 2, check: 'data-hash' });
    expect(report.problems.map((p) => p.check)).toContain('tx-signature');
  });

  it('detects a flipped validation code', async () => {
    sql(`UPDATE transactions SET validation_code = 'MVCC_READ_CONFLICT' WHERE block_number = 1`);
    const report = await verifyLedger(copy);
    expect(report.problems[0]).toMatchObject({ block: 1, check: 'data-hash' });
    expect(report.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['tx-validation', 'state']));
  });

  it('detects a changed block record and names it', async () => {
    sql(`UPDATE blocks SET timestamp = '2020-01-01T00:00:00.000Z' WHERE number = 3`);
    const report = await verifyLedger(copy);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ block: 3, check: 'block-hash' });
    expect(report.problems[0]?.message).toMatch(/^block 3: its header hashes to/);
  });

  it('detects a re-hashed block by its broken signature and link', async () => {
    const { blockHash } = await import('./ledger-records.js');
    const db = new Database(join(copy, 'ledger.sqlite'));
    const b = db.prepare('SELECT * FROM blocks WHERE number = 2').get() as {
      prev_hash: string;
      data_hash: string;
    };
    const header = {
      number: 2,
      prevHash: b.prev_hash,
      dataHash: b.data_hash,
      timestamp: '2020-01-01T00:00:00.000Z',
    };
    db.prepare('UPDATE blocks SET timestamp = ?, hash = ? WHERE number = 2').run(
      header.timestamp,
      blockHash(header),
    );
    db.close();
    const report = await verifyLedger(copy);
    expect(report.problems.map((p) => [p.block, p.check])).toEqual([
      [2, 'block-signature'],
      [3, 'block-link'],
    ]);
  });

  it('detects a removed block and a removed state row', async () => {
    sql('DELETE FROM blocks WHERE number = 1');
    const report = await verifyLedger(copy);
    expect(report.problems[0]).toMatchObject({ block: 1, check: 'tx-record' });
    expect(report.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['block-sequence']));

    await rm(copy, { recursive: true });
    await cp(pristine, copy, { recursive: true });
    sql('DELETE FROM state WHERE key = ?', anchorKey(1));
    expect((await verifyLedger(copy)).problems[0]).toMatchObject({ block: 2, check: 'state' });
  });

  it('reports a missing or foreign node certificate', async () => {
    await writeFile(join(copy, 'ledger-keys', 'node', 'cert.pem'), 'garbage');
    const report = await verifyLedger(copy);
    expect(report.problems[0]).toMatchObject({ block: null, check: 'node-identity' });
  });

  it('calls a missing, empty or emptied ledger "not a ledger" (CORRUPTED), never intact', async () => {
    await expect(verifyLedger(join(root, 'nothing-here'))).rejects.toMatchObject({
      code: ErrorCode.Corrupted,
      message: expect.stringMatching(/no ledger at .*: it is missing/),
    });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'ledger.sqlite'), '');
    await expect(verifyLedger(empty)).rejects.toMatchObject({
      code: ErrorCode.Corrupted,
      message: expect.stringMatching(
        /is not a coldtrail ledger \(no blocks, history, state, transactions tables\)/,
      ),
    });
    const emptied = join(root, 'emptied');
    cpSync(copy, emptied, { recursive: true });
    const db = new Database(join(emptied, 'ledger.sqlite'));
    db.exec('DELETE FROM blocks; DELETE FROM transactions; DELETE FROM history; DELETE FROM state;');
    db.close();
    expect(await verifyLedger(emptied)).toMatchObject({
      ok: false,
      blocks: 0,
      tip: null,
      problems: [{ message: expect.stringMatching(/holds no blocks: it is not a ledger/) }],
    });
  });

  describe('creator identity, history and state versions', () => {
    const dbFile = () => join(copy, 'ledger.sqlite');

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
      const nodeKey = privateKeyFromPem(await readFile(join(copy, 'ledger-keys', 'node', 'key.pem'), 'utf8'));
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
        return verifyLedgerDb(db, await readFile(join(copy, 'ledger-keys', 'node', 'cert.pem'), 'utf8'));
      } finally {
        db.close();
      }
    }

    it('detects a transaction re-signed by a fresh certificate claiming the same MSP', async () => {
      const forger = await createIdentity(`CN=client@${SAMPLE_ORG}, O=${SAMPLE_ORG}, OU=client`);
      await forge(2, forger);
      // Every signature, hash and link holds: only the org's certificate tells the forgery apart.
      expect((await verifyWithoutOrgs()).ok).toBe(true);
      const report = await verifyLedger(copy);
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
      const ledger = await openEmbeddedLedger({ path: copy });
      try {
        expect((await ledger.verify()).problems.map((p) => p.check)).toEqual(['creator-identity']);
      } finally {
        await ledger.close();
      }
      const { openLedgerReader } = await import('./ledger-reader.js');
      const reader = await openLedgerReader(copy);
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
      expect((await verifyLedger(copy)).problems).toMatchObject([
        { block: 3, check: 'creator-identity', message: expect.stringMatching(/org StrangerMSP is unknown/) },
      ]);
      // An org whose certificate is gone is unknown too: every one of its transactions is reported.
      await rm(join(copy, 'ledger-keys', 'msp', SAMPLE_ORG, 'cert.pem'));
      const checks = (await verifyLedger(copy)).problems.map((p) => p.check);
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
        new X509Certificate(user.certificate).verify(
          new X509Certificate(orgCa.cert.toString('pem')).publicKey,
        ),
      ).toBe(true);
      mkdirSync(join(copy, 'ledger-keys', 'msp', SAMPLE_ORG, 'cacerts'));
      writeFileSync(
        join(copy, 'ledger-keys', 'msp', SAMPLE_ORG, 'cacerts', 'ca.pem'),
        orgCa.cert.toString('pem'),
      );
      await forge(1, user);
      expect(await verifyLedger(copy)).toMatchObject({ ok: true, problems: [] });

      // The same subject and issuer name, from a CA the org does not hold: refused.
      const rogue = await leaf(await ca(`CN=ca.${SAMPLE_ORG}, O=${SAMPLE_ORG}`));
      await forge(2, rogue);
      expect((await verifyLedger(copy)).problems).toMatchObject([{ block: 2, check: 'creator-identity' }]);
    });

    it('detects a changed history value and a changed history transaction id', async () => {
      sql(
        `UPDATE history SET value = CAST(replace(CAST(value AS TEXT), ?, ?) AS BLOB) WHERE key = ?`,
        'd'.repeat(64),
        'e'.repeat(64),
        anchorKey(6),
      );
      expect((await verifyLedger(copy)).problems).toMatchObject([
        {
          block: 3,
          check: 'history',
          message: expect.stringMatching(/history of key anchor\/probe-1\/0000000000000006/),
        },
      ]);

      await rm(copy, { recursive: true });
      await cp(pristine, copy, { recursive: true });
      sql(`UPDATE history SET tx_id = ? WHERE key = ?`, 'f'.repeat(64), anchorKey(1));
      expect((await verifyLedger(copy)).problems).toMatchObject([{ block: 2, check: 'history' }]);
    });

    it('detects a changed state version', async () => {
      sql(`UPDATE state SET block_number = 1 WHERE key = ?`, anchorKey(6));
      const report = await verifyLedger(copy);
      expect(report.problems).toMatchObject([
        {
          block: 1,
          check: 'state',
          message: expect.stringMatching(/has version 1\.0, but the ledger last wrote it in block 3/),
        },
      ]);
    });
  });
});
