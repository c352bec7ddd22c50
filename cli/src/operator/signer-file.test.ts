import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes, publicKeyFromSecret, verifyEd25519 } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Exit } from '../exit-codes.js';
import {
  AUDIT_FILE,
  changeSignerPassword,
  MAX_FAILURES,
  newSigner,
  readSignerFile,
  signerFilePath,
  signersDir,
  unlockLockedSigner,
  unlockSigner,
} from './signer-file.js';

const PASSWORD = 'correct horse battery';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldtrail-signer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function made(seed = randomBytes(32)) {
  const m = await newSigner(dir, {
    name: 'jroe',
    fullName: 'Dr. Jane Roe',
    org: 'PharmaMSP',
    password: PASSWORD,
    seed,
  });
  m.commit();
  return m.file;
}

const audit = () =>
  readFileSync(join(signersDir(dir), AUDIT_FILE), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).event);

describe('signer file', () => {
  it('keeps the key encrypted at rest: mode 0600, the public key and name in clear, never the seed', async () => {
    const seed = randomBytes(32);
    const file = await made(seed);
    const path = signerFilePath(dir, 'jroe');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(signersDir(dir)).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, 'utf8');
    for (const form of [bytesToHex(seed), seed.toString('base64'), seed.toString('base64url')]) {
      expect(text).not.toContain(form);
    }
    expect(JSON.parse(text)).toMatchObject({
      name: 'jroe',
      fullName: 'Dr. Jane Roe',
      org: 'PharmaMSP',
      publicKey: publicKeyFromSecret(seed),
      kdf: { algorithm: 'scrypt', N: 131072, r: 8, p: 1 },
      cipher: { algorithm: 'aes-256-gcm' },
    });
    expect(file.publicKey).toBe(publicKeyFromSecret(seed));
  });

  it('signs only with the right password; a wrong one is counted and logged, and locks after the limit', async () => {
    const file = await made();
    const { sign } = await unlockSigner(dir, 'jroe', PASSWORD);
    const msg = new TextEncoder().encode('statement');
    expect(verifyEd25519(hexToBytes(file.publicKey), msg, await sign(msg))).toBe(true);

    await expect(unlockSigner(dir, 'jroe', 'wrong password!')).rejects.toMatchObject({
      exitCode: Exit.Usage,
      message: expect.stringMatching(
        /^wrong password for signer jroe: nothing was signed or recorded \(attempt 1 of 5\)/,
      ),
    });
    expect(readSignerFile(dir, 'jroe').failedAttempts).toBe(1);
    await unlockSigner(dir, 'jroe', PASSWORD); // a success resets the count
    expect(readSignerFile(dir, 'jroe').failedAttempts).toBe(0);

    for (let i = 1; i <= MAX_FAILURES; i++) {
      await expect(unlockSigner(dir, 'jroe', `wrong ${i} password`)).rejects.toThrow(/wrong password/);
    }
    // Locked: even the right password is refused until an administrator unlocks.
    await expect(unlockSigner(dir, 'jroe', PASSWORD)).rejects.toThrow(
      /signer jroe is locked since .* signer unlock jroe/,
    );
    unlockLockedSigner(dir, 'jroe');
    await unlockSigner(dir, 'jroe', PASSWORD);
    expect(audit()).toEqual([
      'created',
      'failed-authentication',
      ...Array(MAX_FAILURES - 1).fill('failed-authentication'),
      'locked',
      'refused-locked',
      'unlocked',
    ]);
  });

  it('refuses a file whose clear fields were edited (the name is bound to the key) and weakened scrypt parameters', async () => {
    await made();
    const path = signerFilePath(dir, 'jroe');
    const original = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...original, fullName: 'Mallory' }));
    await expect(unlockSigner(dir, 'jroe', PASSWORD)).rejects.toThrow(/wrong password/);
    writeFileSync(path, JSON.stringify({ ...original, kdf: { ...original.kdf, N: 1024 } }));
    expect(() => readSignerFile(dir, 'jroe')).toThrow(/not a valid signer file \(kdf.N: /);
  });

  it('changes the password, keeping the key; short passwords and a second signer of one name are refused', async () => {
    const file = await made();
    await changeSignerPassword(dir, 'jroe', PASSWORD, 'another long secret');
    await expect(unlockSigner(dir, 'jroe', PASSWORD)).rejects.toThrow(/wrong password/);
    const { file: after } = await unlockSigner(dir, 'jroe', 'another long secret');
    expect(after.publicKey).toBe(file.publicKey);
    await expect(
      newSigner(dir, { name: 'jroe', fullName: 'X', org: 'PharmaMSP', password: PASSWORD }),
    ).rejects.toThrow(/exists already .* never replaced/);
    await expect(
      newSigner(dir, { name: 'anna', fullName: 'Anna', org: 'PharmaMSP', password: 'short' }),
    ).rejects.toThrow(/at least 10 characters/);
  });
});
