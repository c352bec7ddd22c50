import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalBytes,
  isColdtrailError,
  nobleSigner,
  publicKeyFromSecret,
  verifyEd25519,
} from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_KEY_FILE, loadOrCreateDeviceKey } from './device-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('loadOrCreateDeviceKey', () => {
  it('creates a 0600 PKCS#8 Ed25519 key once and loads the same key afterwards', async () => {
    const first = await loadOrCreateDeviceKey(join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(first.publicKey).toMatch(/^[0-9a-f]{64}$/);
    const st = await stat(first.path);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await readFile(first.path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const again = await loadOrCreateDeviceKey(join(dir, 'data'));
    expect(again.created).toBe(false);
    expect(again.publicKey).toBe(first.publicKey);
  });

  it('puts an existing key that other users can read back to 0600', async () => {
    const first = await loadOrCreateDeviceKey(dir);
    const { chmod } = await import('node:fs/promises');
    await chmod(first.path, 0o644);
    const again = await loadOrCreateDeviceKey(dir);
    expect(again.publicKey).toBe(first.publicKey);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
  });

  it('signs with node:crypto byte-identically to @noble for the same seed, and core verifies it', async () => {
    const key = await loadOrCreateDeviceKey(dir);
    const jwk = createPrivateKey(await readFile(key.path, 'utf8')).export({ format: 'jwk' });
    const seed = new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'));
    expect(publicKeyFromSecret(seed)).toBe(key.publicKey);
    const noble = nobleSigner(seed);
    for (const msg of [new Uint8Array(0), canonicalBytes({ type: 'coldtrail/batch-header', v: 1, n: 42 })]) {
      const sig = await key.signer(msg);
      expect(hex(sig)).toBe(hex(await noble(msg)));
      expect(verifyEd25519(Buffer.from(key.publicKey, 'hex'), msg, sig)).toBe(true);
      const tampered = new Uint8Array([...msg, 1]);
      expect(verifyEd25519(Buffer.from(key.publicKey, 'hex'), tampered, sig)).toBe(false);
    }
  });

  it('two concurrent first starts agree on one key', async () => {
    const [a, b] = await Promise.all([loadOrCreateDeviceKey(dir), loadOrCreateDeviceKey(dir)]);
    expect(a.publicKey).toBe(b.publicKey);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
  });

  it.each([
    ['garbage', 'not a key at all\n'],
    ['a truncated PEM', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw\n-----END PRIVATE KEY-----\n'],
    [
      'a foreign (P-256) key',
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    ],
  ])('refuses %s and leaves the file untouched', async (_name, content) => {
    const path = join(dir, DEVICE_KEY_FILE);
    await writeFile(path, content, { mode: 0o600 });
    const err = await loadOrCreateDeviceKey(dir).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/restore it from a backup/);
    expect(await readFile(path, 'utf8')).toBe(content);
  });
});
