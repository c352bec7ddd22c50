import type { LedgerCaller } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { forbidden } from './errors.js';

/**
 * Access control by client identity beyond the MSP id: roles are Fabric CA certificate attributes (extension
 * OID 1.2.3.4.5.6.7.8.1, read by ClientIdentity.getAttributeValue), so each org's CA decides which of its users
 * hold a role and the contract only checks the certificate that signed the proposal. One attribute,
 * `coldtrail.role`, and one role for now, `quality`: the person who may release, reject and destroy product and
 * define stability budgets (a QA release is the same responsibility; one role keeps enrolment simple).
 * Register such a user with `fabric-ca-client register --id.attrs 'coldtrail.role=quality:ecert'`.
 */
export const ROLE_ATTRIBUTE = 'coldtrail.role';

export const Role = { Quality: 'quality' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The enrolment id Fabric CA puts in every certificate it issues, and the subject CN as the fallback. */
function enrolmentId(ctx: Context): string {
  const enrolled = ctx.clientIdentity.getAttributeValue('hf.EnrollmentID');
  if (enrolled) return enrolled;
  // getID() is "x509::/C=../CN=name/..::/issuer DN" (fabric-shim ClientIdentity); '/' in a value is "\/".
  const subject = /^x509::(.*?)::\//.exec(ctx.clientIdentity.getID())?.[1] ?? '';
  const cn = /(?:^|\/)CN=((?:\\\/|[^/])*)/.exec(subject)?.[1];
  return cn ? cn.replace(/\\\//g, '/') : '';
}

/** Who submitted the transaction, as recorded with every decision. */
export function caller(ctx: Context): LedgerCaller {
  return { msp: ctx.clientIdentity.getMSPID(), id: ctx.clientIdentity.getID(), cn: enrolmentId(ctx) };
}

export function hasRole(ctx: Context, role: Role): boolean {
  return ctx.clientIdentity.getAttributeValue(ROLE_ATTRIBUTE) === role;
}

/** Refuses (FORBIDDEN) unless the caller's certificate carries `coldtrail.role` = `role`. */
export function requireRole(ctx: Context, role: Role, what: string): void {
  if (hasRole(ctx, role)) return;
  const held = ctx.clientIdentity.getAttributeValue(ROLE_ATTRIBUTE);
  const who = `${enrolmentId(ctx) || 'the caller'} of ${ctx.clientIdentity.getMSPID()}`;
  forbidden(
    `${what} needs a certificate with attribute ${ROLE_ATTRIBUTE}=${role}; ${who} has ${held ? `${ROLE_ATTRIBUTE}=${held}` : 'none'}: submit it as a ${role} user enrolled with that attribute by your org's CA`,
  );
}
