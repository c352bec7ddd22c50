import {
  describeGs1Subject,
  EPCIS_CONTEXT_URI,
  type EpcisDocument,
  type EpcisEvent,
  exportedImportedEvent,
  type ImportedEventView,
  parseGs1Identifier,
  type ReadingRecord,
  toEpcisDocument,
} from '@coldtrail/core';
import { openQuery, type ProvenanceReport, type SubjectProvenanceReport } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { parseExpectTip } from '../expect-tip.js';
import type { ProvenanceFormat } from '../provenance-formats.js';
import { renderProvenance } from '../render/provenance-text.js';
import { renderSubject } from '../render/subject-text.js';
import { renderTripReport, seriesFromRecords } from '../render/trip-report-html.js';
import { writeProvenanceBundle } from './provenance-bundle.js';

export interface ProvenanceOptions {
  dataDir?: string;
  json?: boolean;
  /** `N:HASH`, `N` or a checkpoint file (see expect-tip.ts). */
  expectTip?: string;
  /** The lot of a GTIN given as the identifier (`coldtrail provenance GTIN --lot LOT`). */
  lot?: string;
  /** What to print: table (default), json (also `--json`), epcis (EPCIS 2.0 JSON-LD), html (trip report). */
  format?: ProvenanceFormat;
  /** Also write the shipment's offline bundle there (an SSCC only; bundle-write.ts). */
  bundle?: string;
}

/**
 * `coldtrail provenance <id> [--lot LOT]`: custody, readings, excursions and the verification of every step,
 * for any GS1 identifier core's parseGs1Identifier reads (gs1-identifiers.ts): an SSCC (18 digits, (00),
 * urn:epc:id:sscc:, Digital Link /00/), an SGTIN (urn:epc:id:sgtin:, (01)..(21).., Digital Link /01/../21/..)
 * or a lot ((01)..(10).., urn:epc:class:lgtin:, Digital Link /01/../10/.., or a GTIN with --lot).
 *
 * Output (the JSON is an API: fields are added, never renamed or dropped):
 * - an SSCC: exactly the shipment's provenance report, as before (ledger-sync ProvenanceReport), with
 *   `imported`: the partner EPCIS events imported on the ledger that name its urn:epc:id:sscc: (each with its
 *   eventID, the event as the partner wrote it, the document's sha-256, the importer and when it was recorded);
 * - an SGTIN or a lot: ledger-sync's ItemProvenanceReport — `kind` ('sgtin'|'lot'), `subject`, `identifiers`
 *   (elementString, digitalLink, epc), `shipments` (each: sscc, path from the item's innermost container out,
 *   the declared `lines`, the SSCC's `disposition`, and its full `provenance` report), `aggregation`,
 *   `receipts`, `dispenses`, `expiries`, `disposition` {current, trail}, `stabilityBudget`, `recallScope`
 *   {ssccs, sites, custodians}, `verification` {ok, shipments: [{sscc, ok, failed}]}, `limits` and `imported`
 *   (the partner events naming the SGTIN's urn:epc:id:sgtin: or the lot's urn:epc:class:lgtin:).
 * `--format epcis` carries the imported events unchanged (same eventID and content) beside ours, so an export
 * of an import gives the partner's events back; for an SGTIN or a lot no shipment carried but partner events
 * name, it is a document of those events alone (exit 0 when the ledger verifies).
 * Exit 0 when everything verifies, 3 when any check of any shipment fails, 4 when the shipment is unknown or
 * no shipment carried the SGTIN or lot, 2 for an identifier that is no valid GS1 identifier (the message says
 * what is wrong). Reads only: the data directory is opened read-only and left byte-for-byte as it was.
 */
export async function provenance(idInput: string, opts: ProvenanceOptions): Promise<void> {
  const subject = parseGs1Identifier(idInput, opts.lot === undefined ? {} : { lot: opts.lot });
  const format = formatOf(opts);
  if (format === 'html' && subject.kind !== 'sscc') {
    throw new ExitError(
      Exit.Usage,
      `the HTML trip report is one shipment's: give an SSCC (the answer for ${describeGs1Subject(subject)} lists the SSCCs that carried it)`,
    );
  }
  if (opts.bundle !== undefined && subject.kind !== 'sscc') {
    throw new ExitError(
      Exit.Usage,
      `a bundle holds one shipment: give its SSCC (the answer for ${describeGs1Subject(subject)} lists the SSCCs that carried it)`,
    );
  }
  const expectTip = opts.expectTip === undefined ? undefined : parseExpectTip(opts.expectTip);
  const dir = existingLedgerSyncDir(resolveDataDir(opts.dataDir));
  const query = await openQuery({ dataDir: dir });
  try {
    // Each shipment's verified readings, in the order the answer reads the shipments (for epcis and html).
    const readings: (readonly ReadingRecord[])[] = [];
    const answer = await query.subjectProvenance(subject, {
      ...(expectTip ? { expectTip } : {}),
      ...(format === 'epcis' || format === 'html' ? { onRecords: (r) => void readings.push(r) } : {}),
    });
    const partnerOnly = answer.kind !== 'sscc' && answer.shipments.length === 0;
    if (partnerOnly && !(format === 'epcis' && answer.imported.length > 0)) {
      const partner =
        answer.imported.length > 0
          ? `; ${answer.imported.length} partner event(s) (imported EPCIS) name it: \`--format epcis\` exports them`
          : '';
      throw new ExitError(
        Exit.NotFound,
        `no shipment on this ledger carried ${describeGs1Subject(subject)}: check the identifier, or the data dir (${dir})${partner}`,
      );
    }
    if (opts.bundle !== undefined && answer.kind === 'sscc') {
      const written = await writeProvenanceBundle(answer.report.sscc, { ...opts, bundle: opts.bundle });
      process.stderr.write(
        `bundle written: ${written.file} (${written.readings} readings, ${written.bytes} bytes, ledger tip ${written.tip.number}:${written.tip.hash}); check it anywhere with \`coldtrail verify ${written.file}\`\n`,
      );
    }
    process.stdout.write(render(answer, format, readings));
    if (partnerOnly) {
      // Nothing of ours to verify; the ledger the partner events were read from did verify (else CORRUPTED).
      process.stderr.write(
        `no shipment on this ledger carried ${describeGs1Subject(subject)}: the document holds only the partner events (imported EPCIS) that name it\n`,
      );
    } else if (!answer.verification.ok) process.exitCode = Exit.VerificationFailed;
  } finally {
    await query.close();
  }
}

/** `--json` is `--format json`; asking for both json and another format is a contradiction, not a choice. */
function formatOf(opts: Pick<ProvenanceOptions, 'json' | 'format'>): ProvenanceFormat {
  const format = opts.format ?? 'table';
  if (opts.json && format !== 'json' && format !== 'table') {
    throw new ExitError(Exit.Usage, `--json and --format ${format} ask for two outputs: choose one`);
  }
  return opts.json ? 'json' : format;
}

/** The one place an answer becomes output. */
function render(
  answer: SubjectProvenanceReport,
  format: ProvenanceFormat,
  readings: readonly (readonly ReadingRecord[])[],
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(answer.kind === 'sscc' ? answer.report : answer, null, 2)}\n`;
    case 'table':
      return answer.kind === 'sscc' ? renderProvenance(answer.report) : renderSubject(answer);
    case 'epcis': {
      const reports = answer.kind === 'sscc' ? [answer.report] : answer.shipments.map((s) => s.provenance);
      const imported = [
        ...(answer.kind === 'sscc' ? [] : answer.imported),
        ...reports.flatMap((r) => r.imported ?? []),
      ];
      return `${JSON.stringify(epcisOf(reports, readings, imported), null, 2)}\n`;
    }
    case 'html':
      if (answer.kind !== 'sscc') throw new Error('html is refused for items before the answer is read');
      return renderTripReport(answer.report, seriesFromRecords(readings[0] ?? []));
    default:
      return format satisfies never;
  }
}

/**
 * One EPCIS 2.0 document for the answer: each shipment's events (commissioning, custody, sensor reports of
 * every reading, alarms, its disposition), bizRules citing the profile the shipment is judged by, then the
 * partner events imported on the ledger that name the subject or its shipments, each once and unchanged (the
 * partner's eventID and content, so re-importing the export is a no-op for them).
 */
function epcisOf(
  reports: readonly ProvenanceReport[],
  readings: readonly (readonly ReadingRecord[])[],
  imported: readonly ImportedEventView[],
): EpcisDocument {
  const creationDate = new Date().toISOString();
  const docs = reports.map((r, i) =>
    toEpcisDocument(
      {
        shipment: r.shipment,
        device: r.device,
        custody: r.custody,
        excursions: r.excursions,
        readings: (readings[i] ?? []).flatMap((rec) =>
          typeof rec.value === 'number'
            ? [
                {
                  sensor: rec.sensor,
                  kind: rec.kind,
                  ts: rec.ts,
                  value: rec.value,
                  unit: rec.unit ?? undefined,
                },
              ]
            : [],
        ),
        ...(r.disposition ? { dispositions: [r.disposition] } : {}),
        profileUri: r.rules.uri,
      },
      { creationDate },
    ),
  );
  const out: EpcisDocument = docs[0] ?? {
    '@context': [EPCIS_CONTEXT_URI],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate,
    epcisBody: { eventList: [] },
  };
  for (const d of docs.slice(1)) out.epcisBody.eventList.push(...d.epcisBody.eventList);
  const seen = new Set(out.epcisBody.eventList.map((e) => e.eventID));
  for (const x of imported) {
    if (seen.has(x.eventID)) continue;
    seen.add(x.eventID);
    out.epcisBody.eventList.push(exportedImportedEvent(x) as EpcisEvent);
  }
  return out;
}
