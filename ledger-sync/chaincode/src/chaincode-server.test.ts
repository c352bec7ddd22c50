import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChaincodeServer,
  type PackedChaincode,
  packChaincode,
  startChaincodeServer,
} from './chaincode-package.test-kit.js';
import { type Creator, connectPeer, type TestPeer } from './chaincode-peer.test-kit.js';

// The deployable package as chaincode-as-a-service runs it: packed, unpacked beside only its declared
// dependencies, started by its `start` script, driven over gRPC as a peer drives it. Needs the bundle:
// `npm run build` (root) first.
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const CHAINCODE_ID = 'coldtrail:1';

// Any well-formed certificate does: ClientIdentity parses it; the MSP id travels beside it.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBxDCCAWqgAwIBAgIBATAKBggqhkjOPQQDAjBAMRcwFQYDVQQKDA5jb2xkdHJh
aWwgdGVzdDElMCMGA1UEAwwcY2hhaW5jb2RlLXNlcnZlci10ZXN0LWNsaWVudDAg
Fw0yNjEyMDEyMjQ1MzBaGA8yMTI2MTEwNzIyNDUzMFowQDEXMBUGA1UECgwOY29s
ZHRyYWlsIHRlc3QxJTAjBgNVBAMMHGNoYWluY29kZS1zZXJ2ZXItdGVzdC1jbGll
bnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARIcs9KN/AQ9aTu0iVadJ39bUik
egPephGjLI+G6EHu7GJ9uz3Aj0n/pxUMwtS6ZRl2sVI+ktfYeitL5NoD3h4Ko1Mw
UTAdBgNVHQ4EFgQUR8Fgbsds9FcE9WROSgnwvg+b7NEwHwYDVR0jBBgwFoAUR8Fg
bsds9FcE9WROSgnwvg+b7NEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNI
ADBFAiBr/fsqKVA3QiWDO2g6CfUjSmvwxvRNxvk/wImB1u6N2QIhAJfM9Y/RrVOC
MggQwkrT4pNkkGaEbf7KZj0oDrddPWTI
-----END CERTIFICATE-----
`;
const OWNER: Creator = { mspid: 'ColdtrailOrgMSP', certificate: CERT };
const OTHER: Creator = { mspid: 'CarrierOrgMSP', certificate: CERT };
const KEY = 'a'.repeat(64);
const SSCC = '037612345000000014';
const DEVICE_KEY = '\u0000device\u0000probe-1\u0000';
const T0 = Date.parse('2025-03-01T08:00:00.000Z');

let pkg: PackedChaincode | undefined;
let server: ChaincodeServer | undefined;
let peer: TestPeer;

beforeAll(async () => {
  const bundle = fileURLToPath(new URL('../dist/chaincode.cjs', import.meta.url));
  if (!existsSync(bundle))
    throw new Error(`${bundle} is missing: run \`npm run build\` at the repository root`);
  pkg = packChaincode(PACKAGE_DIR);
  server = await startChaincodeServer(pkg.dir, CHAINCODE_ID);
  peer = await connectPeer(server.address);
});

afterAll(async () => {
  peer?.close();
  await server?.close();
  pkg?.remove();
});

describe('the packed chaincode as a chaincode server', () => {
  it('is the bundle alone, beside only the fabric packages and their dependencies', () => {
    expect(pkg?.files).toContain('dist/chaincode.cjs');
    expect(pkg?.files).toContain('package.json');
    expect(pkg?.installed).toContain('fabric-contract-api');
    expect(pkg?.installed).toContain('fabric-shim');
    expect(pkg?.installed.filter((name) => name.startsWith('@coldtrail/'))).toEqual([]);
  });

  it('names no workspace package in its manifest, so `npm install --omit=dev` can install it from a registry', () => {
    // npm resolves devDependencies even when it omits them; a private @coldtrail/* name there answers E404.
    const manifest = JSON.parse(readFileSync(join(pkg?.dir ?? '', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const fields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
    const named = fields.flatMap((f) =>
      Object.keys((manifest[f] as Record<string, string> | undefined) ?? {}),
    );
    expect(named.filter((name) => name.startsWith('@coldtrail/'))).toEqual([]);
    expect(manifest.main).toBe('./dist/chaincode.cjs');
  });

  it('registers with the peer under the chaincode id it was started with', () => {
    expect(peer.registeredAs).toBe(CHAINCODE_ID);
  });

  it('RegisterDevice writes the device under its composite key and answers it; GetDevice reads it back', async () => {
    const device = {
      id: 'probe-1',
      org: OWNER.mspid,
      publicKey: KEY,
      registeredAt: '2025-03-01T08:00:01.000Z',
    };
    const stored = `{"id":"probe-1","org":"${OWNER.mspid}","publicKey":"${KEY}","registeredAt":"2025-03-01T08:00:01.000Z"}`;

    const reg = await peer.invoke(OWNER, 'RegisterDevice', ['probe-1', KEY], T0 + 1000);
    expect(reg.status, reg.message).toBe(200);
    expect(JSON.parse(reg.payload)).toEqual(device);
    expect(reg.writes).toEqual([{ key: DEVICE_KEY, value: stored }]);
    expect(reg.requests).toEqual(['GET_STATE', 'PUT_STATE', 'COMPLETED']);
    expect(reg.event?.name).toBe('DeviceRegistered');
    expect(JSON.parse(reg.event?.payload ?? 'null')).toEqual(device);

    const get = await peer.invoke(OTHER, 'GetDevice', ['probe-1'], T0 + 2000);
    expect(get.status, get.message).toBe(200);
    expect(JSON.parse(get.payload)).toEqual(device);
    expect(get.writes).toEqual([]);
    expect((await peer.invoke(OTHER, 'GetDevice', ['probe-2'], T0 + 3000)).payload).toBe('null');
  });

  it('refuses another org registering the same device, and writes nothing', async () => {
    const before = new Map(peer.state);
    const r = await peer.invoke(OTHER, 'RegisterDevice', ['probe-1', KEY], T0 + 4000);
    expect(r.status).toBe(500);
    expect(r.message).toMatch(/CONFLICT/);
    expect(r.writes).toEqual([]);
    expect(peer.state).toEqual(before);
  });

  it('answers a composite-key range query (ListShipments) from the served state', async () => {
    const shipment = {
      sscc: SSCC,
      device: 'probe-1',
      origin: 'Basel DC',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X',
      profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
      fromSeq: 1,
    };
    const created = await peer.invoke(OWNER, 'CreateShipment', [JSON.stringify(shipment)], T0 + 5000);
    expect(created.status, created.message).toBe(200);
    expect(created.writes.map((w) => w.key)).toContain(`\u0000shipment\u0000${SSCC}\u0000`);

    const list = await peer.invoke(OTHER, 'ListShipments', [], T0 + 6000);
    expect(list.status, list.message).toBe(200);
    expect(list.requests).toContain('GET_STATE_BY_RANGE');
    expect(JSON.parse(list.payload)).toEqual([JSON.parse(created.payload)]);
  });
});
