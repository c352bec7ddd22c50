/**
 * Test certificates with Fabric CA attributes (extension 1.2.3.4.5.6.7.8.1 holding `{"attrs":{...}}`, as
 * fabric-ca's attrmgr writes it), for MemoryPeer callers: `{ org, certificate: await certificateWith(...) }`.
 */
import { webcrypto } from 'node:crypto';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function certificateWith(cn: string, attrs?: Record<string, string>): Promise<string> {
  // @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `CN=${cn}, O=coldtrail test`,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2124-01-01T00:00:00Z'),
      signingAlgorithm: ALG,
      keys,
      extensions: attrs
        ? [new x509.Extension('1.2.3.4.5.6.7.8.1', false, Buffer.from(JSON.stringify({ attrs }), 'utf8'))]
        : [],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  return cert.toString('pem');
}

/** A MemoryPeer caller of `org` whose certificate (CN `cn`) carries the attribute coldtrail.role=`role`. */
export async function roleCaller(
  org: string,
  cn: string,
  role: string,
): Promise<{ org: string; certificate: string }> {
  return { org, certificate: await certificateWith(cn, { 'coldtrail.role': role }) };
}
