import { ColdtrailError, canonicalJson, ErrorCode } from '@coldtrail/core';
import type { LedgerPort } from '@coldtrail/ledger-sync';
import type { RegisterSignerArgs, SetDispositionArgs } from '../admin/admin-protocol.js';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * The ledger writes behind `coldtrail signer add` and `coldtrail disposition quarantine|release|reject`: one
 * contract transaction each (RegisterSigner, SetDisposition) on a port acting as the org. Shared by the admin
 * socket (the server's port) and by the commands without a server (custody-ops.ts withLocalPort), so both
 * send the same arguments. The contract checks the signature and who may act; its refusals come back typed.
 */
export async function runRegisterSigner(port: LedgerPort, args: RegisterSignerArgs): Promise<unknown> {
  const { org, ...signer } = args;
  return decode('RegisterSigner', (await port.submit('RegisterSigner', [canonicalJson(signer)])).result);
}

export async function runSetDisposition(port: LedgerPort, args: SetDispositionArgs): Promise<unknown> {
  const { org, ...request } = args;
  return decode('SetDisposition', (await port.submit('SetDisposition', [canonicalJson(request)])).result);
}

/** Inside the server: signers and dispositions act as the server's org only (as custody does). */
export function signerOrgOfServer(asked: string | undefined, serverOrg: string, dataDir: string): void {
  if (asked !== undefined && asked !== serverOrg) {
    throw new ExitError(
      Exit.Usage,
      `the server on ${dataDir} acts for ${serverOrg}, not ${asked}: the signer belongs to ${asked}; stop the ` +
        `server and run the command again, or use a signer of ${serverOrg}`,
    );
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decode(fn: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ColdtrailError(ErrorCode.InvalidInput, `the ledger's answer to ${fn} is not JSON`);
  }
}
