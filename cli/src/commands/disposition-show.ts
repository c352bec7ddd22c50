import {
  canonicalBytes,
  canonicalJson,
  type DispositionStep,
  dispositionStatement,
  hexToBytes,
  isPublicKeyHex,
  isSignatureHex,
  type QualitySubject,
  type SignerEntry,
  verifyEd25519,
} from '@coldtrail/core';
import { type LedgerPort, openLedgerReader } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { dispositionSubject } from './disposition-commands.js';

/**
 * `coldtrail disposition show <id>`: the subject's current disposition and its whole trail, oldest first,
 * from a read-only view of the ledger (works while a server runs). Each signed step is checked again here: the
 * signer must be registered on the ledger by the step's org with the very key the step carries, and the
 * Ed25519 signature must verify over the canonical statement rebuilt from the step's own fields. Any failure
 * is shown beside its step and the command exits 3. `--json` gives export-ready CBV 2.0 dispositions: the
 * bare term EPCIS 2.0 JSON-LD uses (`conformant`) and its web URI (https://ref.gs1.org/cbv/Disp-conformant,
 * CBV 2.0 §8.2.5).
 */
export type SignatureCheck =
  | { status: 'unsigned' }
  | { status: 'verified'; signer: string; fullName: string; org: string }
  | { status: 'failed'; why: string };

export interface TrailEntry extends DispositionStep {
  cbvDispositionUri: string;
  signatureCheck: SignatureCheck;
}

export interface DispositionView {
  subject: QualitySubject;
  disposition: DispositionStep['disposition'] | null;
  cbvDisposition: DispositionStep['cbvDisposition'] | null;
  cbvDispositionUri: string | null;
  trail: TrailEntry[];
  /** Every signed step verified. */
  signaturesVerified: boolean;
}

const PAGE = 100;
const MAX_PAGES = 100;
const cbvUri = (term: string) => `https://ref.gs1.org/cbv/Disp-${term}`;
const decoder = new TextDecoder('utf-8', { fatal: true });

async function evaluate<T>(port: LedgerPort, fn: string, args: string[]): Promise<T> {
  try {
    return JSON.parse(decoder.decode(await port.evaluate(fn, args))) as T;
  } catch (err) {
    if (err instanceof SyntaxError)
      throw new ExitError(Exit.VerificationFailed, `the ledger's answer to ${fn} is not JSON`);
    throw err;
  }
}

/** Rechecks a step's signature against the ledger's signer registry. */
export function checkSignature(step: DispositionStep, registered: SignerEntry | null): SignatureCheck {
  const sig = step.signature;
  if (!sig) return { status: 'unsigned' };
  if (!registered) return { status: 'failed', why: `signer ${step.signer} is not registered for ${sig.org}` };
  if (registered.publicKey !== sig.publicKey || !isPublicKeyHex(sig.publicKey)) {
    return {
      status: 'failed',
      why: `the step's key is not the key ${sig.org} registered for ${step.signer}`,
    };
  }
  if (registered.fullName !== sig.fullName) {
    return { status: 'failed', why: `the printed name is not the registered "${registered.fullName}"` };
  }
  const statement = canonicalBytes(dispositionStatement({ ...step, signature: sig }));
  const ok =
    isSignatureHex(sig.value) && verifyEd25519(hexToBytes(sig.publicKey), statement, hexToBytes(sig.value));
  return ok
    ? { status: 'verified', signer: step.signer, fullName: sig.fullName, org: sig.org }
    : { status: 'failed', why: 'the Ed25519 signature does not verify over the step' };
}

export async function readDispositionView(
  port: LedgerPort,
  subject: QualitySubject,
): Promise<DispositionView> {
  const subjectArg = canonicalJson(subject);
  const current = await evaluate<DispositionStep | null>(port, 'GetDisposition', [subjectArg]);
  const steps: DispositionStep[] = [];
  let bookmark = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const p = await evaluate<{ records: DispositionStep[]; bookmark: string }>(port, 'GetDispositionTrail', [
      subjectArg,
      String(PAGE),
      bookmark,
    ]);
    steps.push(...p.records);
    bookmark = p.bookmark;
    if (!bookmark) break;
  }
  const signers = new Map<string, SignerEntry | null>();
  const trail: TrailEntry[] = [];
  for (const step of steps) {
    let registered: SignerEntry | null = null;
    if (step.signature) {
      const key = `${step.signature.org}\u0000${step.signer}`;
      if (!signers.has(key)) {
        signers.set(
          key,
          await evaluate<SignerEntry | null>(port, 'GetSigner', [step.signature.org, step.signer]),
        );
      }
      registered = signers.get(key) ?? null;
    }
    trail.push({
      ...step,
      cbvDispositionUri: cbvUri(step.cbvDisposition),
      signatureCheck: checkSignature(step, registered),
    });
  }
  return {
    subject,
    disposition: current?.disposition ?? null,
    cbvDisposition: current?.cbvDisposition ?? null,
    cbvDispositionUri: current ? cbvUri(current.cbvDisposition) : null,
    trail,
    signaturesVerified: trail.every((t) => t.signatureCheck.status !== 'failed'),
  };
}

function describe(s: QualitySubject): string {
  if ('sscc' in s) return `SSCC ${s.sscc}`;
  if ('lot' in s) return `lot ${s.lot} of GTIN ${s.gtin}`;
  return `SGTIN ${s.gtin} serial ${s.serial}`;
}

function line(t: TrailEntry): string {
  const head = `  ${t.seq}. ${t.at} ${t.action} -> ${t.disposition} (CBV ${t.cbvDisposition}) by ${t.caller.msp}`;
  const why = t.reason ? `\n     reason: ${t.reason}` : '';
  const c = t.signatureCheck;
  const sig = t.signature
    ? `\n     signed: ${t.signature.fullName} (${t.signer}) at ${t.signature.signedAt}, meaning "${t.signature.meaning}": ` +
      (c.status === 'verified'
        ? 'signature verified'
        : `SIGNATURE FAILED: ${c.status === 'failed' ? c.why : ''}`)
    : `\n     name: ${t.signer} (not an electronic signature)`;
  return `${head}${why}${sig}`;
}

export async function dispositionShow(
  id: string,
  opts: { dataDir?: string; lot?: string; json?: boolean },
): Promise<void> {
  const subject = dispositionSubject(id, opts);
  const dataDir = resolveDataDir(opts.dataDir);
  const reader = await openLedgerReader(existingLedgerSyncDir(dataDir));
  let view: DispositionView;
  try {
    view = await readDispositionView(reader.port, subject);
  } finally {
    await reader.close();
  }
  if (view.trail.length === 0) {
    throw new ExitError(Exit.NotFound, `${describe(subject)} has no disposition on the ledger of ${dataDir}`);
  }
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(view, null, 2)}\n`
      : `${describe(subject)}: ${view.disposition ?? 'no disposition'}` +
          `${view.cbvDisposition ? ` (CBV ${view.cbvDisposition})` : ''}\n${view.trail.map(line).join('\n')}\n`,
  );
  if (!view.signaturesVerified) {
    throw new ExitError(
      Exit.VerificationFailed,
      `a signature in the trail of ${describe(subject)} does not verify`,
    );
  }
}
