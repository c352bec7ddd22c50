/**
 * ChaincodeEvents of the Gateway test server (test-only): streams the events of valid transactions, one
 * response per block, from the stored blocks and then live as blocks commit, from the requested start
 * position or after a given transaction (internal/pkg/gateway/api.go chaincodeEventsStartBlock).
 */
import type * as Grpc from '@grpc/grpc-js';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import type { CreatorCheck } from './gateway-creators.test-kit.js';
import { CHAINCODE, CHANNEL, type GatewayLedger } from './gateway-ledger.test-kit.js';
import { GatewayRpcError, grpc, protos } from './gateway-protos.test-kit.js';

const p = protos;

/** Writes the events to `call` until the client cancels; a refusal rejects before anything is written. */
export async function streamChaincodeEvents(
  ledger: GatewayLedger,
  creators: CreatorCheck,
  call: Grpc.ServerWritableStream<FabricProtos.gateway.SignedChaincodeEventsRequest, unknown>,
): Promise<void> {
  const bytes = call.request.getRequest_asU8();
  if (bytes.length === 0)
    throw new GatewayRpcError(grpc.status.INVALID_ARGUMENT, 'a chaincode events request is required');
  const req = p.gateway.ChaincodeEventsRequest.deserializeBinary(bytes);
  creators.checkAcl(
    req.getIdentity_asU8(),
    bytes,
    call.request.getSignature_asU8(),
    'chaincode events request',
  );
  if (req.getChannelId() !== CHANNEL)
    throw new GatewayRpcError(grpc.status.NOT_FOUND, `channel [${req.getChannelId()}] not found`);
  const chaincode = req.getChaincodeId();
  let next = startBlock(ledger, req.getStartPosition());
  // after_transaction_id: start at its block, with the events after it (api.go chaincodeEventsStartBlock).
  const after = req.getAfterTransactionId() ? ledger.position(req.getAfterTransactionId()) : undefined;
  if (after) next = after.blockNumber;
  let cancelled = call.cancelled;
  const stop = new Promise<void>((resolve) =>
    call.on('cancelled', () => {
      cancelled = true;
      resolve();
    }),
  );
  while (!cancelled) {
    const wake = ledger.nextBlock();
    const tip = ledger.tip();
    const byBlock = new Map<number, FabricProtos.peer.ChaincodeEvent[]>();
    for (const row of ledger.events(next)) {
      if (row.blockNumber > tip) break;
      if (
        after &&
        (row.blockNumber < after.blockNumber ||
          (row.blockNumber === after.blockNumber && row.txIndex <= after.txIndex))
      )
        continue;
      if (chaincode !== CHAINCODE) continue;
      const event = new p.peer.ChaincodeEvent();
      event.setChaincodeId(CHAINCODE);
      event.setTxId(row.txId);
      event.setEventName(row.event.name);
      event.setPayload(Buffer.from(row.event.payload, 'base64'));
      const list = byBlock.get(row.blockNumber) ?? [];
      list.push(event);
      byBlock.set(row.blockNumber, list);
    }
    for (const [blockNumber, events] of byBlock) {
      const res = new p.gateway.ChaincodeEventsResponse();
      res.setBlockNumber(blockNumber);
      res.setEventsList(events);
      call.write(res);
    }
    next = Math.max(next, tip + 1);
    await Promise.race([wake, stop]);
  }
}

function startBlock(ledger: GatewayLedger, position: FabricProtos.orderer.SeekPosition | undefined): number {
  const Case = p.orderer.SeekPosition.TypeCase;
  switch (position?.getTypeCase() ?? Case.TYPE_NOT_SET) {
    case Case.SPECIFIED:
      return position?.getSpecified()?.getNumber() ?? 0;
    case Case.OLDEST:
      return 0;
    case Case.NEWEST:
      return Math.max(ledger.tip(), 0);
    default:
      return ledger.tip() + 1; // nextCommit, or none given
  }
}
