import { join } from 'node:path';
import { HEX64_PATTERN, IDENTIFIER_PATTERN } from '@coldtrail/core';
import { z } from 'zod';

/**
 * The admin socket of `coldtrail server start` (README "Admin socket"): a Unix socket at `<data dir>/admin.sock`,
 * mode 0600 (only the user running the server may use it), that the operator's commands (`device enroll`,
 * `device revoke`, `shipment create|complete`, `custody offer|accept|reject|withdraw`) go through while a server holds the data dir, so no second
 * process ever writes the server's files behind its back.
 *
 * Framing: one JSON object per line (UTF-8, `\n`), requests and responses alike; a connection may carry any
 * number of requests, answered in order. Every request is validated here as hostile input: an unknown op, an
 * extra field, a line over MAX_LINE_BYTES or one that is not JSON gets an error response (never a crash).
 * An error carries the stable coldtrail error code (when there is one) and the CLI exit code it maps to, so a
 * command answers the same exit code through the socket as without it.
 */
export const ADMIN_SOCKET = 'admin.sock';
export const adminSocketPath = (dataDir: string) => join(dataDir, ADMIN_SOCKET);

/** Longest request or response line; a request beyond it is refused and the connection closed. */
// An imported EPCIS document (up to 4 MiB, as the contract takes) travels in one request line.
export const MAX_LINE_BYTES = 6 * 1024 * 1024;

/** Linux sun_path holds 108 bytes with the terminating NUL (unix(7)). */
export const MAX_SOCKET_PATH_BYTES = 107;

const id = z.string().regex(IDENTIFIER_PATTERN, 'an identifier (letters, digits, . _ -; up to 64)');
const text = z.string().min(1).max(200);
const requestId = z.union([z.string().max(100), z.number().int()]).optional();

export const AdminOp = {
  Status: 'server.status',
  Enroll: 'device.enroll',
  Revoke: 'device.revoke',
  CreateShipment: 'shipment.create',
  CompleteShipment: 'shipment.complete',
  OfferCustody: 'custody.offer',
  AcceptCustody: 'custody.accept',
  RejectCustody: 'custody.reject',
  WithdrawOffer: 'custody.withdraw',
  RegisterSigner: 'signer.register',
  SetDisposition: 'disposition.set',
  ImportEpcis: 'epcis.import',
  DefineStabilityBudget: 'stability.define',
} as const;
export type AdminOp = (typeof AdminOp)[keyof typeof AdminOp];

export const enrollArgs = z.strictObject({
  org: id,
  device: id,
  /** Raw Ed25519 public key, hex (the command reads the PEM and sends this). */
  publicKey: z.string().regex(HEX64_PATTERN, '64 lowercase hex characters (raw Ed25519)'),
});
export const revokeArgs = z.strictObject({ device: id, reason: text.nullable().optional() });
export const createShipmentArgs = z.strictObject({
  device: id,
  sscc: z.string().max(40).optional(),
  profile: id.optional(),
  /** The profile itself when the caller resolved a file of its own (the server checks it with parseProfile). */
  profileSpec: z.unknown().optional(),
  origin: text.optional(),
  destination: text.optional(),
  product: text.optional(),
  /** What it carries (SGTINs and lot lines, GTINs as 14 digits); the contract checks each item (contents.ts). */
  contents: z.array(z.unknown()).min(1).max(1000).optional(),
});
export const completeShipmentArgs = z.strictObject({
  sscc: z.string().max(40),
  reason: text.nullable().optional(),
});

/**
 * The custody hand-over (`coldtrail custody ...`). `org` is the org acting; absent, the server's own. The
 * server acts only as its own org (a different one is refused: it holds no other org's ledger session), and
 * the contract checks SGLNs, who may act and the offer's state; lengths are bounded here.
 */
const sgln = z.string().min(1).max(100);
const sscc = z.string().max(40);
export const offerCustodyArgs = z.strictObject({ org: id.optional(), sscc, to: id, location: sgln });
export const acceptCustodyArgs = z.strictObject({ org: id.optional(), sscc, location: sgln });
export const rejectCustodyArgs = z.strictObject({ org: id.optional(), sscc, location: sgln, reason: text });
export const withdrawOfferArgs = z.strictObject({ org: id.optional(), sscc, reason: text.optional() });

/**
 * Signers and dispositions (`coldtrail signer add`, `coldtrail disposition ...`, README "Electronic
 * signatures"). `org` is the org the signer belongs to; the server acts only as its own. A signature is made by
 * the CLI process that holds the signer's password: only the signed statement's fields travel here, and the
 * contract verifies them against the registered key.
 */
const gs1Field = z.string().min(1).max(40);
export const registerSignerArgs = z.strictObject({
  org: id,
  name: id,
  fullName: text,
  publicKey: z.string().regex(HEX64_PATTERN, '64 lowercase hex characters (raw Ed25519)'),
});
export const setDispositionArgs = z.strictObject({
  org: id.optional(),
  subject: z.union([
    z.strictObject({ sscc: gs1Field }),
    z.strictObject({ gtin: gs1Field, lot: gs1Field }),
    z.strictObject({ gtin: gs1Field, serial: gs1Field }),
  ]),
  action: z.enum(['quarantine', 'release', 'reject', 'destroy']),
  signer: text,
  reason: text.nullable(),
  signature: z
    .strictObject({
      fullName: text,
      meaning: text,
      signedAt: z.string().max(40),
      value: z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex characters (raw Ed25519)'),
    })
    .optional(),
});
/** `coldtrail stability define`: a signed budget (the contract checks the band, the signer and the signature). */
export const defineStabilityBudgetArgs = z.strictObject({
  org: id.optional(),
  gtin: gs1Field,
  lowerC: z.number(),
  upperC: z.number(),
  allowedMinutes: z.number(),
  signer: id,
  signature: z.strictObject({
    fullName: text,
    meaning: text,
    signedAt: z.string().max(40),
    value: z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex characters (raw Ed25519)'),
  }),
});
export type DefineStabilityBudgetArgs = z.infer<typeof defineStabilityBudgetArgs>;
/** `coldtrail epcis import`: the document as the file holds it (its hash is over these bytes). */
export const importEpcisArgs = z.strictObject({ org: id.optional(), document: z.string().min(2) });
export type ImportEpcisArgs = z.infer<typeof importEpcisArgs>;
export type RegisterSignerArgs = z.infer<typeof registerSignerArgs>;
export type SetDispositionArgs = z.infer<typeof setDispositionArgs>;

export type EnrollArgs = z.infer<typeof enrollArgs>;
export type RevokeArgs = z.infer<typeof revokeArgs>;
export type CreateShipmentArgs = z.infer<typeof createShipmentArgs>;
export type CompleteShipmentArgs = z.infer<typeof completeShipmentArgs>;
export type OfferCustodyArgs = z.infer<typeof offerCustodyArgs>;
export type AcceptCustodyArgs = z.infer<typeof acceptCustodyArgs>;
export type RejectCustodyArgs = z.infer<typeof rejectCustodyArgs>;
export type WithdrawOfferArgs = z.infer<typeof withdrawOfferArgs>;

export const adminRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ id: requestId, op: z.literal(AdminOp.Status) }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.Enroll), args: enrollArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.Revoke), args: revokeArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.CreateShipment), args: createShipmentArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.CompleteShipment), args: completeShipmentArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.OfferCustody), args: offerCustodyArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.AcceptCustody), args: acceptCustodyArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.RejectCustody), args: rejectCustodyArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.WithdrawOffer), args: withdrawOfferArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.RegisterSigner), args: registerSignerArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.SetDisposition), args: setDispositionArgs }),
  z.strictObject({ id: requestId, op: z.literal(AdminOp.ImportEpcis), args: importEpcisArgs }),
  z.strictObject({
    id: requestId,
    op: z.literal(AdminOp.DefineStabilityBudget),
    args: defineStabilityBudgetArgs,
  }),
]);
export type CustodyRequest = Extract<
  AdminRequest,
  { op: 'custody.offer' | 'custody.accept' | 'custody.reject' | 'custody.withdraw' }
>;
export type AdminRequest = z.infer<typeof adminRequestSchema>;

export const adminErrorSchema = z.object({
  /** coldtrail ErrorCode (INVALID_INPUT, NOT_FOUND, ...), or null for failures without one. */
  code: z.string().nullable(),
  /** The CLI exit code the failure maps to. */
  exitCode: z.number().int().min(1).max(255),
  message: z.string(),
});
export type AdminError = z.infer<typeof adminErrorSchema>;

export const adminResponseSchema = z.union([
  z.object({ id: requestId.nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: requestId.nullable(), ok: z.literal(false), error: adminErrorSchema }),
]);
export type AdminResponse = z.infer<typeof adminResponseSchema>;

/** Why a request line is not a request, as `path: message` problems (the config errors' format). */
export function parseAdminRequest(
  line: string,
): { ok: true; request: AdminRequest } | { ok: false; message: string; id?: string | number } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, message: 'request is not JSON: send one JSON object per line' };
  }
  const parsed = adminRequestSchema.safeParse(value);
  if (parsed.success) return { ok: true, request: parsed.data };
  const problems = parsed.error.issues
    .map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`)
    .join('; ');
  const rawId = (value as { id?: unknown } | null)?.id;
  const echo = typeof rawId === 'string' || Number.isInteger(rawId) ? (rawId as string | number) : undefined;
  return {
    ok: false,
    message: `invalid admin request: ${problems}`,
    ...(echo === undefined ? {} : { id: echo }),
  };
}
