import { ColdtrailError, canonicalJson, ErrorCode } from '@coldtrail/core';
import type { LedgerPort } from '@coldtrail/ledger-sync';
import type { DefineStabilityBudgetArgs } from '../admin/admin-protocol.js';

/**
 * The ledger write behind `coldtrail stability define`: one DefineStabilityBudget transaction on a port acting
 * as the signer's org, shared by the admin socket (the server's port) and by the command without a server
 * (custody-ops.ts withLocalPort), so both send the same arguments. The contract checks the band, the signer
 * and the signature (chaincode stability.ts, signers.ts); its refusals come back typed.
 */
export async function runDefineStabilityBudget(
  port: LedgerPort,
  args: DefineStabilityBudgetArgs,
): Promise<unknown> {
  const { org, ...request } = args;
  const { result } = await port.submit('DefineStabilityBudget', [canonicalJson(request)]);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(result));
  } catch {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      "the ledger's answer to DefineStabilityBudget is not JSON",
    );
  }
}
