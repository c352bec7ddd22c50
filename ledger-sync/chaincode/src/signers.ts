import {
  canonicalBytes,
  type DispositionAction,
  type DispositionSignature,
  dispositionStatement,
  hexToBytes,
  isSignatureHex,
  type QualitySubject,
  SIGNATURE_MEANING,
  type SignerEntry,
  STABILITY_BUDGET_MEANING,
  type StabilityBudgetSignature,
  stabilityBudgetStatement,
  verifyEd25519,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { caller, hasRole, ROLE_ATTRIBUTE, Role } from './access.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { emit, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

/**
 * The signers of an org: the people whose electronic signatures (21 CFR 11.50, 11.200) release or reject
 * product for it. Each is `signer/<msp>/<name>` = {name, fullName, publicKey}, written once and never
 * rewritten, so every signature the key ever made stays checkable against the key the org vouched for
 * (a new key is a new name). The private key never reaches the ledger: it stays with the person, encrypted
 * under their password (the CLI's signer file), and the CLI re-authenticates them at every signing.
 *
 * Who may register a signer for an org: a caller of that org holding `coldtrail.role=quality` (access.ts: a
 * quality user enrols colleagues), or the org's own identity that carries no Fabric CA attributes at all (the
 * embedded ledger's one identity per org, held in the data dir's ledger keys; a Fabric CA-issued certificate
 * always carries hf.* attributes and then needs the role). A registered signer's valid signature is what
 * authorises a release, reject or destroy by a caller of the same org (dispositions.ts): the registration is
 * the org's quality grant, the signature the person's act. The same holds for a stability budget
 * (stability.ts): a registered signer's valid signature stands in for the role there too.
 */
export const signerKey = (ctx: Context, org: string, name: string) =>
  ctx.stub.createCompositeKey('signer', [org, name]);

/** How far a signing time may lie before the transaction (a slow review screen) or after it (clock skew). */
export const SIGNING_WINDOW_MS = { before: 15 * 60_000, after: 5 * 60_000 } as const;

function mayRegister(ctx: Context): boolean {
  if (hasRole(ctx, Role.Quality)) return true;
  // Fabric CA puts hf.EnrollmentID, hf.Type and hf.Affiliation into every certificate it issues; the attribute
  // extension is absent only from an identity not issued by a CA (the embedded ledger's org identity).
  return (
    !ctx.clientIdentity.getAttributeValue('hf.EnrollmentID') &&
    !ctx.clientIdentity.getAttributeValue(ROLE_ATTRIBUTE)
  );
}

export async function registerSigner(ctx: Context, arg: string): Promise<SignerEntry> {
  const o = v.jsonObject(arg, 'signer', ['name', 'fullName', 'publicKey']);
  const name = v.identifier(o.name, 'name');
  const fullName = v.text(o.fullName, 'fullName');
  const publicKey = v.hex64(o.publicKey, 'publicKey');
  const who = caller(ctx);
  if (!mayRegister(ctx)) {
    forbidden(
      `registering a signer for ${who.msp} needs a certificate with ${ROLE_ATTRIBUTE}=${Role.Quality} ` +
        `(or the org's own embedded-ledger identity); ${who.cn || 'the caller'} has neither`,
    );
  }
  const key = signerKey(ctx, who.msp, name);
  const existing = await readJson<SignerEntry>(ctx, key);
  if (existing) {
    if (existing.publicKey === publicKey && existing.fullName === fullName) return existing; // a retry
    conflict(
      `signer ${name} of ${who.msp} is registered already with another key or name; a signer's key is never ` +
        'replaced (its old signatures must stay checkable): register the new key under a new name',
    );
  }
  const entry: SignerEntry = {
    org: who.msp,
    name,
    fullName,
    publicKey,
    registeredBy: who,
    at: txTime(ctx).iso,
    txId: ctx.stub.getTxID(),
  };
  await writeJson(ctx, key, entry);
  emit(ctx, 'SignerRegistered', entry);
  return entry;
}

export async function getSigner(ctx: Context, org: string, name: string): Promise<SignerEntry | undefined> {
  return readJson<SignerEntry>(ctx, signerKey(ctx, v.identifier(org, 'org'), v.identifier(name, 'name')));
}

const SIGNATURE_FIELDS = ['fullName', 'meaning', 'signedAt', 'value'] as const;

/** What one kind of signed record asks of its signature (a disposition, a stability budget). */
interface SignedRecord {
  /** The registered signer's name in the caller's org. */
  signer: string;
  /** The one meaning the record's signature may state (11.50(a)(3)). */
  meaning: string;
  /** "a release", "a stability budget": for the messages. */
  what: string;
  /** "the release statement": for the messages. */
  statementName: string;
  /** The canonical statement the signer signed, given the signature's fields. */
  statement: (signature: DispositionSignature) => unknown;
}

/**
 * Checks an electronic signature and answers what the record stores. The signer must be registered by the
 * caller's org, the printed name and the meaning must be the registered name and the record's meaning, the
 * signing time near the transaction's, and the Ed25519 signature must verify over the record's canonical
 * statement. Anything else: refused, nothing written.
 */
async function checkedSignature(
  ctx: Context,
  record: SignedRecord,
  value: unknown,
): Promise<DispositionSignature> {
  const o = v.exactObject(value, 'signature', SIGNATURE_FIELDS);
  const fullName = v.text(o.fullName, 'signature.fullName');
  const meaning = v.text(o.meaning, 'signature.meaning');
  const signedAtMs = v.isoMillis(o.signedAt, 'signature.signedAt');
  if (!isSignatureHex(o.value)) invalid('signature.value must be 128 lowercase hex characters (raw Ed25519)');
  const org = caller(ctx).msp;
  const name = v.identifier(record.signer, 'signer');
  const entry = await readJson<SignerEntry>(ctx, signerKey(ctx, org, name));
  if (!entry) {
    notFound(`signer ${name} is not registered for ${org}: register them first (coldtrail signer add)`);
  }
  if (fullName !== entry.fullName) {
    invalid(`signature.fullName "${fullName}" is not ${name}'s registered name "${entry.fullName}"`);
  }
  if (meaning !== record.meaning) {
    invalid(`signature.meaning of ${record.what} must be "${record.meaning}"`);
  }
  const tx = txTime(ctx).millis;
  if (signedAtMs < tx - SIGNING_WINDOW_MS.before || signedAtMs > tx + SIGNING_WINDOW_MS.after) {
    invalid(
      `signature.signedAt ${String(o.signedAt)} is too far from the transaction time ${new Date(tx).toISOString()}: sign again`,
    );
  }
  const signature: DispositionSignature = {
    fullName,
    org,
    meaning,
    signedAt: o.signedAt as string,
    algorithm: 'Ed25519',
    publicKey: entry.publicKey,
    value: o.value,
  };
  const statement = canonicalBytes(record.statement(signature));
  if (!verifyEd25519(hexToBytes(entry.publicKey), statement, hexToBytes(o.value))) {
    forbidden(
      `the signature of ${name} (${org}) does not verify over ${record.statementName}: it was made with ` +
        'another key or over other fields; nothing recorded',
    );
  }
  return signature;
}

/** The signature of a disposition decision, over core dispositionStatement (SIGNATURE_MEANING per action). */
export function verifiedSignature(
  ctx: Context,
  req: { subject: QualitySubject; action: DispositionAction; reason: string | null; signer: string },
  value: unknown,
): Promise<DispositionSignature> {
  return checkedSignature(
    ctx,
    {
      signer: req.signer,
      meaning: SIGNATURE_MEANING[req.action],
      what: `a ${req.action}`,
      statementName: `the ${req.action} statement`,
      statement: (signature) => dispositionStatement({ ...req, signature }),
    },
    value,
  );
}

/** The signature of a stability budget definition, over core stabilityBudgetStatement. */
export function verifiedBudgetSignature(
  ctx: Context,
  req: { gtin: string; lowerC: number; upperC: number; allowedMinutes: number; signer: string },
  value: unknown,
): Promise<StabilityBudgetSignature> {
  return checkedSignature(
    ctx,
    {
      signer: req.signer,
      meaning: STABILITY_BUDGET_MEANING,
      what: 'a stability budget',
      statementName: 'the stability budget statement',
      statement: (signature) => stabilityBudgetStatement({ ...req, signature }),
    },
    value,
  );
}
