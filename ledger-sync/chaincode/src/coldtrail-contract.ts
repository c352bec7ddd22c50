import { canonicalJson } from '@coldtrail/core';
// Context must stay a value import: the decorator metadata (design:paramtypes) names the class, and the
// contract SPI drops parameters of exactly that class. As a type-only import the metadata says Function.
// biome-ignore lint/style/useImportType: needed at runtime by emitDecoratorMetadata
import fabricContractApi, { Context, Contract } from 'fabric-contract-api';
import { anchoredUpTo, anchorReadings, getAnchors } from './anchors.js';
import { completeShipment } from './completion.js';
import * as custody from './custody-transactions.js';
import { getDevice, registerDevice, revokeDevice } from './devices.js';
import { getDisposition, getDispositionTrail, setDisposition } from './dispositions.js';
import { importEpcisDocument, listImportedEvents } from './epcis-imports.js';
import { recordExcursion } from './excursions.js';
import { getHistory } from './history.js';
import { pageSizeArg } from './pagination.js';
import { queryProvenance } from './provenance.js';
import { createShipment, getShipment, listShipments, openShipment } from './shipments.js';
import { getSigner, registerSigner } from './signers.js';
import { consumeStabilityBudget, defineStabilityBudget, getStabilityBudget } from './stability.js';

// fabric-contract-api is CommonJS and assigns its decorators with Object.assign, which Node's ESM loader cannot
// see as named exports; Contract and Context are plain assignments and can be imported by name.
const { Info, Returns, Transaction } = fabricContractApi;

/**
 * The coldtrail contract: the only place where ledger rules live (DESIGN §3). Real Fabric runs it as
 * chaincode-as-a-service; the embedded ledger runs this same class through fabric-shim's contract SPI.
 * Every argument is a string (composite inputs as one JSON object) and every result is JSON with sorted keys;
 * a query for something absent answers `null`. Failures throw with a `CODE: message` text (see errors.ts).
 * Parameter types are spelled out because the contract SPI reads them from decorator metadata.
 */
@Info({ title: 'coldtrail', description: 'Cold-chain custody, reading anchors and excursions' })
export class ColdtrailContract extends Contract {
  constructor() {
    super('coldtrail');
  }

  @Transaction()
  @Returns('string')
  async RegisterDevice(ctx: Context, id: string, publicKey: string): Promise<string> {
    return canonicalJson(await registerDevice(ctx, id, publicKey));
  }

  /** `reason` is free text, or '' for none (every argument is a string). */
  @Transaction()
  @Returns('string')
  async RevokeDevice(ctx: Context, id: string, reason: string): Promise<string> {
    return canonicalJson(await revokeDevice(ctx, id, reason));
  }

  @Transaction(false)
  @Returns('string')
  async GetDevice(ctx: Context, id: string): Promise<string> {
    return canonicalJson((await getDevice(ctx, id)) ?? null);
  }

  @Transaction()
  @Returns('string')
  async CreateShipment(ctx: Context, shipment: string): Promise<string> {
    return canonicalJson(await createShipment(ctx, shipment));
  }

  @Transaction()
  @Returns('string')
  async CompleteShipment(ctx: Context, sscc: string, toSeq: string, closing: string): Promise<string> {
    return canonicalJson(await completeShipment(ctx, sscc, toSeq, closing));
  }

  @Transaction(false)
  @Returns('string')
  async GetShipment(ctx: Context, sscc: string): Promise<string> {
    return canonicalJson((await getShipment(ctx, sscc)) ?? null);
  }

  @Transaction(false)
  @Returns('string')
  async OpenShipment(ctx: Context, device: string): Promise<string> {
    return canonicalJson((await openShipment(ctx, device)) ?? null);
  }

  @Transaction(false)
  @Returns('string')
  async ListShipments(ctx: Context): Promise<string> {
    return canonicalJson(await listShipments(ctx));
  }

  @Transaction()
  @Returns('string')
  async AnchorReadings(ctx: Context, anchor: string): Promise<string> {
    return canonicalJson(await anchorReadings(ctx, anchor));
  }

  @Transaction(false)
  @Returns('string')
  async AnchoredUpTo(ctx: Context, device: string): Promise<string> {
    return canonicalJson(await anchoredUpTo(ctx, device));
  }

  @Transaction(false)
  @Returns('string')
  async GetAnchors(ctx: Context, device: string, fromSeq: string, toSeq: string): Promise<string> {
    return canonicalJson(await getAnchors(ctx, device, fromSeq, toSeq));
  }

  @Transaction()
  @Returns('string')
  async RecordExcursion(ctx: Context, excursion: string): Promise<string> {
    return canonicalJson(await recordExcursion(ctx, excursion));
  }

  @Transaction(false)
  @Returns('string')
  async QueryProvenance(ctx: Context, sscc: string): Promise<string> {
    return canonicalJson((await queryProvenance(ctx, sscc)) ?? null);
  }

  // --- custody hand-over, contents, aggregation, receipts, dispense, lot/SGTIN queries ---

  /** offer: `{"to": mspId, "location": sgln, "eventTime"?: iso}`; only the custodian may offer. */
  @Transaction()
  @Returns('string')
  async OfferCustody(ctx: Context, sscc: string, offer: string): Promise<string> {
    return canonicalJson(await custody.offerCustody(ctx, sscc, offer));
  }

  /** accept: `{"location": sgln, "eventTime"?: iso}`; only the org the open offer names. */
  @Transaction()
  @Returns('string')
  async AcceptCustody(ctx: Context, sscc: string, accept: string): Promise<string> {
    return canonicalJson(await custody.acceptCustody(ctx, sscc, accept));
  }

  /** reject: `{"location": sgln, "reason": text, "eventTime"?: iso}`; only the org the open offer names. */
  @Transaction()
  @Returns('string')
  async RejectCustody(ctx: Context, sscc: string, reject: string): Promise<string> {
    return canonicalJson(await custody.rejectCustody(ctx, sscc, reject));
  }

  /** withdrawal: `{}` or `{"reason": text}`; only the offerer, before the offer is answered. */
  @Transaction()
  @Returns('string')
  async WithdrawOffer(ctx: Context, sscc: string, withdrawal: string): Promise<string> {
    return canonicalJson(await custody.withdrawOffer(ctx, sscc, withdrawal));
  }

  @Transaction(false)
  @Returns('string')
  async GetCustody(ctx: Context, sscc: string): Promise<string> {
    return canonicalJson((await custody.getCustody(ctx, sscc)) ?? null);
  }

  /** aggregation: `{"children": [{"sscc"} | {"gtin","serial"} | {"gtin","lot","quantity"}], "location", "eventTime"?}`. */
  @Transaction()
  @Returns('string')
  async Aggregate(ctx: Context, parent: string, aggregation: string): Promise<string> {
    return canonicalJson(await custody.aggregate(ctx, parent, aggregation));
  }

  /** disaggregation: `{"children": [{"sscc"} | {"gtin","serial"} | {"gtin","lot"}], "location", "eventTime"?}`. */
  @Transaction()
  @Returns('string')
  async Disaggregate(ctx: Context, parent: string, disaggregation: string): Promise<string> {
    return canonicalJson(await custody.disaggregate(ctx, parent, disaggregation));
  }

  /** dispense: `{"gtin","lot","quantity","location","time"}`; only the org that last received the lot there. */
  @Transaction()
  @Returns('string')
  async RecordDispense(ctx: Context, dispense: string): Promise<string> {
    return canonicalJson(await custody.recordDispense(ctx, dispense));
  }

  /** `fromIso`/`toIso`: half-open time range, '' for an open end; `bookmark`: '' for the first page. */
  @Transaction(false)
  @Returns('string')
  async ListDispenses(
    ctx: Context,
    gtin: string,
    fromIso: string,
    toIso: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return canonicalJson(await custody.listDispenses(ctx, gtin, fromIso, toIso, pageSize, bookmark));
  }

  /** A product's receipts at a site (SGLN or GLN-13), by day and time; `bookmark` '' for the first page. */
  @Transaction(false)
  @Returns('string')
  async ListReceipts(
    ctx: Context,
    gtin: string,
    location: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return canonicalJson(await custody.listReceipts(ctx, gtin, location, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async QueryLot(ctx: Context, gtin: string, lot: string): Promise<string> {
    return canonicalJson(await custody.queryLot(ctx, gtin, lot));
  }

  @Transaction(false)
  @Returns('string')
  async QuerySgtin(ctx: Context, gtin: string, serial: string): Promise<string> {
    return canonicalJson(await custody.querySgtin(ctx, gtin, serial));
  }

  // --- end custody ---

  // --- dispositions, stability budget, key history, paginated queries ---

  /** `{"subject":{"gtin","lot"}|{"sscc"}|{"gtin","serial"},"action":"quarantine|release|reject|destroy","signer":"name","reason":"text"|null}` */
  @Transaction()
  @Returns('string')
  async SetDisposition(ctx: Context, disposition: string): Promise<string> {
    return canonicalJson(await setDisposition(ctx, disposition));
  }

  @Transaction(false)
  @Returns('string')
  async GetDisposition(ctx: Context, subject: string): Promise<string> {
    return canonicalJson((await getDisposition(ctx, subject)) ?? null);
  }

  /** `pageSize` 1-1000 (a decimal string), `bookmark` '' for the first page. */
  @Transaction(false)
  @Returns('string')
  async GetDispositionTrail(
    ctx: Context,
    subject: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return canonicalJson(await getDispositionTrail(ctx, subject, pageSizeArg(pageSize), bookmark));
  }

  /** `{"gtin","lowerC","upperC","allowedMinutes"}` */
  @Transaction()
  @Returns('string')
  async DefineStabilityBudget(ctx: Context, budget: string): Promise<string> {
    return canonicalJson(await defineStabilityBudget(ctx, budget));
  }

  /** `{"subject":{"gtin","lot"}|{"sscc","gtin"}|{"gtin","serial"},"minutes":n,"source":{"type":"shipment|excursion","id"}}` */
  @Transaction()
  @Returns('string')
  async ConsumeStabilityBudget(ctx: Context, consumption: string): Promise<string> {
    return canonicalJson(await consumeStabilityBudget(ctx, consumption));
  }

  @Transaction(false)
  @Returns('string')
  async GetStabilityBudget(ctx: Context, subject: string): Promise<string> {
    return canonicalJson(await getStabilityBudget(ctx, subject));
  }

  /** `attributes`: one attribute (e.g. an SSCC) or a JSON array of them; see history.ts. */
  @Transaction(false)
  @Returns('string')
  async GetHistory(
    ctx: Context,
    objectType: string,
    attributes: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return canonicalJson(await getHistory(ctx, objectType, attributes, pageSizeArg(pageSize), bookmark));
  }

  // --- end dispositions ---

  // --- signers (electronic signatures on dispositions, signers.ts) ---

  /** `{"name","fullName","publicKey"}`: a signer of the caller's org; its key is never replaced. */
  @Transaction()
  @Returns('string')
  async RegisterSigner(ctx: Context, signer: string): Promise<string> {
    return canonicalJson(await registerSigner(ctx, signer));
  }

  @Transaction(false)
  @Returns('string')
  async GetSigner(ctx: Context, org: string, name: string): Promise<string> {
    return canonicalJson((await getSigner(ctx, org, name)) ?? null);
  }

  // --- end signers ---

  // --- EPCIS imports (epcis-imports.ts) ---

  /** An EPCIS 2.0 JSON-LD document as given (its sha-256 is over these UTF-8 bytes), recorded in one transaction. */
  @Transaction()
  @Returns('string')
  async ImportEpcisDocument(ctx: Context, document: string): Promise<string> {
    return canonicalJson(await importEpcisDocument(ctx, document));
  }

  /** The imported events naming an EPC or EPC class URI (urn:epc:id:sscc:..., urn:epc:class:lgtin:...). */
  @Transaction(false)
  @Returns('string')
  async ListImportedEvents(ctx: Context, epc: string): Promise<string> {
    return canonicalJson(await listImportedEvents(ctx, epc));
  }

  // --- end EPCIS imports ---
}
