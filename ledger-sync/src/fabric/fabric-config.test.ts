import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isColdtrailError } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures.test-kit.js';
import { createIdentity } from '../ledger/identities.js';
import { loadFabricConnection } from './fabric-config.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  dir = tempDir();
  const client = await createIdentity('CN=client,O=Org1MSP');
  const tls = await createIdentity('CN=tls-ca');
  const other = await createIdentity('CN=other');
  writeFileSync(join(dir.path, 'tls-ca.pem'), tls.certificate);
  writeFileSync(join(dir.path, 'cert.pem'), client.certificate);
  writeFileSync(join(dir.path, 'key.pem'), client.keyPem);
  writeFileSync(join(dir.path, 'other-key.pem'), other.keyPem);
});
afterEach(() => dir.cleanup());

const MINIMAL = [
  'peerEndpoint: peer0.org1.example.com:7051',
  'tlsRootCertPath: tls-ca.pem',
  'mspId: Org1MSP',
  'certPath: cert.pem',
  'keyPath: key.pem',
].join('\n');

function write(text: string, name = 'connection.yaml'): string {
  const file = join(dir.path, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(run: () => unknown): { code: string; message: string; problems: string[] } {
  try {
    run();
  } catch (err) {
    if (!isColdtrailError(err)) throw err;
    return {
      code: err.code,
      message: err.message,
      problems: (err.details?.problems as string[] | undefined) ?? [],
    };
  }
  throw new Error('expected an error');
}

describe('Fabric connection file', () => {
  it('fills the defaults and reads the files it names, relative to itself', () => {
    const c = loadFabricConnection(write(MINIMAL), { env: {} });
    expect(c).toMatchObject({
      peerEndpoint: 'peer0.org1.example.com:7051',
      mspId: 'Org1MSP',
      channel: 'coldtrail',
      chaincode: 'coldtrail',
      deadlines: { evaluate: 5000, endorse: 15000, submit: 5000, commitStatus: 60000 },
      source: join(dir.path, 'connection.yaml'),
    });
    expect(c.serverNameOverride).toBeUndefined();
    expect(c.tlsRootCert.toString()).toContain('BEGIN CERTIFICATE');
    expect(c.certificate).toContain('BEGIN CERTIFICATE');
    expect(c.privateKey.asymmetricKeyType).toBe('ec');
  });

  it('takes JSON, every setting, and COLDTRAIL_FABRIC_* overrides', () => {
    const file = write(
      JSON.stringify({
        peerEndpoint: '127.0.0.1:7051',
        tlsRootCertPath: 'tls-ca.pem',
        serverNameOverride: 'peer0.org1.example.com',
        mspId: 'Org1MSP',
        certPath: join(dir.path, 'cert.pem'),
        keyPath: 'key.pem',
        channel: 'mychannel',
        chaincode: 'cc',
        deadlines: { evaluate: 100 },
      }),
      'connection.json',
    );
    const c = loadFabricConnection(file, { env: { COLDTRAIL_FABRIC_DEADLINES_COMMIT_STATUS: '7' } });
    expect(c).toMatchObject({
      serverNameOverride: 'peer0.org1.example.com',
      channel: 'mychannel',
      chaincode: 'cc',
      deadlines: { evaluate: 100, endorse: 15000, submit: 5000, commitStatus: 7 },
    });
  });

  it('reports every problem as `path: message`', () => {
    const file = write(
      [
        'peerEndpoint: peer0',
        'mspId: not an id',
        'certPath: cert.pem',
        'deadlines: { submit: 0, nope: 1 }',
        'extra: 1',
      ].join('\n'),
    );
    const { code, message, problems } = problemsOf(() => loadFabricConnection(file, { env: {} }));
    expect(code).toBe('INVALID_CONFIG');
    expect(message).toContain(`invalid Fabric connection file ${file}:`);
    const text = problems.join('\n');
    expect(text).toMatch(/^peerEndpoint: must be host:port/m);
    expect(text).toMatch(/^tlsRootCertPath: /m);
    expect(text).toMatch(/^mspId: must be an MSP id/m);
    expect(text).toMatch(/^keyPath: /m);
    expect(text).toMatch(/^deadlines\.submit: /m);
    expect(text).toMatch(/deadlines.*nope|nope/);
    expect(text).toMatch(/extra/);
  });

  it('names the connection file and what to do when it cannot be read', () => {
    const missing = join(dir.path, 'nope.yaml');
    const { code, message } = problemsOf(() => loadFabricConnection(missing, { env: {} }));
    expect(code).toBe('NOT_FOUND');
    expect(message).toContain(missing);
    expect(message).toContain('connection.example.yaml');
  });

  it('names each unreadable or unusable PEM file with its key', () => {
    const file = write(
      MINIMAL.replace('tls-ca.pem', 'missing-ca.pem')
        .replace('cert.pem', 'key.pem')
        .replace(/keyPath: key\.pem/, 'keyPath: tls-ca.pem'),
    );
    const { problems } = problemsOf(() => loadFabricConnection(file, { env: {} }));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^tlsRootCertPath: cannot read ${join(dir.path, 'missing-ca.pem')} \\(ENOENT\\)`),
      ),
      'certPath: is not a PEM X.509 certificate',
      'keyPath: is not a PEM private key',
    ]);
  });

  it("refuses a key that is not the certificate's", () => {
    const file = write(MINIMAL.replace('keyPath: key.pem', 'keyPath: other-key.pem'));
    const { problems } = problemsOf(() => loadFabricConnection(file, { env: {} }));
    expect(problems).toEqual(['keyPath: is not the private key of the certificate at certPath']);
  });

  it('reports YAML syntax errors and a root that is not a mapping', () => {
    expect(problemsOf(() => loadFabricConnection(write('a: [1,'), { env: {} })).problems[0]).toMatch(
      /^\(root\): not valid YAML/,
    );
    expect(problemsOf(() => loadFabricConnection(write('- 1'), { env: {} })).problems[0]).toMatch(
      /^\(root\): must be a mapping/,
    );
  });
});

describe('deploy/fabric/connection.example.yaml', () => {
  it('is a valid connection file once the crypto material it names is in place', async () => {
    const example = readFileSync(
      new URL('../../../deploy/fabric/connection.example.yaml', import.meta.url),
      'utf8',
    );
    const paths = (key: string) => (new RegExp(`^${key}: (.+)$`, 'm').exec(example)?.[1] ?? '').trim();
    const client = await createIdentity('CN=User1,O=Org1MSP');
    const tls = await createIdentity('CN=tlsca');
    for (const [key, pem] of [
      ['tlsRootCertPath', tls.certificate],
      ['certPath', client.certificate],
      ['keyPath', client.keyPem],
    ] as const) {
      const file = join(dir.path, paths(key));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, pem);
    }
    const c = loadFabricConnection(write(example), { env: {} });
    expect(c).toMatchObject({
      peerEndpoint: 'localhost:7051',
      serverNameOverride: 'peer0.org1.example.com',
      mspId: 'Org1MSP',
      channel: 'coldtrail',
      chaincode: 'coldtrail',
      deadlines: { evaluate: 5000, endorse: 15000, submit: 5000, commitStatus: 60000 },
    });
  });
});
