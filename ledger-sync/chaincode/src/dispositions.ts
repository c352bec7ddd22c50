import {
  CBV_DISPOSITION,
  type CustodyEvent,
  DISPOSITION_RESULT,
  type DispositionAction,
  type DispositionState,
  type DispositionStep,
  type LedgerPage,
  type QualitySubject,
  type ShipmentEntry,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { caller, Role, requireRole } from './access.js';
import { conflict, forbidden, invalid } from './errors.js';
import { pageJson } from './pagination.js';
import { describeSubject, qualitySubject, subjectAttributes } from './quality-subjects.js';
import { verifiedSignature } from './signers.js';
import { emit, keys, pad, readJson, SEQ_WIDTH, txTime, writeJson } from './state.js';
import { carryingShipments } from './trace.js';
import * as v from './validate.js';

/**
 * Dispositions of a lot, an SSCC or an SGTIN. Every decision is a new key `dispstep/<subject>/<seq>` that is
 * never rewritten (the trail); `disposition/<subject>` holds a copy of the newest step, so the current state is
 * one read and two concurrent decisions on one subject conflict at commit (exactly one stays valid).
 *
 * Transitions: quarantine from no disposition, released or rejected; release and reject only from quarantined;
 * destroy from quarantined or rejected; destroyed is final. Release, reject and destroy need a reason and a
 * caller holding `coldtrail.role=quality` (access.ts), from any org: a quality release is a person's
 * responsibility certified by their org's CA, wherever the product is. Quarantine is the safe direction and
 * needs no role: for an SSCC, its current custodian or the org that created it (the device's owner) may; for
 * a lot or an SGTIN, an org that holds or held a shipment carrying it (checkMayQuarantine). A retry of the newest decision (same
 * action, signer, reason, org) answers that step again and writes nothing.
 *
 * A decision may carry the signer's electronic signature (21 CFR 11.50, 11.70; signers.ts): `signature`
 * {fullName, meaning, signedAt, value} over the canonical statement of the decision. It is checked against the
 * key the caller's org registered for `signer`, and a bad one is refused. A valid signature of a registered
 * signer stands in for the quality role on a release, reject or destroy (the org granted it by registering
 * the signer); without one the caller's certificate must carry the role, as before.
 */
export const dispositionKeys = {
  current: (ctx: Context, s: QualitySubject) =>
    ctx.stub.createCompositeKey('disposition', subjectAttributes(s)),
  step: (ctx: Context, s: QualitySubject, seq: number) =>
    ctx.stub.createCompositeKey('dispstep', [...subjectAttributes(s), pad(seq, SEQ_WIDTH)]),
};

const ACTIONS = [
  'quarantine',
  'release',
  'reject',
  'destroy',
] as const satisfies readonly DispositionAction[];

/** The states each action may start from (null: the subject has no disposition yet). */
const ALLOWED_FROM: Record<DispositionAction, readonly (DispositionState | null)[]> = {
  quarantine: [null, 'released', 'rejected'],
  release: ['quarantined'],
  reject: ['quarantined'],
  destroy: ['quarantined', 'rejected'],
};

const FIELDS = ['subject', 'action', 'signer', 'reason'] as const;
const OPTIONAL_FIELDS = ['signature'] as const;

function parseRequest(arg: string) {
  const value = v.jsonValue(arg, 'disposition');
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('reason' in value)) {
    (value as Record<string, unknown>).reason = null;
  }
  const o = v.objectWith(value, 'disposition', FIELDS, OPTIONAL_FIELDS);
  const action = v.oneOf(o.action, ACTIONS, 'action');
  const reason = o.reason === null ? null : v.text(o.reason, 'reason');
  if (reason === null && action !== 'quarantine') invalid(`a ${action} needs a reason`);
  return {
    subject: qualitySubject(o.subject),
    action,
    signer: v.text(o.signer, 'signer'),
    reason,
    signature: o.signature,
  };
}

/** The org owns the shipment's device, is its custodian, or was one (created it, or accepted it). */
async function holdsOrHeld(ctx: Context, shipment: ShipmentEntry, custody: CustodyEvent[], msp: string) {
  if (shipment.custodian === msp) return true;
  if (custody.some((e) => (e.action === 'created' || e.action === 'accepted') && e.org === msp)) return true;
  const device = await readJson<{ org: string }>(ctx, keys.device(ctx, shipment.device));
  return device?.org === msp;
}

/**
 * Who may quarantine: for an SSCC, its custodian or the org that created it; for a lot or an SGTIN, an org
 * that holds or held a shipment carrying it (directly or inside a container: trace.ts). A subject no shipment
 * on this ledger carries has no custody to check against, so any org may put it on hold.
 */
async function checkMayQuarantine(ctx: Context, subject: QualitySubject, msp: string): Promise<void> {
  if (!('sscc' in subject)) {
    const carried = await carryingShipments(ctx, subject);
    for (const c of carried) if (await holdsOrHeld(ctx, c.shipment, c.custody, msp)) return;
    if (carried.length === 0) return;
    forbidden(
      `only an org that holds or held a shipment carrying ${describeSubject(subject)} may quarantine it ` +
        `(${carried.map((c) => c.sscc).join(', ')}); ${msp} never did`,
    );
  }
  const shipment = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, subject.sscc));
  if (!shipment) return; // a container not shipped on this ledger: no custody to check against
  if (shipment.custodian === msp) return;
  const device = await readJson<{ org: string }>(ctx, keys.device(ctx, shipment.device));
  if (device?.org === msp) return;
  forbidden(
    `only the custodian (${shipment.custodian}) or the owner of SSCC ${subject.sscc} may quarantine it; ${msp} is neither`,
  );
}

export async function setDisposition(ctx: Context, arg: string): Promise<DispositionStep> {
  const req = parseRequest(arg);
  const who = caller(ctx);
  const currentKey = dispositionKeys.current(ctx, req.subject);
  const current = await readJson<DispositionStep>(ctx, currentKey);
  if (
    current &&
    current.action === req.action &&
    current.signer === req.signer &&
    current.reason === req.reason &&
    current.caller.msp === who.msp
  ) {
    return current; // a retry of the decision already recorded
  }
  const signature =
    req.signature === undefined ? undefined : await verifiedSignature(ctx, req, req.signature);
  // A signature answers the state it was made on: one made before the current step was recorded (an old
  // release presented again after a new quarantine) is not about it. ISO-8601 UTC with ms sorts as time.
  if (signature && current && signature.signedAt < current.at) {
    invalid(
      `the signature was made at ${signature.signedAt}, before the current step ${current.seq} (${current.at}): ` +
        'sign the decision again',
    );
  }
  if (req.action === 'quarantine') await checkMayQuarantine(ctx, req.subject, who.msp);
  else if (!signature) requireRole(ctx, Role.Quality, `a ${req.action} of ${describeSubject(req.subject)}`);
  const from = current?.disposition ?? null;
  if (!ALLOWED_FROM[req.action].includes(from)) {
    conflict(
      `${describeSubject(req.subject)} is ${from ?? 'without disposition'}; a ${req.action} is allowed only from ${ALLOWED_FROM[
        req.action
      ]
        .map((s) => s ?? 'no disposition')
        .join(' or ')}`,
    );
  }
  const disposition = DISPOSITION_RESULT[req.action];
  const seq = (current?.seq ?? 0) + 1;
  const step: DispositionStep = {
    subject: req.subject,
    seq,
    action: req.action,
    disposition,
    cbvDisposition: CBV_DISPOSITION[disposition],
    previous: from,
    reason: req.reason,
    signer: req.signer,
    caller: who,
    at: txTime(ctx).iso,
    txId: ctx.stub.getTxID(),
    ...(signature ? { signature } : {}),
  };
  await writeJson(ctx, dispositionKeys.step(ctx, req.subject, seq), step);
  await writeJson(ctx, currentKey, step);
  emit(ctx, 'DispositionChanged', step);
  return step;
}

export async function getDisposition(ctx: Context, subjectArg: string): Promise<DispositionStep | undefined> {
  const subject = qualitySubject(v.jsonValue(subjectArg, 'subject'));
  return readJson<DispositionStep>(ctx, dispositionKeys.current(ctx, subject));
}

/** The subject's decisions, oldest first, a page at a time. */
export async function getDispositionTrail(
  ctx: Context,
  subjectArg: string,
  pageSize: number,
  bookmark: string,
): Promise<LedgerPage<DispositionStep>> {
  const subject = qualitySubject(v.jsonValue(subjectArg, 'subject'));
  return pageJson<DispositionStep>(ctx, 'dispstep', subjectAttributes(subject), pageSize, bookmark);
}
