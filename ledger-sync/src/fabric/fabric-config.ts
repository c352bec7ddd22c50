/**
 * The connection to a Fabric peer's Gateway service, read from a YAML (or JSON) file: where the peer is, the
 * TLS CA that signed its certificate, and the client identity (MSP id, X.509 certificate, P-256 key) that
 * signs every proposal. Paths in the file are relative to the file, so a config and its crypto material move
 * together. Validated once, like every coldtrail config: every problem reported as `path: message`, a file
 * that cannot be read named with what to do. `COLDTRAIL_FABRIC_<KEY>` environment variables override the file.
 * The documented example is deploy/fabric/connection.example.yaml.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ColdtrailError, type Env, ErrorCode, isIdentifier, parseConfig } from '@coldtrail/core';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { privateKeyFromPem, publicKeyFromPrivate } from '../ledger/ecdsa.js';

const ms = (fallback: number) => z.number().int().min(1).max(3_600_000).default(fallback);

export const FabricConnectionSchema = z.strictObject({
  /** The gateway peer, `host:port` (e.g. peer0.org1.example.com:7051). */
  peerEndpoint: z
    .string()
    .regex(
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
      'must be host:port, e.g. peer0.org1.example.com:7051',
    ),
  /** PEM of the CA that signed the peer's TLS certificate. */
  tlsRootCertPath: z.string().min(1),
  /** The name the peer's TLS certificate is issued for, when it differs from the endpoint's host. */
  serverNameOverride: z.string().min(1).optional(),
  /** The client's org (MSP id), e.g. Org1MSP; ledger-sync acts for this org. */
  mspId: z.string().refine(isIdentifier, 'must be an MSP id like Org1MSP'),
  /** PEM of the client's X.509 certificate, issued by the org's CA. */
  certPath: z.string().min(1),
  /** PEM of the client's P-256 private key (PKCS#8 or SEC1). */
  keyPath: z.string().min(1),
  channel: z.string().min(1).default('coldtrail'),
  chaincode: z.string().min(1).default('coldtrail'),
  /** Per-call gRPC deadlines in ms. */
  deadlines: z
    .strictObject({
      evaluate: ms(5_000),
      endorse: ms(15_000),
      submit: ms(5_000),
      commitStatus: ms(60_000),
    })
    .prefault({}),
});

export type FabricConnectionConfig = z.output<typeof FabricConnectionSchema>;
export type FabricConnectionInput = z.input<typeof FabricConnectionSchema>;

/** A validated connection with its files read: what openFabricLedger needs. */
export interface FabricConnection extends FabricConnectionConfig {
  /** The file it came from (absolute), for messages. */
  source: string;
  tlsRootCert: Buffer;
  /** PEM of the client certificate. */
  certificate: string;
  privateKey: KeyObject;
}

export interface FabricConnectionOptions {
  /** `COLDTRAIL_FABRIC_<KEY>` overrides; default process.env. */
  env?: Env;
}

/**
 * Reads and validates the connection file and the certificate and key files it names. Throws NOT_FOUND when
 * the file itself cannot be read, INVALID_CONFIG listing every problem otherwise (each named by its key).
 */
export function loadFabricConnection(path: string, options: FabricConnectionOptions = {}): FabricConnection {
  const source = resolve(path);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ColdtrailError(
      code === 'ENOENT' ? ErrorCode.NotFound : ErrorCode.InvalidInput,
      `cannot read the Fabric connection file ${source} (${code ?? String(err)}); write one from deploy/fabric/connection.example.yaml`,
      { cause: err },
    );
  }
  return parseFabricConnection(text, { ...options, source });
}

/** `loadFabricConnection` on text already read; `source` names the file and anchors its relative paths. */
export function parseFabricConnection(
  text: string,
  options: FabricConnectionOptions & { source: string },
): FabricConnection {
  const { source } = options;
  const heading = `invalid Fabric connection file ${source}:`;
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `(root): not valid YAML: ${e.message.split('\n')[0]}`);
    throw invalid(heading, problems);
  }
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(heading, [
      '(root): must be a mapping with peerEndpoint, tlsRootCertPath, mspId, certPath, keyPath',
    ]);
  }
  const config = parseConfig(FabricConnectionSchema, raw, {
    service: 'fabric',
    heading,
    ...(options.env ? { env: options.env } : {}),
  });
  return readMaterial(config, source, heading);
}

/** Reads the three PEM files; every unreadable or unusable one is a problem, reported together. */
function readMaterial(config: FabricConnectionConfig, source: string, heading: string): FabricConnection {
  const base = dirname(source);
  const problems: string[] = [];
  const read = (key: 'tlsRootCertPath' | 'certPath' | 'keyPath', what: string): Buffer | undefined => {
    const file = resolve(base, config[key]);
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      problems.push(`${key}: cannot read ${file} (${code}); point it at ${what} (relative to ${base})`);
      return undefined;
    }
  };
  const tlsRootCert = read('tlsRootCertPath', "the PEM of the CA that signed the peer's TLS certificate");
  const certPem = read('certPath', "the PEM of this client's X.509 certificate");
  const keyPem = read('keyPath', "the PEM of this client's P-256 private key");
  if (tlsRootCert && !tlsRootCert.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
    problems.push('tlsRootCertPath: is not a PEM certificate');
  }
  let certificate: X509Certificate | undefined;
  if (certPem) {
    try {
      certificate = new X509Certificate(certPem);
    } catch {
      problems.push('certPath: is not a PEM X.509 certificate');
    }
  }
  let privateKey: KeyObject | undefined;
  if (keyPem) {
    try {
      privateKey = privateKeyFromPem(keyPem.toString('utf8'));
      if (
        privateKey.asymmetricKeyType !== 'ec' ||
        privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ) {
        problems.push('keyPath: must be a P-256 (prime256v1) EC private key, the curve Fabric MSPs issue');
        privateKey = undefined;
      }
    } catch {
      problems.push('keyPath: is not a PEM private key');
    }
  }
  if (certificate && privateKey && !certificate.publicKey.equals(publicKeyFromPrivate(privateKey))) {
    problems.push('keyPath: is not the private key of the certificate at certPath');
  }
  if (problems.length > 0 || !tlsRootCert || !certPem || !privateKey) throw invalid(heading, problems);
  return { ...config, source, tlsRootCert, certificate: certPem.toString('utf8'), privateKey };
}

function invalid(heading: string, problems: string[]): ColdtrailError {
  return new ColdtrailError(ErrorCode.InvalidConfig, `${heading}\n  ${problems.join('\n  ')}`, {
    details: { problems },
  });
}
