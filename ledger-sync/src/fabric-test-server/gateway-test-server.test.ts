import { execFile } from 'node:child_process';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, makeSscc } from '@coldtrail/core';
import * as grpc from '@grpc/grpc-js';
import { type ChaincodeEvent, checkpointers, connect, EndorseError, hash } from '@hyperledger/fabric-gateway';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { p1363HexToDer } from '../ledger/ecdsa-der.js';
import { verifyLedger } from '../ledger/verify-ledger.js';
import { connectClient } from './gateway-client.test-kit.js';
import { type GatewayTestServer, startGatewayTestServer } from './gateway-test-server.test-kit.js';

const ORG = 'Org1MSP';
const KEY = 'ab'.repeat(32);
const SSCC = makeSscc(0, '3761234', 7);
const shipment = {
  sscc: SSCC,
  device: 'probe-9',
  origin: 'Basel DC',
  destination: 'Zurich pharmacy',
  product: 'Vaccine X',
  profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  fromSeq: 1,
};
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

let dir: string;
let server: GatewayTestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-gateway-'));
  server = await startGatewayTestServer({ dir: join(dir, 'ledger'), orgs: [ORG, 'Org2MSP'] });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Gateway test server with the unmodified fabric-gateway client', () => {
  it('submits, evaluates and streams chaincode events end to end', async () => {
    const c = connectClient(server, await server.identity(ORG));
    try {
      const device = JSON.parse(utf8(await c.contract.submitTransaction('RegisterDevice', 'probe-9', KEY)));
      expect(device).toMatchObject({ id: 'probe-9', org: ORG }); // ClientIdentity saw the signed creator
      await c.contract.submitTransaction('CreateShipment', canonicalJson(shipment));
      const anchor = { device: 'probe-9', fromSeq: 1, toSeq: 4, root: 'c'.repeat(64), count: 4 };
      const anchored = JSON.parse(
        utf8(await c.contract.submitTransaction('AnchorReadings', canonicalJson(anchor))),
      );
      expect(anchored).toMatchObject({ device: 'probe-9', toSeq: 4 });

      const got = JSON.parse(utf8(await c.contract.evaluateTransaction('GetShipment', SSCC)));
      expect(got).toMatchObject({ sscc: SSCC, device: 'probe-9' });
      expect(JSON.stringify(got)).toContain(ORG);

      // Endorse, then read the result the prepared transaction carries, then submit and wait for the commit.
      const tx = await c.contract.newProposal('AnchoredUpTo', { arguments: ['probe-9'] }).endorse();
      expect(JSON.parse(utf8(tx.getResult()))).toBe(4);
      const status = await (await tx.submit()).getStatus();
      expect(status).toMatchObject({ successful: true, transactionId: tx.getTransactionId() });

      // Events from block 0 (stored blocks), with a checkpointer: resuming after the first skips it.
      const checkpointer = checkpointers.inMemory();
      const events = await c.network.getChaincodeEvents('coldtrail', { startBlock: 0n });
      const seen: ChaincodeEvent[] = [];
      try {
        for await (const event of events) {
          seen.push(event);
          await checkpointer.checkpointChaincodeEvent(event);
          if (seen.length === 3) break;
        }
      } finally {
        events.close();
      }
      expect(seen.map((e) => e.eventName)).toEqual(expect.arrayContaining([expect.any(String)]));
      expect(seen.every((e) => e.chaincodeName === 'coldtrail')).toBe(true);
      expect(seen.map((e) => e.blockNumber)).toEqual([0n, 1n, 2n]);

      // Live: a listener from the next commit receives an event committed after it started.
      let revokedTx = '';
      const live = await c.network.getChaincodeEvents('coldtrail');
      try {
        const first = live[Symbol.asyncIterator]().next();
        const revoked = await c.contract.submitAsync('RevokeDevice', { arguments: ['probe-9', 'lost'] });
        const event = (await first).value as ChaincodeEvent;
        expect(event.transactionId).toBe(revoked.getTransactionId());
        expect(JSON.parse(utf8(event.payload))).toMatchObject({ id: 'probe-9' });
        revokedTx = revoked.getTransactionId();
      } finally {
        live.close();
      }

      // Resuming from the checkpoint (after the third event) yields the next event, not a repeat.
      const resumed = await c.network.getChaincodeEvents('coldtrail', {
        checkpoint: checkpointer,
        startBlock: 0n,
      });
      try {
        const next = (await resumed[Symbol.asyncIterator]().next()).value as ChaincodeEvent;
        expect(next.transactionId).not.toBe(seen[2]?.transactionId);
        expect(next.blockNumber).toBeGreaterThan(2n);
        expect(next.transactionId).toBe(revokedTx);
      } finally {
        resumed.close();
      }
    } finally {
      c.close();
    }
  });

  it('surfaces a contract refusal as EndorseError with the contract message in its details', async () => {
    const c = connectClient(server, await server.identity(ORG));
    try {
      const anchor = { device: 'nobody', fromSeq: 1, toSeq: 2, root: 'd'.repeat(64), count: 2 };
      const err = await c.contract.submitTransaction('AnchorReadings', canonicalJson(anchor)).catch((e) => e);
      expect(err).toBeInstanceOf(EndorseError);
      expect(err.code).toBe(10); // ABORTED
      expect(err.details).toHaveLength(1);
      expect(err.details[0].message).toMatch(/^chaincode response 500, .*nobody/);
      expect(err.details[0].mspId).toBe('EmbeddedNodeMSP');
    } finally {
      c.close();
    }
  });

  it('issues identities with Fabric CA attributes that the contract reads (coldtrail.role)', async () => {
    const budget = canonicalJson({ gtin: '09506000134352', lowerC: 2, upperC: 8, allowedMinutes: 120 });
    const quality = connectClient(server, await server.identity(ORG, { 'coldtrail.role': 'quality' }));
    const plain = connectClient(server, await server.identity(ORG));
    try {
      const refused = await plain.contract.submitTransaction('DefineStabilityBudget', budget).catch((e) => e);
      expect(refused).toBeInstanceOf(EndorseError);
      expect(refused.details[0].message).toMatch(/FORBIDDEN: .*coldtrail\.role=quality/);
      const defined = JSON.parse(
        utf8(await quality.contract.submitTransaction('DefineStabilityBudget', budget)),
      );
      expect(defined).toMatchObject({ gtin: '09506000134352', allowedMinutes: 120 });
    } finally {
      quality.close();
      plain.close();
    }
  });

  it('refuses a proposal signed by a key that is not the certificate’s', async () => {
    const id = await server.identity(ORG);
    const other = await server.identity(ORG);
    const c = connectClient(server, id, other.privateKeyPem);
    try {
      const err = await c.contract.evaluateTransaction('GetShipment', SSCC).catch((e) => e);
      expect(err.code).toBe(9); // FAILED_PRECONDITION, as a peer's failed signature check
      expect(err.details[0].message).toMatch(/signature over the proposal is not valid/);
      const endorse = await c.contract.submitTransaction('RegisterDevice', 'probe-x', KEY).catch((e) => e);
      expect(endorse).toBeInstanceOf(EndorseError);
      expect(endorse.details[0].message).toMatch(/signature over the proposal is not valid/);
    } finally {
      c.close();
    }
  });

  it('refuses a high-S signature (Fabric accepts low-S only) and accepts the same signature normalised', async () => {
    const id = await server.identity(ORG);
    const key = createPrivateKey(id.privateKeyPem);
    const sign = (high: boolean) => async (message: Uint8Array) => {
      const p1363 = nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
      let s = BigInt(`0x${p1363.subarray(32).toString('hex')}`);
      if (high === s <= N / 2n) s = N - s;
      return p1363HexToDer(`${p1363.subarray(0, 32).toString('hex')}${s.toString(16).padStart(64, '0')}`);
    };
    const open = (high: boolean) => {
      const client = new grpc.Client(server.endpoint, grpc.credentials.createSsl(server.tlsRootCert), {
        'grpc.ssl_target_name_override': server.serverNameOverride,
      });
      const gateway = connect({
        client,
        identity: { mspId: ORG, credentials: Buffer.from(id.certificate) },
        signer: sign(high),
        hash: hash.none, // the signer gets the message and hashes it itself
      });
      return { gateway, client, contract: gateway.getNetwork('coldtrail').getContract('coldtrail') };
    };
    const high = open(true);
    const low = open(false);
    try {
      const err = await high.contract.evaluateTransaction('GetShipment', SSCC).catch((e) => e);
      expect(err.details?.[0]?.message).toMatch(/high S value/);
      expect(JSON.parse(utf8(await low.contract.evaluateTransaction('GetShipment', SSCC)))).toMatchObject({
        sscc: SSCC,
      });
    } finally {
      for (const c of [high, low]) {
        c.gateway.close();
        c.client.close();
      }
    }
  });

  it('refuses a client whose certificate is from an unknown CA', async () => {
    const outsider = await startGatewayTestServer({ dir: join(dir, 'other'), orgs: [ORG] });
    try {
      const c = connectClient(server, await outsider.identity(ORG)); // same MSP id, another CA
      try {
        const err = await c.contract.submitTransaction('RegisterDevice', 'probe-y', KEY).catch((e) => e);
        expect(err).toBeInstanceOf(EndorseError);
        expect(err.details[0].message).toMatch(/not issued by a CA of Org1MSP/);
      } finally {
        c.close();
      }
    } finally {
      await outsider.close();
    }
  });

  it('leaves exactly one of two concurrent conflicting transactions valid', async () => {
    const c = connectClient(server, await server.identity(ORG));
    try {
      await c.contract.submitTransaction('RegisterDevice', 'probe-c', KEY);
      // Both are endorsed against the same state before either commits.
      const a = await c.contract.newProposal('RevokeDevice', { arguments: ['probe-c', 'a'] }).endorse();
      const b = await c.contract.newProposal('RevokeDevice', { arguments: ['probe-c', 'b'] }).endorse();
      const [sa, sb] = await Promise.all([a.submit(), b.submit()]);
      const statuses = await Promise.all([sa.getStatus(), sb.getStatus()]);
      expect(statuses.filter((s) => s.successful)).toHaveLength(1);
      expect(statuses.filter((s) => !s.successful).map((s) => s.code)).toEqual([11]); // MVCC_READ_CONFLICT
    } finally {
      c.close();
    }
  });

  it('leaves a ledger that verify accepts, and finds one flipped byte of a client signature', async () => {
    const ledgerDir = join(dir, 'copy');
    await execFileP('cp', ['-r', server.ledgerPath, ledgerDir]);
    const ok = await verifyLedger(ledgerDir);
    expect(ok.problems).toEqual([]);
    expect(ok.ok).toBe(true);
    expect(ok.transactions).toBeGreaterThan(5);

    const db = new Database(join(ledgerDir, 'ledger.sqlite'));
    const row = db
      .prepare("SELECT tx_id, envelope FROM transactions WHERE validation_code = 'VALID' LIMIT 1 OFFSET 2")
      .get() as { tx_id: string; envelope: string };
    const stored = JSON.parse(row.envelope) as { envelope: string };
    expect(JSON.parse(row.envelope).format).toBe('fabric-envelope');
    const bytes = Buffer.from(stored.envelope, 'base64');
    // Envelope = field 1 payload, field 2 signature (last): flip a byte inside the DER signature's r.
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0x01;
    const tampered = canonicalJson({ ...JSON.parse(row.envelope), envelope: bytes.toString('base64') });
    db.prepare('UPDATE transactions SET envelope = ? WHERE tx_id = ?').run(tampered, row.tx_id);
    db.close();
    const bad = await verifyLedger(ledgerDir);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toContainEqual(expect.objectContaining({ check: 'tx-signature', txId: row.tx_id }));
  });

  it('finds decoded fields that no longer match the signed envelope', async () => {
    const ledgerDir = join(dir, 'copy-fields');
    await execFileP('cp', ['-r', server.ledgerPath, ledgerDir]);
    const db = new Database(join(ledgerDir, 'ledger.sqlite'));
    const row = db
      .prepare("SELECT tx_id, envelope FROM transactions WHERE envelope LIKE '%RegisterDevice%' LIMIT 1")
      .get() as { tx_id: string; envelope: string };
    const stored = JSON.parse(row.envelope);
    stored.payload.args = ['probe-z', stored.payload.args[1]];
    db.prepare('UPDATE transactions SET envelope = ? WHERE tx_id = ?').run(canonicalJson(stored), row.tx_id);
    db.close();
    const bad = await verifyLedger(ledgerDir);
    expect(bad.problems).toContainEqual(
      expect.objectContaining({
        check: 'tx-record',
        txId: row.tx_id,
        message: expect.stringMatching(/\(args\) differ/),
      }),
    );
    expect(bad.problems.some((p) => p.check === 'tx-signature')).toBe(false); // the client's signature still holds
  });
});

const execFileP = promisify(execFile);
