import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { canonicalJson } from '@coldtrail/core';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { derSignatureProblem } from './ecdsa-der.js';
import type { KeyRead, RwSet, TxPayload } from './ledger-records.js';
import { LedgerCheck } from './verify-report.js';

/**
 * Transactions that arrived as real Fabric envelopes (through the Gateway test server, from the unmodified
 * fabric-gateway client). The ledger stores them in a second envelope format, canonical JSON
 * `{"format":"fabric-envelope","envelope":"<base64 common.Envelope>","payload":{...}}`, where `payload` holds
 * the same decoded fields as the JSON format (txId, nonce, creator, fn, args, timestamp, rwset, response,
 * event), so replay, MVCC and browsing read both formats alike. What proves the transaction is the envelope:
 * its signature is the client's own, made by fabric-gateway over the protobuf Payload bytes, and `verify`
 * checks it with the creator certificate of the envelope's SignatureHeader, checks the transaction id is
 * SHA-256(nonce || serialized creator) as Fabric computes it, and checks every decoded field against what the
 * protobuf says. The protobuf classes are @hyperledger/fabric-protos 0.3.x, loaded on first use only.
 */
export type Protos = typeof FabricProtos;

export const FABRIC_ENVELOPE_FORMAT = 'fabric-envelope';

const require = createRequire(import.meta.url);
let loaded: Protos | undefined;

/** ledger-sync's own copy of @hyperledger/fabric-protos (decoding bytes needs no shared class identity). */
export function fabricProtos(): Protos {
  loaded ??= require('@hyperledger/fabric-protos') as Protos;
  return loaded;
}

/** A decoded endorser transaction envelope. */
export interface FabricTx {
  /** The decoded fields, in the ledger's TxPayload shape. */
  payload: TxPayload;
  /** The signed bytes (Envelope.payload) and the client's DER signature over them. */
  payloadBytes: Uint8Array;
  signature: Uint8Array;
  /** The serialized creator (msp.SerializedIdentity) and the nonce of the SignatureHeader. */
  creatorBytes: Uint8Array;
  nonce: Uint8Array;
  /** The chaincode the transaction invoked. */
  chaincode: string;
  /** Endorsements over ProposalResponsePayload || endorser. */
  endorsements: { mspid: string; certificate: string; signedBytes: Uint8Array; signature: Uint8Array }[];
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Fabric's transaction id: hex SHA-256 of nonce || serialized creator. */
export function fabricTxId(nonce: Uint8Array, creatorBytes: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creatorBytes).digest('hex');
}

export function timestampMs(ts: { getSeconds(): number; getNanos(): number } | undefined): number {
  if (!ts) throw new Error('the channel header has no timestamp');
  return ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1_000_000);
}

/** The coldtrail namespace's read/write set as kvrwset.KVRWSet bytes (what a peer's simulator records). */
export function encodeKvRwSet(p: Protos, rwset: RwSet): Uint8Array {
  const kv = p.ledger.rwset.kvrwset;
  const read = (r: KeyRead) => {
    const m = new kv.KVRead();
    m.setKey(r.key);
    if (r.version) {
      const v = new kv.Version();
      v.setBlockNum(r.version.block);
      v.setTxNum(r.version.tx);
      m.setVersion(v);
    }
    return m;
  };
  const set = new kv.KVRWSet();
  set.setReadsList(rwset.reads.map(read));
  set.setRangeQueriesInfoList(
    rwset.ranges.map((range) => {
      const info = new kv.RangeQueryInfo();
      info.setStartKey(range.start);
      info.setEndKey(range.end);
      info.setItrExhausted(true);
      const reads = new kv.QueryReads();
      reads.setKvReadsList(range.reads.map(read));
      info.setRawReads(reads);
      return info;
    }),
  );
  set.setWritesList(
    rwset.writes.map((w) => {
      const m = new kv.KVWrite();
      m.setKey(w.key);
      m.setIsDelete(w.value === null);
      if (w.value !== null) m.setValue(Buffer.from(w.value, 'base64'));
      return m;
    }),
  );
  return set.serializeBinary();
}

export function decodeKvRwSet(p: Protos, bytes: Uint8Array): RwSet {
  const set = p.ledger.rwset.kvrwset.KVRWSet.deserializeBinary(bytes);
  const read = (r: FabricProtos.ledger.rwset.kvrwset.KVRead): KeyRead => {
    const v = r.getVersion();
    return { key: r.getKey(), version: v ? { block: v.getBlockNum(), tx: v.getTxNum() } : null };
  };
  return {
    reads: set.getReadsList().map(read),
    ranges: set.getRangeQueriesInfoList().map((info) => ({
      start: info.getStartKey(),
      end: info.getEndKey(),
      reads: (info.getRawReads()?.getKvReadsList() ?? []).map(read),
    })),
    writes: set.getWritesList().map((w) => ({
      key: w.getKey(),
      value: w.getIsDelete() ? null : b64(w.getValue_asU8()),
    })),
  };
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`the envelope has no ${what}`);
  return value;
}

/** Decodes an endorser transaction envelope; throws an Error saying what is missing or malformed. */
export function decodeFabricEnvelope(envelopeBytes: Uint8Array, p: Protos = fabricProtos()): FabricTx {
  const envelope = p.common.Envelope.deserializeBinary(envelopeBytes);
  const payloadBytes = envelope.getPayload_asU8();
  const payload = p.common.Payload.deserializeBinary(payloadBytes);
  const header = required(payload.getHeader(), 'header');
  const channelHeader = p.common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  if (channelHeader.getType() !== p.common.HeaderType.ENDORSER_TRANSACTION) {
    throw new Error(`the envelope is of header type ${channelHeader.getType()}, not an endorser transaction`);
  }
  const signatureHeader = p.common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const creatorBytes = signatureHeader.getCreator_asU8();
  const creator = p.msp.SerializedIdentity.deserializeBinary(creatorBytes);
  const nonce = signatureHeader.getNonce_asU8();
  const tx = p.peer.Transaction.deserializeBinary(payload.getData_asU8());
  const actions = tx.getActionsList();
  if (actions.length !== 1) throw new Error(`the transaction has ${actions.length} actions, not 1`);
  const actionPayload = p.peer.ChaincodeActionPayload.deserializeBinary(
    (actions[0] as FabricProtos.peer.TransactionAction).getPayload_asU8(),
  );
  const endorsed = required(actionPayload.getAction(), 'endorsed action');
  const prpBytes = endorsed.getProposalResponsePayload_asU8();
  const prp = p.peer.ProposalResponsePayload.deserializeBinary(prpBytes);
  const action = p.peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const response = required(action.getResponse(), 'chaincode response');
  const cpp = p.peer.ChaincodeProposalPayload.deserializeBinary(
    actionPayload.getChaincodeProposalPayload_asU8(),
  );
  const spec = required(
    p.peer.ChaincodeInvocationSpec.deserializeBinary(cpp.getInput_asU8()).getChaincodeSpec(),
    'chaincode spec',
  );
  const chaincode = required(spec.getChaincodeId(), 'chaincode id').getName();
  const [fn, ...args] = required(spec.getInput(), 'chaincode input').getArgsList_asU8().map(utf8);
  const results = p.ledger.rwset.TxReadWriteSet.deserializeBinary(action.getResults_asU8());
  const ns = results.getNsRwsetList().filter((n) => n.getNamespace() === chaincode);
  if (results.getNsRwsetList().length !== ns.length || ns.length > 1) {
    throw new Error(`the read/write set touches namespaces other than ${chaincode}`);
  }
  const rwset = ns[0] ? decodeKvRwSet(p, ns[0].getRwset_asU8()) : { reads: [], ranges: [], writes: [] };
  const eventBytes = action.getEvents_asU8();
  const event = eventBytes.length > 0 ? p.peer.ChaincodeEvent.deserializeBinary(eventBytes) : undefined;
  return {
    payload: {
      channel: channelHeader.getChannelId(),
      txId: channelHeader.getTxId(),
      nonce: Buffer.from(nonce).toString('hex'),
      timestamp: new Date(timestampMs(channelHeader.getTimestamp())).toISOString(),
      creator: { mspid: creator.getMspid(), certificate: utf8(creator.getIdBytes_asU8()) },
      fn: fn ?? '',
      args,
      response: { status: response.getStatus(), payload: b64(response.getPayload_asU8()) },
      rwset,
      event: event?.getEventName()
        ? { name: event.getEventName(), payload: b64(event.getPayload_asU8()) }
        : null,
    },
    payloadBytes,
    signature: envelope.getSignature_asU8(),
    creatorBytes,
    nonce,
    chaincode,
    endorsements: endorsed.getEndorsementsList().map((e) => {
      const endorser = p.msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8());
      return {
        mspid: endorser.getMspid(),
        certificate: utf8(endorser.getIdBytes_asU8()),
        signedBytes: Buffer.concat([prpBytes, e.getEndorser_asU8()]),
        signature: e.getSignature_asU8(),
      };
    }),
  };
}

/** The text stored in transactions.envelope for a Fabric envelope. */
export function fabricEnvelopeRecord(envelopeBytes: Uint8Array, payload: TxPayload): string {
  return canonicalJson({ format: FABRIC_ENVELOPE_FORMAT, envelope: b64(envelopeBytes), payload });
}

/** Why the creator's signature on a decoded envelope is refused, or null when it is good. */
export function fabricSignatureProblem(tx: FabricTx): string | null {
  let key: KeyObject;
  try {
    key = new X509Certificate(tx.payload.creator.certificate).publicKey;
  } catch {
    return 'its creator certificate is unreadable';
  }
  return derSignatureProblem(key, tx.payloadBytes, tx.signature);
}

/**
 * The checks `verify` runs on a stored Fabric envelope: the stored decoded fields are exactly the envelope's,
 * the id is Fabric's, and the creator signed it (low-S).
 */
export function checkFabricTx(tx: FabricTx, stored: TxPayload): { check: LedgerCheck; message: string }[] {
  const problems: { check: LedgerCheck; message: string }[] = [];
  const decoded = tx.payload as unknown as Record<string, unknown>;
  const kept = stored as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(decoded), ...Object.keys(kept)])].sort();
  const differ = fields.filter((f) => canonicalJson(decoded[f] ?? null) !== canonicalJson(kept[f] ?? null));
  if (differ.length > 0) {
    problems.push({
      check: LedgerCheck.TxRecord,
      message: `its stored fields (${differ.join(', ')}) differ from what its signed Fabric envelope says`,
    });
  }
  if (fabricTxId(tx.nonce, tx.creatorBytes) !== tx.payload.txId) {
    problems.push({
      check: LedgerCheck.TxRecord,
      message: 'its id is not SHA-256(nonce || creator) of its Fabric envelope',
    });
  }
  const bad = fabricSignatureProblem(tx);
  if (bad) {
    problems.push({
      check: LedgerCheck.TxSignature,
      message: `its Fabric envelope is not signed by its creator ${tx.payload.creator.mspid}: ${bad}`,
    });
  }
  return problems;
}
