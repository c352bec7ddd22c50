import { readFile } from 'node:fs/promises';
import { isColdtrailError, isPublicKeyHex, publicKeyFromPem } from '@coldtrail/core';
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
  if (text.length > MAX_KEY_BYTES) throw bad(what, 'far too long');
  if (!trimmed.includes('-----BEGIN PUBLIC KEY-----') && trimmed.includes('PRIVATE KEY')) {
    throw bad(what, 'it is a PRIVATE key: never copy that off the device');
  }
  try {
    // core's one reader of the format `agent init` prints (RFC 8410 SPKI); text around the block is ignored.
    return publicKeyFromPem(text);
  } catch (err) {
    if (isColdtrailError(err)) throw new ExitError(Exit.Usage, `${what}: ${err.message}`);
    throw err;
  }
}

function bad(what: string, why: string): ExitError {
  return new ExitError(
    Exit.Usage,
    `${what} is not a device public key (${why}): pass the PEM "-----BEGIN PUBLIC KEY-----" block that ` +
      '`coldtrail agent init` prints (Ed25519, SPKI)',
  );
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    if (text.length > MAX_KEY_BYTES) break;
  }
  return text;
}
