import { ColdtrailError, canonicalJson, ErrorCode, parseSscc, systemClock } from '@coldtrail/core';
import {
  type LedgerPort,
  openDefaultLedger,
  parseLedgerSyncConfig,
  readLedgerSelection,
} from '@coldtrail/ledger-sync';
import { AdminOp, type CustodyRequest } from '../admin/admin-protocol.js';
import { ledgerSyncDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * The custody hand-over behind `coldtrail custody offer|accept|reject|withdraw`: one contract transaction
 * (OfferCustody, AcceptCustody, RejectCustody, WithdrawOffer) on a ledger port acting as the org that acts.
 * Shared by the admin socket (the server's own port) and by the commands without a server (a port of the
 * data dir's ledger opened here), so both paths send the same arguments. The contract decides who may act
 * and checks every field; its refusals arrive as ColdtrailErrors with its code (FORBIDDEN, CONFLICT, ...).
 */
export async function runCustody(port: LedgerPort, request: CustodyRequest): Promise<unknown> {
  const sscc = parseSscc(request.args.sscc);
  const submit = async (fn: string, arg: object) =>
    decode(fn, (await port.submit(fn, [sscc, canonicalJson(arg)])).result);
  switch (request.op) {
    case AdminOp.OfferCustody:
      return submit('OfferCustody', { to: request.args.to, location: request.args.location });
    case AdminOp.AcceptCustody:
      return submit('AcceptCustody', { location: request.args.location });
    case AdminOp.RejectCustody:
      return submit('RejectCustody', { location: request.args.location, reason: request.args.reason });
    case AdminOp.WithdrawOffer:
      return submit(
        'WithdrawOffer',
        request.args.reason === undefined ? {} : { reason: request.args.reason },
      );
    default:
      return request satisfies never;
  }
}

/**
 * Inside the server: custody requests act as the server's org. Another org is refused — the server holds a
 * ledger session for its own org only, and letting any local user of the socket sign as any org would make
 * the org a claim instead of a key held on purpose.
 */
export function custodyOrgOfServer(request: CustodyRequest, serverOrg: string, dataDir: string): void {
  const asked = request.args.org;
  if (asked !== undefined && asked !== serverOrg) {
    throw new ExitError(
      Exit.Usage,
      `the server on ${dataDir} acts for ${serverOrg}, not ${asked}: act as ${serverOrg} (drop --org), or ` +
        `stop the server and run the command again with --org ${asked}`,
    );
  }
}

/**
 * Without a server (the caller holds the data dir's lock): the data dir's ledger as `org`, for one job, opened
 * the way ledger-sync opens it (openDefaultLedger), the data dir's own ledger (ledger-selection.ts). The embedded ledger makes the org's client identity on
 * first use (ledger-keys/msp/<org>/); on Fabric the connection file's identity must be that org.
 */
export async function withLocalPort<T>(
  dataDir: string,
  org: string,
  job: (port: LedgerPort) => Promise<T>,
): Promise<T> {
  const dir = ledgerSyncDir(dataDir);
  const selection = readLedgerSelection(dir);
  const config = parseLedgerSyncConfig({ dataDir: dir, org, ...selection });
  const ledger = await openDefaultLedger(config, systemClock);
  try {
    return await job(ledger.port);
  } finally {
    await ledger.close();
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
