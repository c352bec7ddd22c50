import type { SignerEntry } from '@coldtrail/core';
import { AdminOp } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { withLocalPort } from '../operator/custody-ops.js';
import { serverOrg } from '../operator/data-dir-org.js';
import { runRegisterSigner } from '../operator/disposition-ops.js';
import { type PasswordSource, readPasswords } from '../operator/password-input.js';
import {
  changeSignerPassword,
  checkSignerName,
  listSignerFiles,
  newSigner,
  signerFilePath,
  unlockLockedSigner,
} from '../operator/signer-file.js';
import { throughServerOrLocal } from '../operator/through-server.js';

/**
 * `coldtrail signer add|list|passwd|unlock`: the people who sign releases and rejections (README "Electronic
 * signatures"). `add` makes the signer's key in the data dir, encrypted under their password
 * (operator/signer-file.ts), and registers its public key for the org on the ledger (RegisterSigner) through
 * the running server, if any; the file is written only once the ledger took the key.
 */
export interface SignerOptions {
  dataDir?: string;
  org?: string;
  json?: boolean;
  passwordStdin?: boolean;
}

export async function signerAdd(
  name: string,
  opts: SignerOptions & { fullName: string },
  io: PasswordSource = {},
): Promise<void> {
  checkSignerName(name);
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  const org = serverOrg(dataDir, opts.org);
  const prompts = opts.passwordStdin
    ? [`new password for ${name}`]
    : [`new password for ${name}`, 'the same password again'];
  const [password, again] = await readPasswords({ ...io, passwordStdin: opts.passwordStdin }, prompts);
  if (again !== undefined && again !== password) {
    throw new ExitError(Exit.Usage, 'the two passwords differ; nothing was created');
  }
  const made = await newSigner(dataDir, { name, fullName: opts.fullName, org, password: password ?? '' });
  const args = { org, name, fullName: made.file.fullName, publicKey: made.file.publicKey };
  const { result } = await throughServerOrLocal(dataDir, { op: AdminOp.RegisterSigner, args }, () =>
    withLocalPort(dataDir, org, (port) => runRegisterSigner(port, args)),
  );
  made.commit();
  const entry = result as SignerEntry;
  process.stdout.write(
    opts.json
      ? `${JSON.stringify({ ...entry, file: signerFilePath(dataDir, name) }, null, 2)}\n`
      : `signer ${name} (${entry.fullName}) of ${entry.org} registered on the ledger at ${entry.at}; ` +
          `key ${entry.publicKey}, encrypted in ${signerFilePath(dataDir, name)}\n`,
  );
}

export async function signerList(opts: Omit<SignerOptions, 'org' | 'passwordStdin'>): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const signers = listSignerFiles(dataDir);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(signers, null, 2)}\n`);
    return;
  }
  if (signers.length === 0) {
    process.stdout.write(
      `no signers in ${dataDir}: add one with \`coldtrail signer add NAME --full-name "..."\`\n`,
    );
    return;
  }
  const lines = signers.map(
    (s) =>
      `${s.name}\t${s.fullName}\t${s.org}\t${s.publicKey}\t${s.locked ? 'LOCKED' : s.failedAttempts > 0 ? `${s.failedAttempts} failed attempt(s)` : 'ok'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** New password for the same key (the ledger's registration stays); with --password-stdin: old, then new. */
export async function signerPasswd(
  name: string,
  opts: Pick<SignerOptions, 'dataDir' | 'passwordStdin'>,
  io: PasswordSource = {},
): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  checkSignerName(name);
  const prompts = [`current password for ${name}`, 'new password'];
  if (!opts.passwordStdin) prompts.push('the new password again');
  const [old, next, again] = await readPasswords({ ...io, passwordStdin: opts.passwordStdin }, prompts);
  if (again !== undefined && again !== next) throw new ExitError(Exit.Usage, 'the new passwords differ');
  await changeSignerPassword(dataDir, name, old ?? '', next ?? '');
  process.stdout.write(`password of signer ${name} changed\n`);
}

export async function signerUnlock(name: string, opts: Pick<SignerOptions, 'dataDir'>): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const file = unlockLockedSigner(dataDir, checkSignerName(name));
  process.stdout.write(`signer ${file.name} unlocked (logged in ${dataDir}/signers/audit.jsonl)\n`);
}
