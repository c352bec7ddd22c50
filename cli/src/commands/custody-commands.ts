import {
  custodyEventSchema,
  custodyOfferSchema,
  isIdentifier,
  parseSscc,
  shipmentEntrySchema,
} from '@coldtrail/core';
import { openLedgerReader } from '@coldtrail/ledger-sync';
import { z } from 'zod';
import { AdminOp, type CustodyRequest } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { runCustody, withLocalPort } from '../operator/custody-ops.js';
import { serverOrg } from '../operator/data-dir-org.js';
import { throughServerOrLocal } from '../operator/through-server.js';

/**
 * `coldtrail custody offer|accept|reject|withdraw|show <sscc>`: the contract's two-step custody hand-over
 * from the command line. The custodian offers the shipment to a named org at a site; that org accepts
 * (becoming the custodian) or rejects with a reason; the offerer may withdraw an unanswered offer. Each
 * step acts as `--org` (default: the data dir's own org), through the running server when one holds the
 * data dir (which acts only as its own org), else in this process under the data dir's lock. `show` reads
 * only. Refusals are the contract's, with its message (FORBIDDEN, CONFLICT, NOT_FOUND: exit 2 / 4).
 */
export interface CustodyOptions {
  dataDir?: string;
  org?: string;
  json?: boolean;
}

export async function custodyOffer(
  ssccInput: string,
  opts: CustodyOptions & { to: string; location: string },
): Promise<void> {
  identifier('--to', opts.to);
  const args = { sscc: parseSscc(ssccInput), to: opts.to, location: opts.location };
  const result = await act({ op: AdminOp.OfferCustody, args: withOrg(args, opts) }, opts);
  const o = custodyOfferSchema.parse(result);
  say(opts, result, `offered ${o.sscc} to ${o.to} at ${o.location} (as ${o.from})`);
}

export async function custodyAccept(
  ssccInput: string,
  opts: CustodyOptions & { location: string },
): Promise<void> {
  const args = { sscc: parseSscc(ssccInput), location: opts.location };
  const result = await act({ op: AdminOp.AcceptCustody, args: withOrg(args, opts) }, opts);
  const { shipment, event } = acceptResult.parse(result);
  say(
    opts,
    result,
    `${event.org} accepted custody of ${shipment.sscc} from ${event.from ?? '?'} at ${event.location ?? '?'}; ` +
      `custodian now ${shipment.custodian}`,
  );
}

export async function custodyReject(
  ssccInput: string,
  opts: CustodyOptions & { location: string; reason: string },
): Promise<void> {
  if (typeof opts.reason !== 'string' || opts.reason.trim() === '') {
    throw new ExitError(Exit.Usage, 'a rejection needs --reason TEXT: say why the shipment is refused');
  }
  const args = { sscc: parseSscc(ssccInput), location: opts.location, reason: opts.reason };
  const result = await act({ op: AdminOp.RejectCustody, args: withOrg(args, opts) }, opts);
  const e = custodyEventSchema.parse(result);
  say(
    opts,
    result,
    `${e.org} rejected the offer of ${e.sscc} from ${e.from ?? '?'} at ${e.location ?? '?'}: ${e.reason ?? ''}`,
  );
}

export async function custodyWithdraw(
  ssccInput: string,
  opts: CustodyOptions & { reason?: string },
): Promise<void> {
  const args = {
    sscc: parseSscc(ssccInput),
    ...(opts.reason === undefined ? {} : { reason: opts.reason }),
  };
  const result = await act({ op: AdminOp.WithdrawOffer, args: withOrg(args, opts) }, opts);
  const e = custodyEventSchema.parse(result);
  say(
    opts,
    result,
    `${e.org} withdrew the offer of ${e.sscc} to ${e.to ?? '?'}${e.reason ? `: ${e.reason}` : ''}`,
  );
}

/** `custody show`: the contract's GetCustody on a read-only view of the ledger (works while a server runs). */
export async function custodyShow(ssccInput: string, opts: Omit<CustodyOptions, 'org'>): Promise<void> {
  const sscc = parseSscc(ssccInput);
  const dataDir = resolveDataDir(opts.dataDir);
  const dir = existingLedgerSyncDir(dataDir);
  const reader = await openLedgerReader(dir);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(await reader.port.evaluate('GetCustody', [sscc])));
  } finally {
    await reader.close();
  }
  if (raw === null) {
    throw new ExitError(
      Exit.NotFound,
      `shipment ${sscc} is not on the ledger: \`coldtrail shipment list --data-dir ${dataDir}\` shows them`,
    );
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
    return;
  }
  const view = custodyView.parse(raw);
  const lines = [
    `shipment ${view.sscc}: custodian ${view.custodian}`,
    view.openOffer
      ? `open offer: ${view.openOffer.from} -> ${view.openOffer.to} at ${view.openOffer.location} (${view.openOffer.at})`
      : 'open offer: none',
    ...view.events.map(
      (e) =>
        `  ${e.at} ${e.action} by ${e.org}` +
        (e.from ? ` from ${e.from}` : '') +
        (e.to ? ` to ${e.to}` : '') +
        (e.location ? ` at ${e.location}` : '') +
        (e.reason ? `: ${e.reason}` : ''),
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const acceptResult = z.object({ shipment: shipmentEntrySchema, event: custodyEventSchema });
const custodyView = z.object({
  sscc: z.string(),
  custodian: z.string(),
  openOffer: custodyOfferSchema.nullable(),
  events: z.array(custodyEventSchema),
});

function identifier(name: string, value: string): void {
  if (!isIdentifier(value)) {
    throw new ExitError(
      Exit.Usage,
      `${name} "${value}" is not an MSP id: letters, digits, . _ - (e.g. PharmacyMSP)`,
    );
  }
}

function withOrg<A extends object>(args: A, opts: CustodyOptions): A & { org?: string } {
  if (opts.org === undefined) return args;
  identifier('--org', opts.org);
  return { ...args, org: opts.org };
}

/** Through the running server (as its org), else here as --org or the data dir's own org. */
async function act(request: CustodyRequest, opts: CustodyOptions): Promise<unknown> {
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  const { result } = await throughServerOrLocal(dataDir, request, () =>
    withLocalPort(dataDir, serverOrg(dataDir, opts.org), (port) => runCustody(port, request)),
  );
  return result;
}

function say(opts: CustodyOptions, result: unknown, line: string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${line}\n`);
}
