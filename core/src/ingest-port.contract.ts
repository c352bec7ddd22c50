/**
 * The behaviour every IngestPort must have (ledger-sync's createIngest, and anything a test puts in its place),
 * as one suite each implementation runs — the way aedes' abstract persistence suite is run by every backend.
 * Written against the interface only: a batch goes in as the bytes a device published, and everything checked
 * comes back through the outcome and its ack. Test-only (excluded from the build); import it from a test file:
 *
 *   ingestPortContract('createIngest on SQLite', async (directory) => ({ ingest, reopen, close }));
 */
import { randomBytes } from 'node:crypto';
// Through the public face (dist), as the implementations under test see core: this file sits beside the port
// it states, but runs with the code that other workspaces run.
import {
  type Batch,
  type DeviceDirectory,
  GENESIS_HASH,
  hashRecord,
  type IngestOutcome,
  type IngestPort,
  MAX_ACK_REFUSALS,
  makeRecord,
  nobleSigner,
  publicKeyFromSecret,
  type ReadingRecord,
  type Sample,
  type Signer,
  signBatch,
} from '@coldtrail/core';
import { describe, expect, it } from 'vitest';

export interface IngestUnderTest {
  ingest: IngestPort;
  /**
   * A new IngestPort over the same storage, as after a restart; the first one is no longer used. A batch whose
   * `ingest` resolved must be there.
   */
  reopen(): Promise<IngestPort>;
  /** Releases everything (storage, temp files). */
  close(): Promise<void>;
}

/** Builds a fresh, empty ingest that knows the devices of `directory`. */
export type MakeIngest = (directory: DeviceDirectory) => Promise<IngestUnderTest>;

export const CONTRACT_ORG = 'ContractOrgMSP';

const T0 = Date.UTC(2026, 0, 5, 6);

/** A device with a real key and a chained record stream; `batch(from, to)` signs records from..to. */
function contractDevice(id: string, sample: (seq: number) => Sample = defaultSample) {
  const secret = new Uint8Array(randomBytes(32));
  const signer = nobleSigner(secret);
  const records: ReadingRecord[] = [];
  const upTo = (seq: number) => {
    while (records.length < seq) {
      const n = records.length + 1;
      const prev = records.length === 0 ? GENESIS_HASH : hashRecord(records.at(-1) as ReadingRecord);
      records.push(makeRecord(id, n, T0 + (n - 1) * 60_000, sample(n), prev));
    }
  };
  return {
    id,
    identity: { device: id, org: CONTRACT_ORG, publicKey: publicKeyFromSecret(secret) },
    signer,
    record(seq: number): ReadingRecord {
      upTo(seq);
      return records[seq - 1] as ReadingRecord;
    },
    async batch(from: number, to: number, by: Signer = signer): Promise<Batch> {
      upTo(to);
      const slice = records.slice(from - 1, to);
      return signBatch(slice, hashRecord(slice.at(-1) as ReadingRecord), by);
    },
  };
}

const defaultSample = (seq: number): Sample => ({
  sensor: 'probe-1',
  kind: 'temperature',
  value: 5 + (seq % 3) / 10,
  unit: 'CEL',
});

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

export function ingestPortContract(name: string, make: MakeIngest): void {
  describe(`IngestPort contract: ${name}`, () => {
    async function rig() {
      const dev = contractDevice('dev-1');
      const known = new Map([[dev.id, dev.identity]]);
      const under = await make({ lookup: async (d) => known.get(d) });
      let port = under.ingest;
      return {
        dev,
        known,
        under,
        /** Publishes `b` (a batch, any other value as JSON, a string or raw bytes as they are). */
        send: (b: unknown, org = CONTRACT_ORG, topicDevice = dev.id) =>
          port.ingest(org, topicDevice, b instanceof Uint8Array ? b : bytes(b)),
        async reopen() {
          port = await under.reopen();
        },
      };
    }
    /** Runs `body` against a fresh ingest and always closes it. */
    const withRig = (body: (r: Awaited<ReturnType<typeof rig>>) => Promise<void>) => async () => {
      const r = await rig();
      try {
        await body(r);
      } finally {
        await r.under.close();
      }
    };
    const ackAt = (dev: ReturnType<typeof contractDevice>, seq: number) => ({
      v: 1,
      device: dev.id,
      storedUpTo: seq,
      storedHead: seq === 0 ? GENESIS_HASH : hashRecord(dev.record(seq)),
    });

    it(
      'stores a verified batch and answers with an ack of the stored head and no refusals',
      withRig(async ({ dev, send }) => {
        expect(await send(await dev.batch(1, 5))).toEqual({
          status: 'stored',
          ack: { ...ackAt(dev, 5), refused: [] },
        });
        expect(await send(await dev.batch(6, 8))).toEqual({
          status: 'stored',
          ack: { ...ackAt(dev, 8), refused: [] },
        });
      }),
    );

    it(
      'is durable when ingest resolves: a reopened ingest holds what it acknowledged',
      withRig(async ({ dev, send, reopen }) => {
        const b = await dev.batch(1, 4);
        await send(b);
        await reopen();
        expect(await send(b)).toEqual({ status: 'duplicate', ack: { ...ackAt(dev, 4), refused: [] } });
        expect((await send(await dev.batch(5, 6))).status).toBe('stored');
      }),
    );

    it(
      'answers a batch already stored (whole or part of one) as a duplicate, acknowledged again',
      withRig(async ({ dev, send }) => {
        await send(await dev.batch(1, 6));
        const again = await send(await dev.batch(1, 6));
        expect(again).toEqual({ status: 'duplicate', ack: { ...ackAt(dev, 6), refused: [] } });
        expect(await send(await dev.batch(3, 5))).toMatchObject({ status: 'duplicate', ack: ackAt(dev, 6) });
      }),
    );

    it(
      'stores the new tail of a batch overlapping the stored head, and only that tail',
      withRig(async ({ dev, send }) => {
        await send(await dev.batch(1, 6));
        const overlap = await send(await dev.batch(4, 10));
        expect(overlap).toEqual({ status: 'stored', ack: { ...ackAt(dev, 10), refused: [] } });
        // The tail is stored as the device's records: the tail alone is a duplicate, the next batch continues.
        expect((await send(await dev.batch(7, 10))).status).toBe('duplicate');
        expect(await send(await dev.batch(11, 12))).toMatchObject({ status: 'stored', ack: ackAt(dev, 12) });
      }),
    );

    it(
      'leaves a gap unstored and unrefused, acknowledging the head the device resends from',
      withRig(async ({ dev, send }) => {
        await send(await dev.batch(1, 3));
        const gap = await send(await dev.batch(6, 7));
        expect(gap.status).toBe('gap');
        expect(gap.reason).toEqual(expect.any(String));
        expect(gap.code).toBeUndefined();
        expect(gap.ack).toEqual({ ...ackAt(dev, 3), refused: [] });
        expect((await send(await dev.batch(4, 5))).status).toBe('stored');
        expect(await send(await dev.batch(6, 7))).toMatchObject({ status: 'stored', ack: ackAt(dev, 7) });
      }),
    );

    describe('refusals: logged in the ack, nothing stored, the good batch still goes through', () => {
      /** A refused outcome naming `range` (0-0 when the device did not sign it) with `code`, head still at 4. */
      const expectRefused = (
        outcome: IngestOutcome,
        code: string,
        range: { fromSeq: number; toSeq: number },
      ) => {
        expect(outcome).toMatchObject({ status: 'refused', code, reason: expect.any(String) });
        expect(outcome.ack.storedUpTo).toBe(4);
        const last = outcome.ack.refused.at(-1);
        expect(last).toMatchObject({ ...range, code, reason: expect.any(String) });
        expect(Number.isNaN(Date.parse(last?.at ?? ''))).toBe(false);
      };
      const UNSIGNED = { fromSeq: 0, toSeq: 0 };
      const refusing = (body: (r: Awaited<ReturnType<typeof rig>>) => Promise<void>) =>
        withRig(async (r) => {
          await r.send(await r.dev.batch(1, 4));
          await body(r);
          expect(await r.send(await r.dev.batch(5, 7))).toMatchObject({
            status: 'stored',
            ack: ackAt(r.dev, 7),
          });
        });

      it(
        'refuses a batch signed with another key, naming no range (an unsigned claim marks nothing refused)',
        refusing(async ({ dev, send }) => {
          const forger = contractDevice('dev-1');
          expectRefused(await send(await dev.batch(5, 7, forger.signer)), 'BAD_SIGNATURE', UNSIGNED);
          // A forged claim to stored seqs with other content is no fork of the device's chain.
          const fork = contractDevice('dev-1', () => ({
            sensor: 'x',
            kind: 'temperature',
            value: 1,
            unit: 'CEL',
          }));
          expectRefused(await send(await fork.batch(2, 4, forger.signer)), 'BAD_SIGNATURE', UNSIGNED);
        }),
      );

      it(
        'refuses a signed batch whose records break its chain, naming its range',
        refusing(async ({ dev, send }) => {
          const b = await dev.batch(5, 7);
          b.records[1] = { ...(b.records[1] as ReadingRecord), value: 30 };
          expectRefused(await send(b), 'BROKEN_CHAIN', { fromSeq: 5, toSeq: 7 });
        }),
      );

      it(
        'refuses a signed batch that does not continue the stored head, and stored records forked',
        refusing(async ({ dev, send }) => {
          const fork = contractDevice('dev-1', () => ({
            sensor: 'x',
            kind: 'temperature',
            value: 1,
            unit: 'CEL',
          }));
          const forkOf = async (from: number, to: number) => fork.batch(from, to, dev.signer);
          expectRefused(await send(await forkOf(5, 7)), 'BROKEN_CHAIN', { fromSeq: 5, toSeq: 7 });
          expectRefused(await send(await forkOf(1, 2)), 'CONFLICT', { fromSeq: 1, toSeq: 2 });
          expectRefused(await send(await forkOf(3, 6)), 'CONFLICT', { fromSeq: 3, toSeq: 6 });
        }),
      );

      it(
        'refuses a batch of another device, of another org, and of an unknown device',
        refusing(async ({ dev, known, send }) => {
          const other = contractDevice('dev-2');
          known.set(other.id, other.identity);
          // Published by dev-2: refused as dev-2's, which names nothing of dev-1.
          const theirs = await send(await dev.batch(5, 7), CONTRACT_ORG, other.id);
          expect(theirs).toMatchObject({ status: 'refused', code: 'FORBIDDEN' });
          expect(theirs.ack).toMatchObject({
            ...ackAt(other, 0),
            refused: [expect.objectContaining(UNSIGNED)],
          });
          expectRefused(await send(await dev.batch(5, 7), 'OtherOrgMSP'), 'FORBIDDEN', UNSIGNED);
          const stranger = contractDevice('dev-9');
          const unknown = await send(await stranger.batch(1, 2), CONTRACT_ORG, stranger.id);
          expect(unknown).toMatchObject({ status: 'refused', code: 'NOT_FOUND' });
          expect(unknown.ack).toMatchObject({
            ...ackAt(stranger, 0),
            refused: [expect.objectContaining(UNSIGNED)],
          });
        }),
      );

      it(
        'refuses junk: not JSON, not a batch, no records, empty',
        refusing(async ({ dev, send }) => {
          const b = await dev.batch(5, 7);
          for (const junk of ['not json', '{"device":"dev-1",', { ...b, records: [] }, new Uint8Array(0)]) {
            expectRefused(await send(junk), 'INVALID_INPUT', UNSIGNED);
          }
          expectRefused(await send(new Uint8Array([0xff, 0xfe, 0x00, 0x80])), 'INVALID_INPUT', UNSIGNED);
        }),
      );

      it(
        `lists at most ${MAX_ACK_REFUSALS} refusals in the ack, newest last`,
        refusing(async ({ dev, send }) => {
          let last: IngestOutcome | undefined;
          for (let i = 0; i < MAX_ACK_REFUSALS + 3; i++) last = await send(`junk ${i}`);
          expect(last?.ack.refused).toHaveLength(MAX_ACK_REFUSALS);
          expectRefused(last as IngestOutcome, 'INVALID_INPUT', UNSIGNED);
          // The device's later good batch still lists them (the ack carries the recent refusals).
          expect((await send(await dev.batch(5, 5))).ack.refused).toHaveLength(MAX_ACK_REFUSALS);
        }),
      );
    });

    it(
      'keeps one chain under concurrent calls for one device: no record twice, no hole, every outcome final',
      withRig(async ({ dev, send }) => {
        const batches = await Promise.all([
          dev.batch(1, 5),
          dev.batch(1, 5),
          dev.batch(6, 10),
          dev.batch(3, 12),
          dev.batch(6, 10),
          dev.batch(13, 15),
        ]);
        const outcomes = await Promise.all(batches.map((b) => send(b)));
        for (const o of outcomes) expect(['stored', 'duplicate', 'gap']).toContain(o.status);
        // Resending everything in order completes the chain; what was stored is the device's own records.
        for (const b of batches) await send(b);
        expect(await send(await dev.batch(1, 15))).toEqual({
          status: 'duplicate',
          ack: { ...ackAt(dev, 15), refused: [] },
        });
        expect((await send(await dev.batch(16, 16))).status).toBe('stored');
      }),
    );
  });
}
