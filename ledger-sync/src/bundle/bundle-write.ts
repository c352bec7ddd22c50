import { resolve } from 'node:path';
import { ColdtrailError, canonicalJson, ErrorCode, parseSscc } from '@coldtrail/core';
import { readNodeCertificate } from '../ledger/identities.js';
import { createLedgerClient } from '../ledger/ledger-client.js';
import { type BlockRow, openLedgerDbReadonly, resolveLedgerPaths, type TxRow } from '../ledger/ledger-db.js';
import { openLedgerReader } from '../ledger/ledger-reader.js';
import { readLedgerSelection } from '../ledger-selection.js';
import type { ProvenanceView } from '../ledger-types.js';
import type { ReadingStore } from '../reading-store.js';
import { SqliteReadingStore } from '../sqlite-reading-store.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleBlock, type ProvenanceBundle } from './bundle-format.js';
import { entryKey } from './bundle-keys.js';

export interface BundleSource {
  /** ledger-sync's data directory (the embedded ledger and readings.db). */
  dataDir: string;
  /** Reading store file, relative to dataDir unless absolute. Default readings.db. */
  readingsFile?: string;
}

/**
 * Collects a shipment's offline bundle (bundle-format.ts) from an embedded-ledger data dir: the ledger's view
 * of the shipment, every reading and signed batch header of its range (and of the batches and anchors that
 * reach beyond it, as provenance reads them), the transactions that wrote each ledger entry it uses, and the
 * block headers from the genesis block up to the tip, with the node certificate that signs them. Reads only.
 * A Fabric data dir is refused: its blocks live on the peers, and bundles need the embedded ledger for now.
 */
export async function buildProvenanceBundle(
  source: BundleSource,
  ssccInput: string,
  now: () => number = Date.now,
): Promise<ProvenanceBundle> {
  const sscc = parseSscc(ssccInput);
  const dataDir = resolve(source.dataDir);
  if (readLedgerSelection(dataDir).ledger === 'fabric') {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      'provenance bundles need the embedded ledger for now: this data dir records a Fabric ledger, whose blocks are on the peers; run provenance without --bundle',
    );
  }
  const reader = await openLedgerReader(dataDir);
  const store = SqliteReadingStore.openReadonly(resolve(dataDir, source.readingsFile ?? 'readings.db'));
  try {
    const view = await reader.snapshot((session) => createLedgerClient(session.port).provenance(sscc));
    if (!view) {
      throw new ColdtrailError(ErrorCode.NotFound, `shipment ${sscc} is not on the ledger: check the SSCC`);
    }
    const readings = await store.readSnapshot(() => readingsOf(store, view));
    const ledger = await ledgerPart(dataDir, view);
    return {
      format: BUNDLE_FORMAT,
      v: BUNDLE_VERSION,
      writtenAt: new Date(now()).toISOString(),
      sscc,
      shipment: view.shipment,
      device: view.device,
      previous: view.previous ?? null,
      next: view.next ?? null,
      custody: view.custody,
      anchors: readings.anchors,
      excursions: view.excursions,
      range: readings.range,
      batches: readings.batches,
      readings: readings.records,
      ledger,
    };
  } finally {
    await store.close();
    await reader.close();
  }
}

/** The range, batches and records exactly as provenance.ts reads them for its answer. */
async function readingsOf(store: Pick<ReadingStore, 'batches' | 'records' | 'head'>, view: ProvenanceView) {
  const { shipment, next } = view;
  const id = shipment.device;
  const complete = shipment.status === 'completed' && shipment.toSeq !== null;
  let toSeq: number;
  if (complete) toSeq = shipment.toSeq as number;
  else {
    const upper = next ? next.fromSeq - 1 : Number.MAX_SAFE_INTEGER;
    const anchored = Math.max(0, ...view.anchors.map((a) => a.toSeq));
    toSeq = Math.min(upper, Math.max(shipment.fromSeq - 1, (await store.head(id)).seq, anchored));
  }
  const range = { fromSeq: shipment.fromSeq, toSeq, complete };
  const some = toSeq >= range.fromSeq;
  const batches = some ? await store.batches(id, range.fromSeq, toSeq) : [];
  const anchors = view.anchors.filter((a) => a.toSeq >= range.fromSeq && a.fromSeq <= toSeq);
  let lo = range.fromSeq;
  let hi = toSeq;
  for (const r of [...batches, ...anchors]) {
    lo = Math.min(lo, r.fromSeq);
    hi = Math.max(hi, r.toSeq);
  }
  const records = some ? await store.records(id, lo, hi) : [];
  return {
    range,
    anchors,
    batches: batches.map(({ fromSeq, toSeq: to, prev, head, sig, receivedAt }) => ({
      fromSeq,
      toSeq: to,
      prev,
      head,
      sig,
      receivedAt,
    })),
    records: records.map((r) => ({ record: r.record, hash: r.hash })),
  };
}

/**
 * The transactions that wrote the entries of `view` (custody, anchors and excursions name theirs; the
 * shipment, its neighbours and the device are found in the key history by their exact value), every block
 * holding one with all its transactions (its dataHash covers them all), and the headers from there to the tip.
 */
async function ledgerPart(dataDir: string, view: ProvenanceView): Promise<ProvenanceBundle['ledger']> {
  const paths = resolveLedgerPaths(dataDir);
  const nodeCertificate = await readNodeCertificate(paths.keysDir);
  if (!nodeCertificate) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `the ledger's node certificate is missing from ${paths.keysDir}: no bundle can show who signed its blocks`,
    );
  }
  const db = openLedgerDbReadonly(paths);
  try {
    return db.transaction(() => {
      const txById = db.prepare<[string], TxRow>('SELECT * FROM transactions WHERE tx_id = ?');
      const writer = db.prepare<[Buffer, Buffer], { tx_id: string }>(
        'SELECT tx_id FROM history WHERE key = ? AND value = ? ORDER BY block_number DESC, tx_index DESC LIMIT 1',
      );
      const ids = new Set<string>();
      for (const e of [...view.custody, ...view.anchors, ...view.excursions]) ids.add(e.txId);
      const valued: [string, unknown][] = [
        [entryKey('device', view.device.id), view.device],
        [entryKey('shipment', view.shipment.sscc), view.shipment],
      ];
      for (const s of [view.previous, view.next]) if (s) valued.push([entryKey('shipment', s.sscc), s]);
      for (const [key, value] of valued) {
        const row = writer.get(Buffer.from(key, 'utf8'), Buffer.from(canonicalJson(value), 'utf8'));
        if (!row) {
          throw new ColdtrailError(
            ErrorCode.Corrupted,
            `no transaction in the ledger's history wrote ${key.split('\u0000').filter(Boolean).join('/')} as the ledger answers it: run \`coldtrail ledger verify\``,
          );
        }
        ids.add(row.tx_id);
      }
      const needed = new Map<number, TxRow[]>();
      for (const id of ids) {
        const tx = txById.get(id);
        if (!tx) {
          throw new ColdtrailError(ErrorCode.Corrupted, `transaction ${id} is not in the ledger's blocks`);
        }
        needed.set(tx.block_number, []);
      }
      // Every header from the genesis block: the chain is checked end to end, and any tip kept elsewhere
      // (--expect-tip N, a checkpoint older than the shipment) falls inside it. Headers are ~400 bytes each.
      const blocks = db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY number').all();
      const txsOf = db.prepare<[number], TxRow>(
        'SELECT * FROM transactions WHERE block_number = ? ORDER BY tx_index',
      );
      const out: BundleBlock[] = blocks.map((b) => ({
        number: b.number,
        prevHash: b.prev_hash,
        dataHash: b.data_hash,
        timestamp: b.timestamp,
        hash: b.hash,
        signature: b.signature,
        ...(needed.has(b.number)
          ? {
              transactions: txsOf.all(b.number).map((t) => ({
                txId: t.tx_id,
                index: t.tx_index,
                envelope: t.envelope,
                validationCode: t.validation_code,
              })),
            }
          : {}),
      }));
      const last = out.at(-1) as BundleBlock;
      return {
        kind: 'embedded' as const,
        nodeCertificate,
        tip: { number: last.number, hash: last.hash, timestamp: last.timestamp },
        blocks: out,
      };
    })();
  } finally {
    db.close();
  }
}
