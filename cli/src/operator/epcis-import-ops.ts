import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { LedgerPort } from '@coldtrail/ledger-sync';
import { z } from 'zod';

/** What ImportEpcisDocument answers (the contract's ImportOutcome), checked: the ledger's answer is input too. */
export const importOutcomeSchema = z.object({
  document: z.object({
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    importer: z.object({ msp: z.string(), id: z.string(), cn: z.string() }),
    at: z.string(),
    txId: z.string(),
    eventIDs: z.array(z.string()),
  }),
  created: z.boolean(),
  newEvents: z.number().int().nonnegative(),
  knownEvents: z.number().int().nonnegative(),
});
export type ImportOutcome = z.infer<typeof importOutcomeSchema>;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One EPCIS document recorded in ONE ledger transaction (the contract's ImportEpcisDocument: its hash over the
 * bytes as given, the importer's identity, every event under its eventID), so nothing is ever half-imported.
 * Shared by the admin socket (the server's port) and the command without a server.
 */
export async function runImportEpcis(port: LedgerPort, document: string): Promise<ImportOutcome> {
  const { result } = await port.submit('ImportEpcisDocument', [document]);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(result));
  } catch {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      "the ledger's answer to ImportEpcisDocument is not JSON",
    );
  }
  const parsed = importOutcomeSchema.safeParse(value);
  if (!parsed.success) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      "the ledger's answer to ImportEpcisDocument is malformed; is the deployed chaincode this version's?",
    );
  }
  return parsed.data;
}
