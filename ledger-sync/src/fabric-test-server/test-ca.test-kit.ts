/**
 * Test-only certificate authorities for the Gateway test server (excluded from the build): an ECDSA P-256
 * self-signed CA per org that issues client certificates in the style of a Fabric MSP (optionally with Fabric
 * CA's attribute extension, OID 1.2.3.4.5.6.7.8.1 = `{"attrs":{...}}`), and a TLS CA that issues the server's
 * certificate (SAN: its DNS name and 127.0.0.1).
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { type CertificateAttributes, FABRIC_ATTRS_OID } from '../ledger/identities.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

type X509 = typeof import('@peculiar/x509');
let x509Loaded: Promise<X509> | undefined;
function x509(): Promise<X509> {
  // @peculiar/x509 resolves its services through tsyringe, which needs a Reflect metadata polyfill loaded first.
  x509Loaded ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Loaded;
}
type Provider = NonNullable<Parameters<X509['X509CertificateGenerator']['createSelfSigned']>[1]>;
const provider = webcrypto as unknown as Provider;

export interface IssuedIdentity {
  certificate: string;
  privateKeyPem: string;
}

export interface TestCa {
  /** PEM of the CA's self-signed certificate. */
  certificate: string;
  /** A client certificate (digitalSignature, not a CA) issued by this CA. */
  issueClient(subject: string, attrs?: CertificateAttributes): Promise<IssuedIdentity>;
  /** A TLS server certificate for `dnsName` and 127.0.0.1. */
  issueServer(dnsName: string): Promise<IssuedIdentity>;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
}

const pem = (cert: { toString(format: 'pem'): string }) => `${cert.toString('pem').trim()}\n`;

/** A new self-signed CA named `subject` (e.g. `CN=ca.org1.coldtrail.test, O=Org1MSP`). */
export async function createTestCa(subject: string): Promise<TestCa> {
  const x = await x509();
  const caKeys = await keyPair();
  const now = Date.now();
  const validity = { notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY) };
  const caCert = await x.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(8).toString('hex'),
      name: subject,
      ...validity,
      signingAlgorithm: ALG,
      keys: caKeys,
      extensions: [
        new x.BasicConstraintsExtension(true, undefined, true),
        new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true),
        await x.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, provider),
      ],
    },
    provider,
  );
  const issue = async (
    name: string,
    extensions: InstanceType<X509['Extension']>[],
  ): Promise<IssuedIdentity> => {
    const keys = await keyPair();
    const cert = await x.X509CertificateGenerator.create(
      {
        serialNumber: randomBytes(8).toString('hex'),
        subject: name,
        issuer: caCert.subject,
        ...validity,
        signingAlgorithm: ALG,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        extensions: [
          new x.BasicConstraintsExtension(false, undefined, true),
          await x.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, provider),
          ...extensions,
        ],
      },
      provider,
    );
    return { certificate: pem(cert), privateKeyPem: await pkcs8Pem(keys.privateKey) };
  };
  return {
    certificate: pem(caCert),
    issueClient: (name, attrs) =>
      issue(name, [
        new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
        ...(attrs
          ? [new x.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs }), 'utf8'))]
          : []),
      ]),
    issueServer: (dnsName) =>
      issue(`CN=${dnsName}`, [
        new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment, true),
        new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth], false),
        new x.SubjectAlternativeNameExtension([
          { type: 'dns', value: dnsName },
          { type: 'ip', value: '127.0.0.1' },
        ]),
      ]),
  };
}
