import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { checkEpcisDocument, describeEpcisProblems } from '@coldtrail/core';
import { AdminOp } from '../admin/admin-protocol.js';
import { resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { withLocalPort } from '../operator/custody-ops.js';
import { serverOrg } from '../operator/data-dir-org.js';
import { importOutcomeSchema, runImportEpcis } from '../operator/epcis-import-ops.js';
import { throughServerOrLocal } from '../operator/through-server.js';

/** The contract refuses larger documents (EPCIS_IMPORT_LIMITS); said here before anything is opened. */
export const MAX_EPCIS_DOCUMENT_BYTES = 4 * 1024 * 1024;

export interface EpcisImportOptions {
  dataDir?: string;
  /** The importing org (MSP id); needed for a data dir that has none yet. */
  org?: string;
  json?: boolean;
}

/**
 * `coldtrail epcis import FILE --data-dir DIR [--org MSP]`: records a partner's EPCIS 2.0 JSON-LD document on the
 * ledger as an imported document (its SHA-256, the importer, its events), in one transaction: all of it or
 * nothing. Invalid documents are refused with the path that failed (exit 2), before the ledger is touched; an
 * eventID imported before with the same content is a no-op, with other content a refusal naming both documents
 * (exit 2). A data dir that does not exist yet is created (with --org). Through the server when one holds it.
 */
export async function epcisImport(file: string, opts: EpcisImportOptions): Promise<void> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new ExitError(
      Exit.Usage,
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  if (size > MAX_EPCIS_DOCUMENT_BYTES) {
    throw new ExitError(
      Exit.Usage,
      `${file} is ${size} bytes; an imported EPCIS document may hold at most ${MAX_EPCIS_DOCUMENT_BYTES}: split it into several documents`,
    );
  }
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ExitError(Exit.Usage, `${file} is not JSON: ${(err as Error).message}`);
  }
  const checked = checkEpcisDocument(doc);
  if (!checked.ok) {
    throw new ExitError(
      Exit.Usage,
      `${file} is not a valid EPCIS 2.0 document, nothing was imported:\n${describeEpcisProblems(checked.problems)}`,
    );
  }
  const dataDir = resolveDataDir(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const { result, via } = await throughServerOrLocal(
    dataDir,
    {
      op: AdminOp.ImportEpcis,
      args: { ...(opts.org === undefined ? {} : { org: opts.org }), document: text },
    },
    () => withLocalPort(dataDir, serverOrg(dataDir, opts.org), (port) => runImportEpcis(port, text)),
  );
  const outcome = importOutcomeSchema.parse(result);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...outcome, via }, null, 2)}\n`);
    return;
  }
  const d = outcome.document;
  process.stdout.write(
    outcome.created
      ? `imported ${file}: ${outcome.newEvents} event(s) new, ${outcome.knownEvents} already on the ledger; document sha-256 ${d.hash}, tx ${d.txId}\n`
      : `${file} was imported before (document sha-256 ${d.hash}, ${d.at} by ${d.importer.msp}): nothing written\n`,
  );
}
