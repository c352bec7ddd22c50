import {
  canonicalBytes,
  hexToBytes,
  isPublicKeyHex,
  isSignatureHex,
  parseGs1Identifier,
  parseGtin,
  type SignerEntry,
  type StabilityBudgetDefinition,
  type StabilityBudgetPart,
  type StabilityBudgetStatus,
  type StabilitySubject,
  stabilityBudgetStatement,
  verifyEd25519,
} from '@coldtrail/core';
import { createLedgerClient, openLedgerReader } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * `coldtrail stability show <id>` (README "Stability budgets"): the stability budget of a lot, an SGTIN or an
 * SSCC (with the GTIN of the product it holds): allowed, consumed, remaining, and every consumption that
 * reached it (own, or inherited from a container that carried it, counted or why not), from a read-only view
 * of the ledger (it writes nothing to the data dir and works while a server runs). A signed budget's
 * signature is checked again against the ledger's signer registry, as `disposition show` does; a failure is
 * shown and the command exits 3. `--json` prints the ledger's StabilityBudgetStatus unchanged.
 */
export interface StabilityShowOptions {
  dataDir?: string;
  lot?: string;
  gtin?: string;
  json?: boolean;
}

export function stabilitySubjectOf(
  id: string,
  opts: Pick<StabilityShowOptions, 'lot' | 'gtin'>,
): StabilitySubject {
  const s = parseGs1Identifier(id, opts.lot === undefined ? {} : { lot: opts.lot });
  if (s.kind === 'sscc') {
    if (opts.gtin === undefined) {
      throw new ExitError(
        Exit.Usage,
        `SSCC ${s.sscc} holds products: name the one whose budget to show with --gtin GTIN`,
      );
    }
    return { sscc: s.sscc, gtin: parseGtin(opts.gtin) };
  }
  if (opts.gtin !== undefined && parseGtin(opts.gtin) !== s.gtin) {
    throw new ExitError(Exit.Usage, `--gtin goes with an SSCC only; ${id} names GTIN ${s.gtin} already`);
  }
  return s.kind === 'sgtin' ? { gtin: s.gtin, serial: s.serial } : { gtin: s.gtin, lot: s.lot };
}

export type BudgetSignatureCheck =
  | { status: 'unsigned' }
  | { status: 'verified' }
  | { status: 'failed'; why: string };

/** Rechecks a stored budget signature: the registered key and name, and Ed25519 over the rebuilt statement. */
export function checkBudgetSignature(
  b: StabilityBudgetDefinition,
  registered: SignerEntry | null,
): BudgetSignatureCheck {
  const sig = b.signature;
  if (!sig || b.signer === undefined) return { status: 'unsigned' };
  if (!registered) return { status: 'failed', why: `signer ${b.signer} is not registered for ${sig.org}` };
  if (registered.publicKey !== sig.publicKey || !isPublicKeyHex(sig.publicKey)) {
    return { status: 'failed', why: `the budget's key is not the key ${sig.org} registered for ${b.signer}` };
  }
  if (registered.fullName !== sig.fullName) {
    return { status: 'failed', why: `the printed name is not the registered "${registered.fullName}"` };
  }
  const statement = canonicalBytes(stabilityBudgetStatement({ ...b, signer: b.signer, signature: sig }));
  const ok =
    isSignatureHex(sig.value) && verifyEd25519(hexToBytes(sig.publicKey), statement, hexToBytes(sig.value));
  return ok
    ? { status: 'verified' }
    : { status: 'failed', why: 'the Ed25519 signature does not verify over the budget' };
}

function describe(s: StabilitySubject): string {
  if ('sscc' in s) return `GTIN ${s.gtin} on SSCC ${s.sscc}`;
  if ('lot' in s) return `lot ${s.lot} of GTIN ${s.gtin}`;
  return `SGTIN ${s.gtin} serial ${s.serial}`;
}

const min = (n: number) => `${Number(n.toFixed(1))} min`;

function partLine(p: StabilityBudgetPart): string {
  const from = p.origin === 'own' ? 'own' : `inherited via ${p.via.join(' > ')}`;
  const why =
    p.notCounted === 'source-counted'
      ? 'not counted: this source counted once already'
      : p.notCounted === 'not-inside'
        ? 'not counted: recorded while it was not inside'
        : 'counted';
  return `    ${from}  ${p.source.type} ${p.source.id}  ${min(p.minutes)}  ${why}  (${p.at})`;
}

function text(status: StabilityBudgetStatus, check: BudgetSignatureCheck): string {
  const b = status.budget;
  const lines = [`${describe(status.subject)}`];
  if (!b || status.allowedMinutes === null) {
    lines.push(`  allowed    no budget defined for GTIN ${status.subject.gtin}`);
  } else {
    const signed =
      b.signature && b.signer !== undefined
        ? `, signed by ${b.signature.fullName} (${b.signer}, ${b.signature.org}) at ${b.signature.signedAt}: ` +
          (check.status === 'verified'
            ? 'signature verified'
            : `SIGNATURE FAILED: ${check.status === 'failed' ? check.why : ''}`)
        : '';
    lines.push(
      `  allowed    ${min(status.allowedMinutes)} between ${b.lowerC} and ${b.upperC} °C (v${b.version}, defined by ${b.definedBy.msp} at ${b.at}${signed})`,
    );
  }
  lines.push(`  consumed   ${min(status.consumedMinutes)} (${status.consumptions} counted)`);
  if (status.remainingMinutes !== null) {
    lines.push(
      `  remaining  ${min(status.remainingMinutes)}${status.exceeded ? `  EXCEEDED by ${min(-status.remainingMinutes)}` : ''}`,
    );
  }
  const parts = status.parts ?? [];
  lines.push(`  parts      ${parts.length === 0 ? 'none' : parts.length}`, ...parts.map(partLine));
  return `${lines.join('\n')}\n`;
}

export async function stabilityShow(id: string, opts: StabilityShowOptions): Promise<void> {
  const subject = stabilitySubjectOf(id, opts);
  const dataDir = resolveDataDir(opts.dataDir);
  const reader = await openLedgerReader(existingLedgerSyncDir(dataDir));
  let status: StabilityBudgetStatus;
  let check: BudgetSignatureCheck = { status: 'unsigned' };
  try {
    const ledger = createLedgerClient(reader.port);
    status = await ledger.getStabilityBudget(subject);
    const b = status.budget;
    if (b?.signature && b.signer !== undefined) {
      const answer = await reader.port.evaluate('GetSigner', [b.signature.org, b.signer]);
      let registered: SignerEntry | null;
      try {
        registered = JSON.parse(
          new TextDecoder('utf-8', { fatal: true }).decode(answer),
        ) as SignerEntry | null;
      } catch {
        throw new ExitError(Exit.VerificationFailed, "the ledger's answer to GetSigner is not JSON");
      }
      check = checkBudgetSignature(b, registered);
    }
  } finally {
    await reader.close();
  }
  process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : text(status, check));
  if (check.status === 'failed') {
    throw new ExitError(
      Exit.VerificationFailed,
      `the signature of the stability budget of GTIN ${subject.gtin} does not verify: ${check.why}`,
    );
  }
}
