import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { createIdentity } from '../ledger/identities.js';
import {
  CONTRACT_ORG,
  CONTRACT_OTHER_ORG,
  type LedgerUnderTest,
  ledgerPortContract,
} from '../ledger-port.contract.js';
import { loadFabricConnection } from './fabric-config.js';
import { type FabricLedger, openFabricLedger } from './fabric-ledger.js';
import { startFabricTestNetwork } from './fabric-test-network.test-kit.js';

const KEY = 'a'.repeat(64);

/** A fresh test network for both orgs; `writer(org)` is a FabricLedger signing as that org. */
async function onFabric(): Promise<LedgerUnderTest> {
  const network = await startFabricTestNetwork([CONTRACT_ORG, CONTRACT_OTHER_ORG]);
  const ledgers = new Map<string, FabricLedger>();
  for (const org of [CONTRACT_ORG, CONTRACT_OTHER_ORG]) ledgers.set(org, await network.ledger(org));
  return {
    writer: (org) => {
      const ledger = ledgers.get(org);
      if (!ledger) throw new Error(`no identity for ${org}`);
      return ledger;
    },
    close: () => network.close(),
  };
}

ledgerPortContract('FabricLedger through the Gateway protocol', onFabric, {
  port: async (ledger, org) => ledger.writer(org),
});

async function failure(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isColdtrailError(err)).toBe(true);
  return err as import('@coldtrail/core').ColdtrailError;
}

describe('FabricLedger on the Gateway test server', () => {
  it('keeps the gateway details of a refusal: transaction id, peers, the contract code', async () => {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    try {
      const ledger = await network.ledger(CONTRACT_ORG);
      const first = await ledger.submit('RegisterDevice', ['probe-1', KEY]);
      expect(first.txId).toMatch(/^[0-9a-f]{64}$/);
      const err = await failure(ledger.submit('RegisterDevice', ['probe-1', 'b'.repeat(64)]));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toMatch(/^ledger refused RegisterDevice: /);
      expect(err.details).toMatchObject({ fn: 'RegisterDevice', phase: 'endorse' });
      expect(err.details?.transactionId).toMatch(/^[0-9a-f]{64}$/);
      expect(err.details?.transactionId).not.toBe(first.txId);
    } finally {
      await network.close();
    }
  });

  it('gives the typed TIMEOUT when a call outlives its deadline', async () => {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    try {
      const slowEval = await network.ledger(CONTRACT_ORG, { deadlines: { evaluate: 1 } });
      const e1 = await failure(slowEval.evaluate('GetDevice', ['probe-1']));
      expect(e1.code).toBe('TIMEOUT');
      expect(e1.details).toMatchObject({ phase: 'evaluate', grpcStatus: 'DEADLINE_EXCEEDED' });
      expect(e1.message).toContain('deadlines.evaluate');
      const slowEndorse = await network.ledger(CONTRACT_ORG, { deadlines: { endorse: 1 } });
      const e2 = await failure(slowEndorse.submit('RegisterDevice', ['probe-2', KEY]));
      expect(e2.code).toBe('TIMEOUT');
      expect(e2.details).toMatchObject({ phase: 'endorse', grpcStatus: 'DEADLINE_EXCEEDED' });
      // The same identity with the default deadlines is served.
      const ok = await network.ledger(CONTRACT_ORG);
      expect(JSON.parse(new TextDecoder().decode(await ok.evaluate('GetDevice', ['probe-2'])))).toBeNull();
    } finally {
      await network.close();
    }
  });

  it('is UNAVAILABLE when the peer is not there or its TLS certificate is not the expected one', async () => {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    try {
      const wrongName = await network.ledger(CONTRACT_ORG, {
        serverNameOverride: 'not-the-peer.example.com',
      });
      expect((await failure(wrongName.evaluate('GetDevice', ['probe-1']))).code).toBe('UNAVAILABLE');
      const ledger = await network.ledger(CONTRACT_ORG);
      await network.server.close();
      const err = await failure(ledger.evaluate('GetDevice', ['probe-1']));
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toContain(`the peer at ${network.server.endpoint} runs`);
    } finally {
      await network.close();
    }
  });

  it('is FORBIDDEN for an identity whose certificate no CA of its org issued', async () => {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    try {
      const stranger = await createIdentity(`CN=stranger,O=${CONTRACT_ORG}`);
      writeFileSync(join(network.dir, 'stranger-cert.pem'), stranger.certificate);
      writeFileSync(join(network.dir, 'stranger-key.pem'), stranger.keyPem);
      const file = await network.connectionFile(CONTRACT_ORG, {
        certPath: 'stranger-cert.pem',
        keyPath: 'stranger-key.pem',
      });
      const ledger = openFabricLedger(loadFabricConnection(file, { env: {} }));
      try {
        expect((await failure(ledger.evaluate('GetDevice', ['probe-1']))).code).toBe('FORBIDDEN');
        const err = await failure(ledger.submit('RegisterDevice', ['probe-1', KEY]));
        expect(err.code).toBe('FORBIDDEN');
        expect(err.details).toMatchObject({ phase: 'endorse' });
      } finally {
        await ledger.close();
      }
      const owner = await network.ledger(CONTRACT_ORG);
      expect(JSON.parse(new TextDecoder().decode(await owner.evaluate('GetDevice', ['probe-1'])))).toBeNull();
    } finally {
      await network.close();
    }
  });

  it('refuses calls after close, and close waits for a call under way', async () => {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    try {
      const ledger = await network.ledger(CONTRACT_ORG);
      const pending = ledger.submit('RegisterDevice', ['probe-1', KEY]);
      await ledger.close();
      expect((await pending).txId).toMatch(/\S/);
      expect((await failure(ledger.evaluate('GetDevice', ['probe-1']))).code).toBe('UNAVAILABLE');
    } finally {
      await network.close();
    }
  });
});
