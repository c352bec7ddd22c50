import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalBytes,
  isIdentifier,
  isPublicKeyHex,
  nobleSigner,
  publicKeyFromSecret,
  type Signer,
} from '@coldtrail/core';
import { z } from 'zod';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * A signer's key at rest (README "Electronic signatures"): `<data dir>/signers/<name>.json`, mode 0600, in a
 * 0700 directory. The Ed25519 seed is encrypted with AES-256-GCM under a key scrypt derives from the signer's
 * password (RFC 7914; N = 2^17, r = 8, p = 1: about 128 MiB and a noticeable fraction of a second per guess);
 * the name, printed name, org and public key stay in clear and are the cipher's associated data, so changing
 * any of them makes the file undecryptable instead of silently naming someone else. Only the password holder
 * can sign: 21 CFR 11.200(a)(1) asks for two components (the name and the password) at every signing outside a
 * continuous session, and a CLI call never is one, so every signing decrypts here anew.
 *
 * Failed attempts are counted in the file and logged to `signers/audit.jsonl`; after MAX_FAILURES in a row
 * the signer is locked until `coldtrail signer unlock` (21 CFR 11.300(d): attempts at unauthorised use are
 * detected and reported, and a device is not left open to guessing).
 */
export const SIGNERS_DIR = 'signers';
export const AUDIT_FILE = 'audit.jsonl';
export const MAX_FAILURES = 5;
export const MIN_PASSWORD_LENGTH = 10;

/** The strength every file must have; weaker parameters in a file are refused (someone lowered them). */
const KDF = { N: 2 ** 17, r: 8, p: 1 } as const;
const MAXMEM = 256 * 1024 * 1024;

const b64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/);
const signerFileSchema = z.strictObject({
  v: z.literal(1),
  name: z.string(),
  fullName: z.string().min(1).max(200),
  org: z.string(),
  publicKey: z.string().refine(isPublicKeyHex, 'raw Ed25519 public key, 64 hex'),
  createdAt: z.string(),
  kdf: z.strictObject({
    algorithm: z.literal('scrypt'),
    N: z.number().int().min(KDF.N),
    r: z.number().int().min(KDF.r),
    p: z.number().int().min(KDF.p),
    salt: b64,
  }),
  cipher: z.strictObject({ algorithm: z.literal('aes-256-gcm'), iv: b64, tag: b64, ciphertext: b64 }),
  failedAttempts: z.number().int().nonnegative(),
  lockedAt: z.string().nullable(),
});
export type SignerFile = z.infer<typeof signerFileSchema>;
export type SignerSummary = Pick<SignerFile, 'name' | 'fullName' | 'org' | 'publicKey' | 'createdAt'> & {
  locked: boolean;
  failedAttempts: number;
};

export const signersDir = (dataDir: string) => join(dataDir, SIGNERS_DIR);
export const signerFilePath = (dataDir: string, name: string) => join(signersDir(dataDir), `${name}.json`);

export function checkSignerName(name: string): string {
  if (!isIdentifier(name)) {
    throw new ExitError(Exit.Usage, `signer name "${name}" is not valid: letters, digits, . _ - (e.g. jroe)`);
  }
  return name;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ExitError(
      Exit.Usage,
      `a signer's password needs at least ${MIN_PASSWORD_LENGTH} characters; choose a longer one`,
    );
  }
}

function deriveKey(password: string, salt: Buffer, k: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { ...k, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

const associatedData = (f: Pick<SignerFile, 'v' | 'name' | 'fullName' | 'org' | 'publicKey'>) =>
  canonicalBytes({ v: f.v, name: f.name, fullName: f.fullName, org: f.org, publicKey: f.publicKey });

async function encrypted(
  clear: Omit<SignerFile, 'kdf' | 'cipher'>,
  seed: Uint8Array,
  password: string,
): Promise<SignerFile> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(password, salt, KDF);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(associatedData(clear));
  const ciphertext = Buffer.concat([cipher.update(seed), cipher.final()]);
  return {
    ...clear,
    kdf: { algorithm: 'scrypt', ...KDF, salt: salt.toString('base64') },
    cipher: {
      algorithm: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    },
  };
}

function write(dataDir: string, file: SignerFile): void {
  mkdirSync(signersDir(dataDir), { recursive: true, mode: 0o700 });
  const path = signerFilePath(dataDir, file.name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

function audit(dataDir: string, event: string, name: string, at: Date, extra: object = {}): void {
  mkdirSync(signersDir(dataDir), { recursive: true, mode: 0o700 });
  const line = JSON.stringify({ at: at.toISOString(), event, signer: name, ...extra });
  appendFileSync(join(signersDir(dataDir), AUDIT_FILE), `${line}\n`, { mode: 0o600 });
}

export function readSignerFile(dataDir: string, name: string): SignerFile {
  const path = signerFilePath(dataDir, checkSignerName(name));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ExitError(
        Exit.NotFound,
        `no signer ${name} in ${signersDir(dataDir)}: add one with \`coldtrail signer add ${name} --full-name "..." --data-dir ${dataDir}\``,
      );
    }
    throw err;
  }
  let parsed: ReturnType<typeof signerFileSchema.safeParse>;
  try {
    parsed = signerFileSchema.safeParse(JSON.parse(text));
  } catch {
    throw new ExitError(Exit.VerificationFailed, `${path} is not JSON: restore it from a backup`);
  }
  if (!parsed.success || parsed.data.name !== name) {
    const issue = parsed.success ? { path: ['name'], message: `is not ${name}` } : parsed.error.issues[0];
    throw new ExitError(
      Exit.VerificationFailed,
      `${path} is not a valid signer file (${issue?.path.join('.') || '(root)'}: ${issue?.message}): restore it from a backup`,
    );
  }
  return parsed.data;
}

/** A new signer's file; the caller registers `publicKey` on the ledger and then calls `commit`. */
export async function newSigner(
  dataDir: string,
  input: { name: string; fullName: string; org: string; password: string; seed?: Uint8Array },
  now: Date = new Date(),
): Promise<{ file: SignerFile; commit: () => void }> {
  checkSignerName(input.name);
  checkPassword(input.password);
  const fullName = input.fullName.trim();
  if (fullName.length === 0 || fullName.length > 200 || /\p{Cc}/u.test(fullName)) {
    throw new ExitError(Exit.Usage, "--full-name must be the signer's printed name, 1-200 characters");
  }
  let exists = true;
  try {
    readFileSync(signerFilePath(dataDir, input.name));
  } catch {
    exists = false;
  }
  if (exists) {
    throw new ExitError(
      Exit.Usage,
      `signer ${input.name} exists already in ${signersDir(dataDir)}; a signer's key is never replaced: choose another name`,
    );
  }
  // A given seed only in tests (to show the file never holds it in clear).
  const seed = Buffer.from(input.seed ?? randomBytes(32));
  const clear = {
    v: 1 as const,
    name: input.name,
    fullName,
    org: input.org,
    publicKey: publicKeyFromSecret(seed),
    createdAt: now.toISOString(),
    failedAttempts: 0,
    lockedAt: null,
  };
  const file = await encrypted(clear, seed, input.password);
  seed.fill(0);
  return {
    file,
    commit: () => {
      write(dataDir, file);
      audit(dataDir, 'created', file.name, now, { publicKey: file.publicKey, org: file.org });
    },
  };
}

/**
 * Re-authenticates the signer (their name and password) and answers a Signer over their key. A wrong password
 * counts a failure (and locks at MAX_FAILURES); a locked signer is refused before any guess is tried.
 */
export async function unlockSigner(
  dataDir: string,
  name: string,
  password: string,
  now: Date = new Date(),
): Promise<{ file: SignerFile; sign: Signer }> {
  const file = readSignerFile(dataDir, name);
  if (file.lockedAt !== null) {
    audit(dataDir, 'refused-locked', name, now);
    throw new ExitError(
      Exit.Usage,
      `signer ${name} is locked since ${file.lockedAt} after ${file.failedAttempts} wrong passwords; ` +
        `nothing was signed. The data dir's administrator unlocks it with \`coldtrail signer unlock ${name}\``,
    );
  }
  const seed = await decrypt(file, password);
  if (!seed) {
    const failedAttempts = file.failedAttempts + 1;
    const locked = failedAttempts >= MAX_FAILURES;
    write(dataDir, { ...file, failedAttempts, lockedAt: locked ? now.toISOString() : null });
    audit(dataDir, locked ? 'locked' : 'failed-authentication', name, now, { failedAttempts });
    throw new ExitError(
      Exit.Usage,
      `wrong password for signer ${name}: nothing was signed or recorded (attempt ${failedAttempts} of ${MAX_FAILURES}` +
        `${locked ? '; the signer is now locked' : ''})`,
    );
  }
  if (file.failedAttempts > 0) write(dataDir, { ...file, failedAttempts: 0 });
  const sign = nobleSigner(seed);
  return { file, sign };
}

async function decrypt(file: SignerFile, password: string): Promise<Buffer | undefined> {
  const key = await deriveKey(password, Buffer.from(file.kdf.salt, 'base64'), file.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.cipher.iv, 'base64'));
    decipher.setAAD(associatedData(file)).setAuthTag(Buffer.from(file.cipher.tag, 'base64'));
    const seed = Buffer.concat([
      decipher.update(Buffer.from(file.cipher.ciphertext, 'base64')),
      decipher.final(),
    ]);
    // The key must be the one the file (and the ledger) names.
    return seed.length === 32 && publicKeyFromSecret(seed) === file.publicKey ? seed : undefined;
  } catch {
    return undefined;
  }
}

/** Re-encrypts the signer's key under a new password (the key, and so the ledger's registration, stay). */
export async function changeSignerPassword(
  dataDir: string,
  name: string,
  oldPassword: string,
  newPassword: string,
  now: Date = new Date(),
): Promise<SignerFile> {
  checkPassword(newPassword);
  const { file } = await unlockSigner(dataDir, name, oldPassword, now);
  const seed = await decrypt(file, oldPassword);
  if (!seed) throw new ExitError(Exit.Internal, `signer ${name}: the key did not decrypt twice`);
  const { kdf, cipher, ...clear } = file;
  const next = await encrypted({ ...clear, failedAttempts: 0, lockedAt: null }, seed, newPassword);
  seed.fill(0);
  write(dataDir, next);
  audit(dataDir, 'password-changed', name, now);
  return next;
}

/** Lifts a lockout (the administrator's act, logged); the password is unchanged. */
export function unlockLockedSigner(dataDir: string, name: string, now: Date = new Date()): SignerFile {
  const file = readSignerFile(dataDir, name);
  const next = { ...file, failedAttempts: 0, lockedAt: null };
  write(dataDir, next);
  audit(dataDir, 'unlocked', name, now, { wasLockedAt: file.lockedAt });
  return next;
}

export function listSignerFiles(dataDir: string): SignerSummary[] {
  let names: string[];
  try {
    names = readdirSync(signersDir(dataDir)).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .map((f) => f.slice(0, -'.json'.length))
    .filter(isIdentifier)
    .sort()
    .map((n) => {
      const f = readSignerFile(dataDir, n);
      return {
        name: f.name,
        fullName: f.fullName,
        org: f.org,
        publicKey: f.publicKey,
        createdAt: f.createdAt,
        locked: f.lockedAt !== null,
        failedAttempts: f.failedAttempts,
      };
    });
}
