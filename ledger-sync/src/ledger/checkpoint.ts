import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { ColdtrailError, canonicalJson, ErrorCode, HEX64_PATTERN, ISO_MS_PATTERN } from '@coldtrail/core';
import { z } from 'zod';
import { publicKeyFromCertificate, signLowS, verifySignature } from './ecdsa.js';
import type { LedgerTip } from './verify-report.js';

/**
 * A signed checkpoint of the embedded ledger's tip (`coldtrail ledger export-tip`). A single node cannot
 * prove by itself that nobody cut blocks off its end: replay of a shortened ledger is intact. A checkpoint
 * handed to another party (a distributor, an auditor, a log) can: a later verifier given it must find the
 * ledger still reaching the tip, with that very block there. The node signs it (ECDSA P-256, low-S) so its
 * holder can show where it came from, and the node certificate inside lets anyone check that signature on
 * its own; a ledger whose node identity differs from the checkpoint's is another ledger, or a rewritten one.
 */
export const CHECKPOINT_TYPE = 'coldtrail.ledger-checkpoint' as const;

const hex64 = z.string().regex(HEX64_PATTERN);
const iso = z.string().regex(ISO_MS_PATTERN);

const checkpointSchema = z.strictObject({
  type: z.literal(CHECKPOINT_TYPE),
  v: z.literal(1),
  tip: z.strictObject({ number: z.number().int().nonnegative(), hash: hex64, timestamp: iso }),
  blocks: z.number().int().positive(),
  transactions: z.number().int().nonnegative(),
  exportedAt: iso,
  node: z.strictObject({ fingerprint: hex64, certificate: z.string().min(1) }),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

export type LedgerCheckpoint = z.infer<typeof checkpointSchema>;

/** SHA-256 of the certificate's DER: how a checkpoint names the node that signed it. */
export function certificateFingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

export function signCheckpoint(
  fields: {
    tip: LedgerTip;
    blocks: number;
    transactions: number;
    exportedAt: string;
  },
  node: { certificate: string; privateKey: KeyObject },
): LedgerCheckpoint {
  const unsigned = {
    type: CHECKPOINT_TYPE,
    v: 1 as const,
    ...fields,
    node: { fingerprint: certificateFingerprint(node.certificate), certificate: node.certificate },
  };
  return { ...unsigned, signature: signLowS(node.privateKey, canonicalJson(unsigned)) };
}

/**
 * Parses a checkpoint file's text and checks its own signature. Hostile input: a malformed or unsigned
 * checkpoint is INVALID_INPUT naming `source`, never a checkpoint.
 */
export function parseCheckpoint(text: string, source: string): LedgerCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(source, 'it is not JSON');
  }
  const parsed = checkpointSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(source, `${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const cp = parsed.data;
  let fingerprint: string;
  let signed = false;
  try {
    fingerprint = certificateFingerprint(cp.node.certificate);
    const { signature, ...unsigned } = cp;
    signed = verifySignature(
      publicKeyFromCertificate(cp.node.certificate),
      canonicalJson(unsigned),
      signature,
    );
  } catch {
    throw bad(source, 'its node certificate is not a readable X.509 certificate');
  }
  if (fingerprint !== cp.node.fingerprint)
    throw bad(source, 'its node fingerprint does not match its certificate');
  if (!signed) throw bad(source, 'its signature does not verify with its node certificate (was it edited?)');
  if (cp.blocks !== cp.tip.number + 1) throw bad(source, 'its block count does not match its tip number');
  return cp;
}

function bad(source: string, why: string): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.InvalidInput,
    `${source} is not a valid ledger checkpoint: ${why}; write one with \`coldtrail ledger export-tip\``,
  );
}
