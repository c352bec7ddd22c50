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

/**
 * Fabric CA's attribute extension (fabric-ca lib/attrmgr): OID 1.2.3.4.5.6.7.8.1, non-critical, whose value is
 * the JSON `{"attrs":{"name":"value"}}` itself; the contract reads it with ClientIdentity.getAttributeValue.
 */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

/** Certificate attributes, e.g. `{ 'coldtrail.role': 'quality' }`, as a Fabric CA enrolment would carry them. */
export type CertificateAttributes = Readonly<Record<string, string>>;

/** A new key pair and self-signed certificate, in memory only; `attrs` adds Fabric CA's attribute extension. */
export async function createIdentity(
  name: string,
  attrs?: CertificateAttributes,
): Promise<Identity & { keyPem: string }> {
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
        ...(attrs
          ? [new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs }), 'utf8'))]
          : []),
      ],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  const certificate = `${cert.toString('pem').trim()}\n`;
  return { certificate, privateKey: privateKeyFromPem(keyPem), keyPem };
}

async function generate(dir: string, name: string, attrs?: CertificateAttributes): Promise<Identity> {
  const { keyPem, ...identity } = await createIdentity(name, attrs);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Key first: a crash between the two leaves a key without certificate, which is reported, not replaced.
  await writeAtomic(join(dir, 'key.pem'), keyPem, 0o600);
  await writeAtomic(join(dir, 'cert.pem'), identity.certificate, 0o644);
  return identity;
}

/** Whether a missing identity may be made now: only when nothing it would have signed exists yet. */
export type IdentityPolicy = { create: true } | { create: false; why: string };

/**
 * Loads the identity in `dir`. Both files present: used. Both missing: made if `policy` allows it, else
 * CORRUPTED saying why it cannot be replaced. One of the two missing: always CORRUPTED — never overwritten,
 * since a new key would orphan every signature the old one made.
 */
async function load(dir: string, name: string, policy: IdentityPolicy): Promise<Identity> {
  const [keyPem, certificate] = await Promise.all([
    readIfPresent(join(dir, 'key.pem')),
    readIfPresent(join(dir, 'cert.pem')),
  ]);
  if (keyPem && certificate) return { certificate, privateKey: privateKeyFromPem(keyPem) };
  if (!keyPem && !certificate && policy.create) return generate(dir, name);
  const lacking = keyPem ? 'cert.pem' : certificate ? 'key.pem' : 'key.pem and cert.pem';
  const why = policy.create ? 'the other half is there and must not be overwritten' : policy.why;
  throw new ColdtrailError(
    ErrorCode.Corrupted,
    `the identity in ${dir} lacks ${lacking}: ${why}. Restore it from a backup; coldtrail will not make a new one`,
  );
}

export function orgIdentityDir(keysDir: string, mspId: string): string {
  return join(keysDir, 'msp', mspId);
}

export function nodeIdentityDir(keysDir: string): string {
  return join(keysDir, 'node');
}

/**
 * The identity of org `mspId` (a Fabric MSP id such as `ColdtrailOrgMSP`), created on the org's first use of
 * this ledger (`policy`: the caller knows whether the ledger holds transactions of the org).
 */
export async function orgIdentity(
  keysDir: string,
  mspId: string,
  policy: IdentityPolicy = { create: true },
): Promise<Identity> {
  if (!isIdentifier(mspId)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `org "${mspId}" is not a valid MSP id: use letters, digits, . _ - (e.g. ColdtrailOrgMSP)`,
    );
  }
  return load(orgIdentityDir(keysDir, mspId), `CN=client@${mspId}, O=${mspId}, OU=client`, policy);
}

/**
 * Makes org `mspId`'s identity with certificate attributes (e.g. a quality user allowed to release lots) before
 * the org's first transaction on this ledger. An identity that is there already is never replaced (CONFLICT).
 */
export async function createOrgIdentity(
  keysDir: string,
  mspId: string,
  attrs: CertificateAttributes,
): Promise<Identity> {
  const dir = orgIdentityDir(keysDir, mspId);
  if (!isIdentifier(mspId)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `org "${mspId}" is not a valid MSP id`);
  }
  const [keyPem, certificate] = await Promise.all([
    readIfPresent(join(dir, 'key.pem')),
    readIfPresent(join(dir, 'cert.pem')),
  ]);
  if (keyPem || certificate) {
    throw new ColdtrailError(ErrorCode.Conflict, `${dir} already holds an identity; it is never replaced`);
  }
  return generate(dir, `CN=client@${mspId}, O=${mspId}, OU=client`, attrs);
}

/** The node identity that signs blocks; made only for a ledger that has no blocks yet (`policy`). */
export async function nodeIdentity(keysDir: string, policy: IdentityPolicy): Promise<Identity> {
  return load(nodeIdentityDir(keysDir), 'CN=node0.embedded, O=coldtrail embedded ledger, OU=peer', policy);
}

/** Reads the node identity without creating one (to sign a checkpoint); CORRUPTED when it is incomplete. */
export async function readNodeIdentity(keysDir: string): Promise<Identity> {
  return nodeIdentity(keysDir, { create: false, why: 'it signs the blocks and checkpoints of this ledger' });
}

/** Reads the node certificate without creating one (for verification). */
export async function readNodeCertificate(keysDir: string): Promise<string | undefined> {
  return readIfPresent(join(nodeIdentityDir(keysDir), 'cert.pem'));
}
