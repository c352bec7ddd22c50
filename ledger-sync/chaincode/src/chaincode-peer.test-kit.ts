/**
 * The peer's side of the chaincode shim protocol (fabric peer core/chaincode: handler.go), enough to drive a
 * chaincode server the way a Fabric 2.5 peer drives chaincode-as-a-service: it dials the server's
 * `protos.Chaincode/Connect` stream, answers REGISTER with REGISTERED and READY, sends TRANSACTION messages
 * that carry a signed proposal, and serves the chaincode's GET_STATE / PUT_STATE / DEL_STATE /
 * GET_STATE_BY_RANGE / QUERY_STATE_CLOSE requests from an in-memory world state until COMPLETED.
 * As on a peer, reads see committed state only and writes commit when the transaction answers 200.
 * Not compiled into the package (see tsconfig exclude).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

// google-protobuf's Timestamp from the copy fabric-protos itself loads (one module instance for every message).
const protosRequire = createRequire(createRequire(import.meta.url).resolve('@hyperledger/fabric-protos'));
const { Timestamp } = protosRequire('google-protobuf/google/protobuf/timestamp_pb.js') as {
  Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void };
};

const Type = peer.ChaincodeMessage.Type;
type Message = peer.ChaincodeMessage;
type MessageType = (typeof Type)[keyof typeof Type];

export interface Creator {
  mspid: string;
  /** PEM certificate: ClientIdentity parses it, so it must be a well-formed X.509 certificate. */
  certificate: string;
}

export interface Write {
  key: string;
  /** UTF-8 text of the value; null for DEL_STATE. */
  value: string | null;
}

export interface TxResult {
  status: number;
  message: string;
  /** The response payload as UTF-8 text. */
  payload: string;
  event: { name: string; payload: string } | undefined;
  /** PUT_STATE / DEL_STATE requests, in the order the chaincode sent them. */
  writes: Write[];
  /** Every request type the chaincode sent for this transaction, in order. */
  requests: string[];
}

export interface TestPeer {
  /** The chaincode id the server registered with. */
  readonly registeredAs: string;
  /** Committed world state (UTF-8 values). */
  readonly state: Map<string, string>;
  invoke(creator: Creator, fn: string, args: string[], timestampMs: number): Promise<TxResult>;
  close(): void;
}

const typeName = (t: number) => Object.entries(Type).find(([, v]) => v === t)?.[0] ?? `type ${t}`;

/** A queue over the stream's messages: `next()` takes the oldest, waiting for one; stream failure rejects. */
function inbox(stream: grpc.ClientDuplexStream<Message, Message>) {
  const queued: Message[] = [];
  const waiting: Array<{ resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  stream.on('data', (m: Message) => {
    const w = waiting.shift();
    if (w) w.resolve(m);
    else queued.push(m);
  });
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  stream.on('error', fail);
  stream.on('end', () => fail(new Error('the chaincode closed the stream')));
  return {
    next(): Promise<Message> {
      const m = queued.shift();
      if (m) return Promise.resolve(m);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

function message(
  type: MessageType,
  txid: string,
  channel: string,
  payload: Uint8Array = new Uint8Array(),
): Message {
  const m = new peer.ChaincodeMessage();
  m.setType(type);
  m.setTxid(txid);
  m.setChannelId(channel);
  m.setPayload(payload);
  return m;
}

/**
 * The SignedProposal a Fabric client sends (fabric-gateway proposalbuilder.ts): the chaincode reads its creator
 * (SerializedIdentity) and its timestamp from the channel header. The transaction id is the hex SHA-256 of
 * nonce || creator, as Fabric derives it.
 */
function signedProposal(
  creator: Creator,
  channel: string,
  chaincode: string,
  input: peer.ChaincodeInput,
  ms: number,
) {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(creator.mspid);
  identity.setIdBytes(Buffer.from(creator.certificate));
  const creatorBytes = identity.serializeBinary();
  const nonce = randomBytes(24);
  const txId = createHash('sha256').update(nonce).update(creatorBytes).digest('hex');

  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(ms / 1000));
  timestamp.setNanos((ms % 1000) * 1_000_000);
  const ccId = new peer.ChaincodeID();
  ccId.setName(chaincode);
  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(ccId);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setChannelId(channel);
  channelHeader.setTxId(txId);
  channelHeader.setTimestamp(timestamp as never);
  channelHeader.setExtension$(extension.serializeBinary());
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creatorBytes);
  signatureHeader.setNonce(nonce);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(ccId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());

  const signed = new peer.SignedProposal();
  signed.setProposalBytes(proposal.serializeBinary());
  // The peer checks the client's signature before it calls the chaincode; the shim only passes it along.
  signed.setSignature(new Uint8Array());
  return { signed, txId };
}

/** Keys in [start, end) in byte order (end '' = unbounded), as the peer's state database answers a range. */
function rangeOf(state: Map<string, string>, start: string, end: string): string[] {
  const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  return [...state.keys()].filter((k) => cmp(k, start) >= 0 && (end === '' || cmp(k, end) < 0)).sort(cmp);
}

/** Connects to a chaincode server and completes the REGISTER / REGISTERED / READY handshake. */
export async function connectPeer(address: string, channel = 'coldtrail'): Promise<TestPeer> {
  const client = new peer.ChaincodeClient(address, grpc.credentials.createInsecure());
  const stream = client.connect() as grpc.ClientDuplexStream<Message, Message>;
  const messages = inbox(stream);
  const close = () => {
    stream.cancel();
    client.close();
  };
  try {
    const register = await messages.next();
    if (register.getType() !== Type.REGISTER) {
      throw new Error(`expected REGISTER first, got ${typeName(register.getType())}`);
    }
    const registeredAs = peer.ChaincodeID.deserializeBinary(register.getPayload_asU8()).getName();
    stream.write(message(Type.REGISTERED, '', ''));
    stream.write(message(Type.READY, '', ''));
    const state = new Map<string, string>();
    // One transaction at a time, as these tests drive it: every message until COMPLETED belongs to it.
    const invoke = async (creator: Creator, fn: string, args: string[], ms: number): Promise<TxResult> => {
      const input = new peer.ChaincodeInput();
      input.setArgsList([fn, ...args].map((a) => Buffer.from(a)));
      const { signed, txId } = signedProposal(creator, channel, registeredAs, input, ms);
      const tx = message(Type.TRANSACTION, txId, channel, input.serializeBinary());
      tx.setProposal(signed);
      stream.write(tx);
      const writes: Write[] = [];
      const requests: string[] = [];
      for (;;) {
        const m = await messages.next();
        if (m.getTxid() !== txId) throw new Error(`message for ${m.getTxid()} during ${txId}`);
        requests.push(typeName(m.getType()));
        const answer = (payload: Uint8Array = new Uint8Array()) =>
          stream.write(message(Type.RESPONSE, txId, channel, payload));
        switch (m.getType()) {
          case Type.GET_STATE: {
            const req = peer.GetState.deserializeBinary(m.getPayload_asU8());
            answer(Buffer.from(state.get(req.getKey()) ?? ''));
            break;
          }
          case Type.PUT_STATE: {
            const req = peer.PutState.deserializeBinary(m.getPayload_asU8());
            writes.push({ key: req.getKey(), value: Buffer.from(req.getValue_asU8()).toString('utf8') });
            answer();
            break;
          }
          case Type.DEL_STATE: {
            writes.push({ key: peer.DelState.deserializeBinary(m.getPayload_asU8()).getKey(), value: null });
            answer();
            break;
          }
          case Type.GET_STATE_BY_RANGE: {
            const req = peer.GetStateByRange.deserializeBinary(m.getPayload_asU8());
            const res = new peer.QueryResponse();
            res.setId(`${txId}-range-${requests.length}`);
            res.setHasMore(false);
            for (const key of rangeOf(state, req.getStartkey(), req.getEndkey())) {
              const kv = new ledger.queryresult.KV();
              kv.setNamespace(registeredAs);
              kv.setKey(key);
              kv.setValue(Buffer.from(state.get(key) ?? ''));
              const row = new peer.QueryResultBytes();
              row.setResultbytes(kv.serializeBinary());
              res.addResults(row);
            }
            answer(res.serializeBinary());
            break;
          }
          case Type.QUERY_STATE_CLOSE:
            answer(new peer.QueryResponse().serializeBinary());
            break;
          case Type.COMPLETED: {
            const res = peer.Response.deserializeBinary(m.getPayload_asU8());
            const ev = m.getChaincodeEvent();
            const status = res.getStatus();
            if (status === 200) {
              for (const w of writes) {
                if (w.value === null) state.delete(w.key);
                else state.set(w.key, w.value);
              }
            }
            return {
              status,
              message: res.getMessage(),
              payload: Buffer.from(res.getPayload_asU8()).toString('utf8'),
              event: ev?.getEventName()
                ? { name: ev.getEventName(), payload: Buffer.from(ev.getPayload_asU8()).toString('utf8') }
                : undefined,
              writes,
              requests,
            };
          }
          case Type.ERROR:
            throw new Error(
              `the chaincode answered ERROR: ${Buffer.from(m.getPayload_asU8()).toString('utf8')}`,
            );
          default:
            stream.write(
              message(Type.ERROR, txId, channel, Buffer.from(`${typeName(m.getType())} is not served here`)),
            );
        }
      }
    };
    return { registeredAs, state, invoke, close };
  } catch (err) {
    close();
    throw err;
  }
}
