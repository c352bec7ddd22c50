import type { KeyObject } from 'node:crypto';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode, isIdentifier } from '@coldtrail/core';
import { privateKeyFromPem } from './ecdsa.js';

/**
 * X.509 identities for the embedded ledger: one per org (the transaction creator that the contract's
 * ClientIdentity parses, as a Fabric MSP would issue it) and one for the node (it signs blocks). Each is an
 * ECDSA P-256 key with a self-signed certificate, kept as PEM files in the ledger's key directory (key files
 * 0600). A self-signed certificate is enough here: a single-node ledger has no other MSP to trust it.
 */
export interface Identity {
  certificate: string;
  privateKey: KeyObject;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}

async function generate(dir: string, name: string): Promise<Identity> {
  // @peculiar/x509 resolves its services through tsyringe, which needs a Reflect metadata polyfill loaded first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(8).toString('hex'),
      name,
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 100 * 365 * 86_400_000),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  const certificate = cert.toString('pem');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Key first: a crash between the two leaves no certificate, and the pair is generated again.
  await writeAtomic(join(dir, 'key.pem'), keyPem, 0o600);
  await writeAtomic(join(dir, 'cert.pem'), `${certificate.trim()}\n`, 0o644);
  return { certificate: `${certificate.trim()}\n`, privateKey: privateKeyFromPem(keyPem) };
}

async function loadOrCreate(dir: string, name: string): Promise<Identity> {
  const [keyPem, certificate] = await Promise.all([
    readIfPresent(join(dir, 'key.pem')),
    readIfPresent(join(dir, 'cert.pem')),
  ]);
  if (keyPem && certificate) return { certificate, privateKey: privateKeyFromPem(keyPem) };
  return generate(dir, name);
}

export function orgIdentityDir(keysDir: string, mspId: string): string {
  return join(keysDir, 'msp', mspId);
}

export function nodeIdentityDir(keysDir: string): string {
  return join(keysDir, 'node');
}

/** The identity of org `mspId` (a Fabric MSP id such as `ColdtrailOrgMSP`), created on first use. */
export async function orgIdentity(keysDir: string, mspId: string): Promise<Identity> {
  if (!isIdentifier(mspId)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `org "${mspId}" is not a valid MSP id: use letters, digits, . _ - (e.g. ColdtrailOrgMSP)`,
    );
  }
  return loadOrCreate(orgIdentityDir(keysDir, mspId), `CN=client@${mspId}, O=${mspId}, OU=client`);
}

export async function nodeIdentity(keysDir: string): Promise<Identity> {
  return loadOrCreate(nodeIdentityDir(keysDir), 'CN=node0.embedded, O=coldtrail embedded ledger, OU=peer');
}

/** Reads the node certificate without creating one (for verification). */
export async function readNodeCertificate(keysDir: string): Promise<string | undefined> {
  return readIfPresent(join(nodeIdentityDir(keysDir), 'cert.pem'));
}
