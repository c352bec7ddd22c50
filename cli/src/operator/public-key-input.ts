import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isPublicKeyHex } from '@coldtrail/core';
import { Exit, ExitError } from '../exit-codes.js';

/** A public key file is a few hundred bytes; anything far larger is not one. */
const MAX_KEY_BYTES = 16 * 1024;

/**
 * The device's public key as `device enroll --public-key FILE|-` reads it: the PEM (SPKI) text that
 * `coldtrail agent init` prints, or the raw key as 64 hex characters (core/src/keys.ts's encoding). Answers
 * the raw key as hex, the form the ledger stores.
 */
export async function readPublicKey(
  source: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  const what = source === '-' ? 'standard input' : source;
  let text: string;
  try {
    text = source === '-' ? await readAll(stdin) : await readFile(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExitError(
      code === 'ENOENT' ? Exit.NotFound : Exit.Usage,
      `cannot read the public key from ${what}: ${(err as Error).message}`,
    );
  }
  return parsePublicKey(text, what);
}

export function parsePublicKey(text: string, what: string): string {
  const trimmed = text.trim();
  if (isPublicKeyHex(trimmed.toLowerCase())) return trimmed.toLowerCase();
  const bad = (why: string) =>
    new ExitError(
      Exit.Usage,
      `${what} is not a device public key (${why}): pass the PEM "-----BEGIN PUBLIC KEY-----" block that ` +
        '`coldtrail agent init` prints (Ed25519, SPKI)',
    );
  if (text.length > MAX_KEY_BYTES) throw bad('far too long');
  if (!trimmed.includes('-----BEGIN PUBLIC KEY-----')) {
    throw bad(
      trimmed.includes('PRIVATE KEY')
        ? 'it is a PRIVATE key: never copy that off the device'
        : 'no PEM public key',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: trimmed, format: 'pem' });
  } catch {
    throw bad('the PEM block does not decode');
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw bad(`a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  const x = key.export({ format: 'jwk' }).x;
  return Buffer.from(x ?? '', 'base64url').toString('hex');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    if (text.length > MAX_KEY_BYTES) break;
  }
  return text;
}
