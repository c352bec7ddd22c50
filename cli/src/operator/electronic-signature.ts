import { bytesToHex, canonicalBytes } from '@coldtrail/core';
import { Exit, ExitError } from '../exit-codes.js';
import { type PasswordSource, readPasswords } from './password-input.js';
import { type SignerFile, unlockSigner } from './signer-file.js';

/** What an electronic signature carries to the ledger beside the statement's own fields. */
export interface SignatureFields {
  fullName: string;
  meaning: string;
  signedAt: string;
  value: string;
}

/** The signature's printed name, org, meaning and time: what the statement to sign is built from. */
export interface SignatureHeader {
  fullName: string;
  org: string;
  meaning: string;
  signedAt: string;
}

/**
 * One electronic signature (21 CFR 11.50, 11.200(a)(1)), as a release, a rejection and a stability budget
 * make it: the signer re-authenticates with their password (stdin or a hidden prompt), this process decrypts
 * their key (signer-file.ts: a wrong password counts towards the lockout and signs nothing), `statement`
 * builds the canonical statement from the signer's name and the signature header, and its canonical bytes are
 * signed with Ed25519. `org`, when given, must be the signer's own.
 */
export async function signAs<S>(
  dataDir: string,
  opts: { signer: string; org?: string; passwordStdin?: boolean },
  meaning: string,
  statement: (signer: string, header: SignatureHeader) => S,
  io: PasswordSource = {},
): Promise<{ file: SignerFile; signature: SignatureFields }> {
  const [password] = await readPasswords({ ...io, passwordStdin: opts.passwordStdin }, [
    `password for signer ${opts.signer}`,
  ]);
  const { file, sign } = await unlockSigner(dataDir, opts.signer, password ?? '');
  if (opts.org !== undefined && opts.org !== file.org) {
    throw new ExitError(Exit.Usage, `signer ${file.name} signs for ${file.org}, not ${opts.org}: drop --org`);
  }
  const header = { fullName: file.fullName, org: file.org, meaning, signedAt: new Date().toISOString() };
  const value = bytesToHex(await sign(canonicalBytes(statement(file.name, header))));
  const { fullName, signedAt } = header;
  return { file, signature: { fullName, meaning, signedAt, value } };
}
