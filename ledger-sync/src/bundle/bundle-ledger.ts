import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '@coldtrail/core';
import { certificateFingerprint } from '../ledger/checkpoint.js';
import { publicKeyFromCertificate, verifySignature } from '../ledger/ecdsa.js';
import type { StoredTx } from '../ledger/envelope-schema.js';
import type { BlockRow, TxRow } from '../ledger/ledger-db.js';
import { blockHash, GENESIS_PREV_HASH, headerBytes, ValidationCode } from '../ledger/ledger-records.js';
import { verifyBlockHeader, verifyTxRecord } from '../ledger/verify-checks.js';
import { checkTip, parseExpectedTip } from '../ledger/verify-ledger.js';
import type { LedgerProblem, LedgerVerifyOptions } from '../ledger/verify-report.js';
import { checkResult, type VerificationCheck } from '../verification.js';
import type { BundleBlock, ProvenanceBundle } from './bundle-format.js';
import { entryKey } from './bundle-keys.js';

export type BundleCheck = Omit<VerificationCheck, 'name'> & {
  name: VerificationCheck['name'] | 'bundle' | 'readings' | 'entries';
};

/** verification.ts's checkResult, for the bundle's own check names too. */
export function bundleCheck(
  name: BundleCheck['name'],
  problems: readonly string[],
  okDetail: string,
): BundleCheck {
  return { ...checkResult('ledger', problems, okDetail), name };
}

// The shared block checks already name their block ("block 3: ..."); the others get it in front.
const text = (p: LedgerProblem) =>
  p.block === null || p.message.startsWith('block ') ? p.message : `block ${p.block}: ${p.message}`;
const rowOf = (b: BundleBlock): BlockRow => ({
  number: b.number,
  prev_hash: b.prevHash,
  data_hash: b.dataHash,
  timestamp: b.timestamp,
  hash: b.hash,
  signature: b.signature,
});

interface HeldTx {
  block: number;
  txId: string;
  valid: boolean;
  env: StoredTx;
}

/**
 * `ledger`: the bundle's blocks run 0..tip without a gap, each links to the one before by the hash recomputed
 * from its header, hashes to its stored hash and carries the node's signature (the node certificate in the
 * bundle); a block carried with its transactions covers exactly them (dataHash), and each of those is signed
 * by its creator with an id derived as Fabric derives it (verify-checks.ts, the same code as `ledger verify`).
 * Returns the transactions held, by id, for the `entries` check.
 */
export function verifyBundleBlocks(bundle: ProvenanceBundle): {
  check: BundleCheck;
  txs: Map<string, HeldTx>;
  nodeKey: KeyObject | undefined;
} {
  const problems: LedgerProblem[] = [];
  const sink = (p: LedgerProblem) => {
    if (problems.length < 100) problems.push(p);
  };
  const { blocks, tip } = bundle.ledger;
  let nodeKey: KeyObject | undefined;
  try {
    nodeKey = publicKeyFromCertificate(bundle.ledger.nodeCertificate);
  } catch {
    sink({
      block: null,
      check: 'node-identity',
      message: 'the node certificate is not a readable X.509 certificate',
    });
  }
  const txs = new Map<string, HeldTx>();
  let prevHash = GENESIS_PREV_HASH;
  blocks.forEach((b, i) => {
    if (b.number !== i) {
      sink({
        block: b.number,
        check: 'block-sequence',
        message: `block ${i} is missing: found block ${b.number} in its place`,
      });
    }
    if (b.transactions) {
      const rows: TxRow[] = b.transactions.map((t) => ({
        tx_id: t.txId,
        block_number: b.number,
        tx_index: t.index,
        envelope: t.envelope,
        validation_code: t.validationCode,
      }));
      prevHash = verifyBlockHeader(rowOf(b), rows, prevHash, nodeKey, sink);
      for (const row of rows) {
        const env = verifyTxRecord(b.number, row, sink);
        if (env) {
          txs.set(row.tx_id, {
            block: b.number,
            txId: row.tx_id,
            valid: row.validation_code === ValidationCode.Valid,
            env,
          });
        }
      }
      return;
    }
    // A header carried only to link: the same header checks without its transactions.
    if (b.prevHash !== prevHash) {
      sink({
        block: b.number,
        check: 'block-link',
        message: `its prevHash is not the hash of block ${b.number - 1}`,
      });
    }
    const header = { number: b.number, prevHash: b.prevHash, dataHash: b.dataHash, timestamp: b.timestamp };
    const hash = blockHash(header);
    if (hash !== b.hash) {
      sink({ block: b.number, check: 'block-hash', message: 'its header does not hash to its stored hash' });
    }
    if (nodeKey && !verifySignature(nodeKey, headerBytes(header), b.signature)) {
      sink({
        block: b.number,
        check: 'block-signature',
        message: "the node's signature does not match its header",
      });
    }
    prevHash = hash;
  });
  const last = blocks.at(-1);
  if (!last || last.number !== tip.number || last.hash !== tip.hash || prevHash !== tip.hash) {
    sink({
      block: tip.number,
      check: 'tip',
      message: `the bundle's tip (block ${tip.number}, ${tip.hash.slice(0, 12)}…) is not the last block it carries`,
    });
  }
  const check = bundleCheck(
    'ledger',
    problems.map(text),
    `${blocks.length} blocks link from the genesis block to the tip (block ${tip.number}, ${tip.hash.slice(0, 12)}…), each signed by the node`,
  );
  return { check, txs, nodeKey };
}

/**
 * `entries`: each ledger entry the answer uses is what a valid transaction of the bundle's blocks wrote, byte
 * for byte (the chaincode stores RFC 8785 JSON): custody events, anchors and excursions in the transaction they
 * name, the shipment, its neighbours and the device under their keys. What the bundle cannot show is that no
 * block it carries without transactions rewrote an entry later; bundle-verify states that limit.
 */
export function verifyBundleEntries(bundle: ProvenanceBundle, txs: ReadonlyMap<string, HeldTx>): BundleCheck {
  const problems: string[] = [];
  const writes = (tx: HeldTx) =>
    tx.env.payload.rwset.writes.map((w) => ({
      key: w.key,
      value: w.value === null ? null : Buffer.from(w.value, 'base64').toString('utf8'),
    }));
  const byTx = (what: string, entry: { txId: string }) => {
    const tx = txs.get(entry.txId);
    const want = canonicalJson(entry);
    if (!tx) problems.push(`${what}: its transaction ${entry.txId} is in none of the bundle's blocks`);
    else if (!tx.valid)
      problems.push(`${what}: its transaction ${entry.txId} in block ${tx.block} is not valid`);
    else if (!writes(tx).some((w) => w.value === want)) {
      problems.push(
        `${what}: transaction ${entry.txId} in block ${tx.block} did not write it as the bundle states it`,
      );
    }
  };
  const byKey = (what: string, key: string, entry: unknown) => {
    const want = canonicalJson(entry);
    for (const tx of txs.values()) {
      if (tx.valid && writes(tx).some((w) => w.key === key && w.value === want)) return;
    }
    problems.push(`${what}: no valid transaction in the bundle's blocks wrote it as the bundle states it`);
  };
  byKey(`device ${bundle.device.id}`, entryKey('device', bundle.device.id), bundle.device);
  byKey(`shipment ${bundle.shipment.sscc}`, entryKey('shipment', bundle.shipment.sscc), bundle.shipment);
  if (bundle.previous) {
    byKey(
      `previous shipment ${bundle.previous.sscc}`,
      entryKey('shipment', bundle.previous.sscc),
      bundle.previous,
    );
  }
  if (bundle.next)
    byKey(`next shipment ${bundle.next.sscc}`, entryKey('shipment', bundle.next.sscc), bundle.next);
  for (const c of bundle.custody) byTx(`custody event "${c.action}" (${c.txId.slice(0, 12)}…)`, c);
  for (const a of bundle.anchors) byTx(`anchor ${a.device}#${a.fromSeq}-${a.toSeq}`, a);
  for (const e of bundle.excursions) byTx(`excursion ${e.id}`, e);
  const count = 2 + bundle.custody.length + bundle.anchors.length + bundle.excursions.length;
  return bundleCheck(
    'entries',
    problems,
    `${count} ledger entries (shipment, device, custody, anchors, excursions) are what valid transactions in the bundle's blocks wrote`,
  );
}

/**
 * `tip`: the bundle's chain reaches a tip kept elsewhere (`--expect-tip N:HASH`, `N`, or a signed checkpoint,
 * whose node must be the bundle's), as `ledger verify --expect-tip` checks a ledger. Skipped without one.
 */
export function verifyBundleTip(
  bundle: ProvenanceBundle,
  expect: Pick<LedgerVerifyOptions, 'expectTip' | 'checkpoint'> | undefined,
): BundleCheck {
  const want = parseExpectedTip(
    expect?.checkpoint
      ? { number: expect.checkpoint.tip.number, hash: expect.checkpoint.tip.hash }
      : expect?.expectTip,
  );
  if (!want) {
    return {
      name: 'tip',
      ok: true,
      skipped: true,
      detail:
        "the bundle's tip is not attested: pass --expect-tip with a checkpoint or N:HASH kept elsewhere",
    };
  }
  const problems: LedgerProblem[] = [];
  checkTip(bundle.ledger.blocks.map(rowOf), bundle.ledger.tip, want, (p) => problems.push(p));
  if (expect?.checkpoint) {
    let fingerprint: string | undefined;
    try {
      fingerprint = certificateFingerprint(bundle.ledger.nodeCertificate);
    } catch {
      fingerprint = undefined;
    }
    if (fingerprint !== expect.checkpoint.node.fingerprint) {
      problems.push({
        block: null,
        check: 'tip',
        message: `the checkpoint was signed by node ${expect.checkpoint.node.fingerprint.slice(0, 12)}…, but the bundle's blocks by another node: it is another ledger`,
      });
    }
  }
  const at = want.number === undefined ? `a block hashing to ${want.hash}` : `block ${want.number}`;
  return bundleCheck('tip', problems.map(text), `the bundle's chain reaches the expected tip (${at})`);
}
