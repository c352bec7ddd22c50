import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode, type PublicKeyHex, type Signer } from '@coldtrail/core';

/** File name of the device key inside the agent's data directory. */
export const DEVICE_KEY_FILE = 'device-key.pem';

export interface DeviceKey {
  /** Raw Ed25519 public key, 64 lowercase hex characters (the encoding core's verifiers expect). */
  publicKey: PublicKeyHex;
  /** Signs with node:crypto (~25x faster than pure JS here, see DEPENDENCIES.md; same bytes, RFC 8032). */
  signer: Signer;
  /** Where the key lives. */
  path: string;
  /** True when this call generated the key (the device must then be registered with `publicKey`). */
  created: boolean;
}

/**
 * Loads the device's Ed25519 key from `dir/device-key.pem` (PKCS#8 PEM, mode 0600), creating it on first use.
 * An existing file is never overwritten: a file that is not an Ed25519 private key is refused with an error,
 * because replacing it would silently give the device a new identity that the ledger does not know.
 */
export async function loadOrCreateDeviceKey(dir: string): Promise<DeviceKey> {
  const path = join(dir, DEVICE_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing !== undefined) {
    const key = parseKey(existing, path);
    await tightenMode(path);
    return deviceKey(key, path, false);
  }

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const created = await writeOnce(path, pem);
  if (!created) {
    // Another process created the key between our read and our write: theirs wins, ours is discarded.
    const pemOnDisk = await readKeyFile(path);
    if (pemOnDisk === undefined) throw keyError(path, 'vanished while it was being created');
    return deviceKey(parseKey(pemOnDisk, path), path, false);
  }
  return deviceKey(privateKey, path, true);
}

/** A Signer over a node:crypto Ed25519 private key. */
export function nodeEd25519Signer(privateKey: KeyObject): Signer {
  return (message) => new Uint8Array(sign(null, message, privateKey));
}

/** Raw 32-byte public key hex of an Ed25519 key (private or public KeyObject). */
export function rawPublicKeyHex(key: KeyObject): PublicKeyHex {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('hex');
}

/**
 * A key copied in from a backup often arrives 0644: readable by every user of the box, so any of them could
 * sign as the device. It is put back to 0600 (only the owner's bits are kept) rather than refused, so the
 * agent still starts; a key owned by another user fails the chmod and is reported.
 */
async function tightenMode(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o077) === 0) return;
  try {
    await chmod(path, mode & 0o600);
  } catch (err) {
    throw keyError(
      path,
      `is readable by other users (mode ${(mode & 0o777).toString(8)}) and cannot be made 0600`,
      err,
    );
  }
}

function deviceKey(privateKey: KeyObject, path: string, created: boolean): DeviceKey {
  return { publicKey: rawPublicKeyHex(privateKey), signer: nodeEd25519Signer(privateKey), path, created };
}

async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyError(path, `cannot be read (${(err as Error).message})`, err);
  }
}

function parseKey(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw keyError(path, 'is not a PEM private key (corrupt or foreign file)', err);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(path, `holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  }
  return key;
}

function keyError(path: string, problem: string, cause?: unknown): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.Corrupted,
    `device key file ${path} ${problem}; restore it from a backup, or move it away to create a new key ` +
      '(the device must then be registered again with the new public key)',
    { cause, details: { path } },
  );
}

/**
 * Atomic create-if-absent: write a temporary file (0600), fsync it, then hard-link it into place. link(2)
 * fails with EEXIST instead of replacing the target, unlike rename(2), so a key that appeared meanwhile is never
 * overwritten. Filesystems without hard links (EPERM/ENOTSUP, e.g. FAT) fall back to an exclusive check and
 * rename. The directory is fsynced so the new entry survives a power cut. Returns false if a key already exists.
 */
async function writeOnce(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    try {
      await link(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      if ((await readKeyFile(path)) !== undefined) return false;
      await rename(tmp, path);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await syncDir(path);
  return true;
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(join(path, '..'), constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
