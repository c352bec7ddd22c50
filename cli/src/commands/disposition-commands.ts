import { userInfo } from 'node:os';
import {
  type DispositionStep,
  dispositionStatement,
  parseGs1Identifier,
  type QualitySubject,
  SIGNATURE_MEANING,
} from '@coldtrail/core';
import { AdminOp, type SetDispositionArgs } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { withLocalPort } from '../operator/custody-ops.js';
import { serverOrg } from '../operator/data-dir-org.js';
import { runSetDisposition } from '../operator/disposition-ops.js';
import { signAs } from '../operator/electronic-signature.js';
import type { PasswordSource } from '../operator/password-input.js';
import { throughServerOrLocal } from '../operator/through-server.js';

/**
 * `coldtrail disposition quarantine|release|reject <id>` (README "Dispositions and electronic signatures").
 * `<id>` is any GS1 identifier of an SSCC, an SGTIN or a lot (core parseGs1Identifier; a bare GTIN with
 * `--lot`). A quarantine is the safe direction and is not signed. A release or a rejection is a signer's
 * electronic signature: the signer re-authenticates with their password at every call (21 CFR 11.200(a)(1)),
 * this process decrypts their key and signs the canonical statement (subject, action, meaning, reason, name,
 * printed name, org, time), and only the statement's fields and the signature travel to the ledger, where the
 * contract verifies them against the registered key. A wrong password writes nothing to the ledger.
 */
export interface DispositionOptions {
  dataDir?: string;
  org?: string;
  lot?: string;
  reason?: string;
  signer?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

export function dispositionSubject(id: string, opts: Pick<DispositionOptions, 'lot'>): QualitySubject {
  const s = parseGs1Identifier(id, opts.lot === undefined ? {} : { lot: opts.lot });
  if (s.kind === 'sscc') return { sscc: s.sscc };
  if (s.kind === 'sgtin') return { gtin: s.gtin, serial: s.serial };
  return { gtin: s.gtin, lot: s.lot };
}

function reasonOf(action: string, reason: string | undefined): string {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new ExitError(Exit.Usage, `a ${action} needs --reason TEXT: say why (it is kept in the trail)`);
  }
  return reason;
}

export async function dispositionQuarantine(id: string, opts: DispositionOptions): Promise<void> {
  const subject = dispositionSubject(id, opts);
  const reason = reasonOf('quarantine', opts.reason);
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  // Not a signature: the name of who put it on hold, as the trail shows it (the org's certificate signs).
  const signer = opts.signer ?? `coldtrail cli (${userInfo().username})`;
  const args: SetDispositionArgs = {
    ...(opts.org === undefined ? {} : { org: opts.org }),
    subject,
    action: 'quarantine',
    signer,
    reason,
  };
  report(opts, await submit(dataDir, args, opts.org));
}

export const dispositionRelease = (id: string, opts: DispositionOptions, io?: PasswordSource) =>
  signed('release', id, opts, io);
export const dispositionReject = (id: string, opts: DispositionOptions, io?: PasswordSource) =>
  signed('reject', id, opts, io);

async function signed(
  action: 'release' | 'reject',
  id: string,
  opts: DispositionOptions,
  io: PasswordSource = {},
): Promise<void> {
  const subject = dispositionSubject(id, opts);
  const reason = reasonOf(action, opts.reason);
  if (opts.signer === undefined) {
    throw new ExitError(
      Exit.Usage,
      `a ${action} is an electronic signature and needs --signer NAME (a signer of this data dir: ` +
        "`coldtrail signer list`); it asks for the signer's password",
    );
  }
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  const { file, signature } = await signAs(
    dataDir,
    { ...opts, signer: opts.signer },
    SIGNATURE_MEANING[action],
    (signer, header) => dispositionStatement({ subject, action, reason, signer, signature: header }),
    io,
  );
  const args: SetDispositionArgs = { org: file.org, subject, action, signer: file.name, reason, signature };
  report(opts, await submit(dataDir, args, file.org));
}

async function submit(dataDir: string, args: SetDispositionArgs, org: string | undefined): Promise<unknown> {
  const { result } = await throughServerOrLocal(dataDir, { op: AdminOp.SetDisposition, args }, () =>
    withLocalPort(dataDir, serverOrg(dataDir, org), (port) => runSetDisposition(port, args)),
  );
  return result;
}

function report(opts: DispositionOptions, result: unknown): void {
  const step = result as DispositionStep;
  const by = step.signature
    ? `signed by ${step.signature.fullName} (${step.signer}, ${step.signature.org}) at ${step.signature.signedAt}: "${step.signature.meaning}"`
    : `by ${step.signer} (${step.caller.msp})`;
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(step, null, 2)}\n`
      : `step ${step.seq}: ${step.action} -> ${step.disposition} (CBV ${step.cbvDisposition}) ${by}; ` +
          `recorded ${step.at} in ${step.txId}\n`,
  );
}
