/**
 * The ledger's quality entries: dispositions of a lot, a container or a pack (the immutable trail of
 * quarantine / release / reject / destroy decisions, each attributed to an org, a certificate and a named
 * person), the stability budget of a product (time allowed outside its storage range over its life, versioned)
 * and its consumption, key history and the page shape of paginated queries. The chaincode stores them as RFC
 * 8785 JSON; these types are what a client reads back.
 */

/** What a disposition or a stability consumption is about: a lot (GTIN + lot), a container (SSCC) or a pack. */
export type QualitySubject =
  | { gtin: string; lot: string }
  | { sscc: string }
  | { gtin: string; serial: string };

/** A stability subject always names its product: an SSCC carries the GTIN of the product it holds. */
export type StabilitySubject =
  | { gtin: string; lot: string }
  | { sscc: string; gtin: string }
  | { gtin: string; serial: string };

export const DispositionAction = {
  Quarantine: 'quarantine',
  Release: 'release',
  Reject: 'reject',
  Destroy: 'destroy',
} as const;
export type DispositionAction = (typeof DispositionAction)[keyof typeof DispositionAction];

export const DispositionState = {
  Quarantined: 'quarantined',
  Released: 'released',
  Rejected: 'rejected',
  Destroyed: 'destroyed',
} as const;
export type DispositionState = (typeof DispositionState)[keyof typeof DispositionState];

/**
 * CBV 2.0 disposition of each state (GS1 Core Business Vocabulary 2.0, §7.2 "Disposition", web vocabulary
 * https://ref.gs1.org/cbv/Disp-<name>; EPCIS 1.x URN form urn:epcglobal:cbv:disp:<name>). `conformant` and
 * `non_conformant` are the CBV 2.0 additions for an inspected, passed / failed object; a quarantined object is
 * `non_sellable_other` (not sellable, for a reason CBV has no more specific value for), as issue 8 sets.
 */
export const CBV_DISPOSITION = {
  quarantined: 'non_sellable_other',
  released: 'conformant',
  rejected: 'non_conformant',
  destroyed: 'destroyed',
} as const satisfies Record<DispositionState, string>;
export type CbvDisposition = (typeof CBV_DISPOSITION)[DispositionState];

/** The state each action leads to. */
export const DISPOSITION_RESULT = {
  quarantine: 'quarantined',
  release: 'released',
  reject: 'rejected',
  destroy: 'destroyed',
} as const satisfies Record<DispositionAction, DispositionState>;

/** Who called: the MSP, the certificate's Fabric identity id, and the enrolment id (hf.EnrollmentID or subject CN). */
export interface LedgerCaller {
  msp: string;
  id: string;
  cn: string;
}

/** One disposition decision, under its own key; the subject's current disposition is its newest step. */
export interface DispositionStep {
  subject: QualitySubject;
  /** 1, 2, ... per subject. */
  seq: number;
  action: DispositionAction;
  disposition: DispositionState;
  cbvDisposition: CbvDisposition;
  previous: DispositionState | null;
  /** Required for release, reject and destroy. */
  reason: string | null;
  /** The person who took the decision (a name; the certificate says which user submitted it). */
  signer: string;
  caller: LedgerCaller;
  at: string;
  txId: string;
  /** The signer's electronic signature (21 CFR 11.50 / 11.70), present on a signed decision only. */
  signature?: DispositionSignature;
}

/**
 * The meaning of each signed decision (21 CFR 11.50(a)(3): a signed record states the meaning of the signature,
 * such as review, approval, responsibility). The signed statement carries it verbatim; the contract refuses
 * any other text for the action.
 */
export const SIGNATURE_MEANING = {
  quarantine: 'quarantined: on hold pending review',
  release: 'released: approved for distribution after excursion review',
  reject: 'rejected: not to be distributed',
  destroy: 'destroyed: removed from the supply chain',
} as const satisfies Record<DispositionAction, string>;

/**
 * An electronic signature on a disposition step. What was signed is `dispositionStatement(step)` as RFC 8785
 * bytes (canonicalBytes), with the Ed25519 key the signer registered on the ledger (RegisterSigner); `publicKey`
 * is a copy of that key so a verifier with the trail alone can check it, and the registry says whose it is.
 */
export interface DispositionSignature {
  /** The signer's printed name (11.50(a)(1)), as registered. */
  fullName: string;
  /** The org that registered the signer (and submitted the step). */
  org: string;
  meaning: string;
  /** When the signer signed (11.50(a)(2)); the step's `at` is when the ledger recorded it. */
  signedAt: string;
  algorithm: 'Ed25519';
  /** Raw Ed25519 public key, 64 lowercase hex. */
  publicKey: string;
  /** Raw Ed25519 signature, 128 lowercase hex. */
  value: string;
}

/** The fields a disposition signature signs (the statement the signer saw and approved). */
export interface DispositionStatement {
  statement: 'coldtrail.disposition-signature/1';
  subject: QualitySubject;
  action: DispositionAction;
  meaning: string;
  reason: string | null;
  signer: string;
  fullName: string;
  org: string;
  signedAt: string;
}

/** The statement of a signed decision; sign or verify `canonicalBytes(dispositionStatement(...))`, never JSON.stringify. */
export function dispositionStatement(s: {
  subject: QualitySubject;
  action: DispositionAction;
  reason: string | null;
  signer: string;
  signature: Pick<DispositionSignature, 'fullName' | 'org' | 'meaning' | 'signedAt'>;
}): DispositionStatement {
  return {
    statement: 'coldtrail.disposition-signature/1',
    subject: s.subject,
    action: s.action,
    meaning: s.signature.meaning,
    reason: s.reason,
    signer: s.signer,
    fullName: s.signature.fullName,
    org: s.signature.org,
    signedAt: s.signature.signedAt,
  };
}

/** A person who may sign dispositions for an org: their name in the org, printed name and public key. */
export interface SignerEntry {
  org: string;
  name: string;
  fullName: string;
  /** Raw Ed25519 public key, 64 lowercase hex. */
  publicKey: string;
  registeredBy: LedgerCaller;
  at: string;
  txId: string;
}

/** One version of a product's stability budget: `allowedMinutes` in total between lowerC and upperC. */
export interface StabilityBudgetDefinition {
  gtin: string;
  version: number;
  lowerC: number;
  upperC: number;
  allowedMinutes: number;
  definedBy: LedgerCaller;
  at: string;
  txId: string;
  /** The registered signer who approved the definition (a signed definition only). */
  signer?: string;
  /** Their electronic signature over `stabilityBudgetStatement(...)`, so a reader can check it again. */
  signature?: StabilityBudgetSignature;
}

/**
 * The meaning of a signed stability budget (21 CFR 11.50(a)(3)): the signer approves the allowance as the
 * product's stability data supports it. The contract refuses any other text.
 */
export const STABILITY_BUDGET_MEANING = 'Approved: stability budget';

/** An electronic signature on a stability budget: the same fields as a disposition's (signers.ts). */
export type StabilityBudgetSignature = DispositionSignature;

/** The fields a stability budget signature signs. */
export interface StabilityBudgetStatement {
  statement: 'coldtrail.stability-budget-signature/1';
  gtin: string;
  lowerC: number;
  upperC: number;
  allowedMinutes: number;
  meaning: string;
  signer: string;
  fullName: string;
  org: string;
  signedAt: string;
}

/** The statement of a signed budget; sign or verify `canonicalBytes(stabilityBudgetStatement(...))`. */
export function stabilityBudgetStatement(s: {
  gtin: string;
  lowerC: number;
  upperC: number;
  allowedMinutes: number;
  signer: string;
  signature: Pick<StabilityBudgetSignature, 'fullName' | 'org' | 'meaning' | 'signedAt'>;
}): StabilityBudgetStatement {
  return {
    statement: 'coldtrail.stability-budget-signature/1',
    gtin: s.gtin,
    lowerC: s.lowerC,
    upperC: s.upperC,
    allowedMinutes: s.allowedMinutes,
    meaning: s.signature.meaning,
    signer: s.signer,
    fullName: s.signature.fullName,
    org: s.signature.org,
    signedAt: s.signature.signedAt,
  };
}

export const StabilitySourceType = { Shipment: 'shipment', Excursion: 'excursion' } as const;
export type StabilitySourceType = (typeof StabilitySourceType)[keyof typeof StabilitySourceType];

/** Minutes of a subject's budget consumed by one shipment or excursion (one key per (subject, source)). */
export interface StabilityConsumption {
  subject: StabilitySubject;
  minutes: number;
  source: { type: StabilitySourceType; id: string };
  /** The budget version current when it was recorded; null when the product had none yet. */
  budgetVersion: number | null;
  caller: LedgerCaller;
  at: string;
  txId: string;
}

/** GetStabilityBudget's answer: remaining = allowed - consumed (null while no budget is defined). */
export interface StabilityBudgetStatus {
  subject: StabilitySubject;
  budget: StabilityBudgetDefinition | null;
  allowedMinutes: number | null;
  consumedMinutes: number;
  remainingMinutes: number | null;
  exceeded: boolean;
  consumptions: number;
  /**
   * Where each consumption came from, own first, then inherited by container SSCC (stability.ts), each with
   * whether it counted; consumedMinutes is the sum of the counted ones. Absent from answers of older contracts.
   */
  parts?: StabilityBudgetPart[];
}

/** One consumption that reaches a subject: recorded for it (own) or for a container that carried it. */
export interface StabilityBudgetPart {
  origin: 'own' | 'inherited';
  /** The subject the consumption was recorded for: the subject itself, or the container's {sscc, gtin}. */
  recordedFor: StabilitySubject;
  /** Inherited: the containers from the subject's innermost one out to recordedFor.sscc (one path). */
  via: string[];
  source: { type: StabilitySourceType; id: string };
  minutes: number;
  at: string;
  txId: string;
  counted: boolean;
  /** Why a part did not count: its source already counted, or it was recorded while the subject was not inside. */
  notCounted?: 'source-counted' | 'not-inside';
}

/** One page of a paginated query; `bookmark` is '' on the last page, else passed back for the next one. */
export interface LedgerPage<T> {
  records: T[];
  fetchedRecordsCount: number;
  bookmark: string;
}

/** One committed version of a key (Fabric's KeyModification), value parsed; null for a delete. */
export interface KeyHistoryEntry {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: unknown;
}
