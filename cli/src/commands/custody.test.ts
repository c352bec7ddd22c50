import { generateKeyPairSync } from 'node:crypto';
import { silentLog } from '@coldtrail/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { AdminOp, parseAdminRequest } from '../admin/admin-protocol.js';
import { Exit } from '../exit-codes.js';
import { withLocalOps } from '../operator/local-ops.js';
import { startServer } from '../server/server.js';
import { inProcessCli } from './in-process-cli.test-kit.js';

const CARRIER = 'CarrierMSP';
const PHARMACY = 'PharmacyMSP';
const DOCK = 'urn:epc:id:sgln:7612345.00010.0';
const STORE = '7612345000206';

const kit = inProcessCli('coldtrail-custody-');
let dir: string;
beforeEach(() => {
  dir = kit.dir();
});

/** A data dir whose only org, the carrier, has a device and a shipment in transit on it. */
async function carrierShipment(): Promise<string> {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const publicKey = Buffer.from(jwk.x as string, 'base64url').toString('hex');
  return withLocalOps(dir, CARRIER, async (ops) => {
    await ops.enroll({ org: CARRIER, device: 'probe-1', publicKey });
    return (await ops.createShipment({ device: 'probe-1' })).sscc;
  });
}

const cli = (...args: string[]) => kit.cli(args);

/** An SSCC from its first 17 digits (GS1 mod-10 check digit). */
function withCheckDigit(digits17: string): string {
  const sum = [...digits17].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return `${digits17}${(10 - (sum % 10)) % 10}`;
}

async function custodian(sscc: string): Promise<string> {
  const shown = await cli('custody', 'show', sscc, '--json');
  expect(shown.code, shown.stderr).toBe(Exit.Ok);
  return JSON.parse(shown.stdout).custodian;
}

describe('coldtrail custody (no server: in this process, under the data dir lock)', () => {
  it('offer, then accept by the named org, moves the custodian; the carrier cannot accept its own offer', async () => {
    const sscc = await carrierShipment();
    expect(await custodian(`(00)${sscc}`)).toBe(CARRIER);

    const offered = await cli('custody', 'offer', sscc, '--to', PHARMACY, '--location', DOCK);
    expect(offered.code, offered.stderr).toBe(Exit.Ok);
    expect(offered.stdout).toBe(`offered ${sscc} to ${PHARMACY} at ${DOCK} (as ${CARRIER})\n`);

    const own = await cli('custody', 'accept', sscc, '--org', CARRIER, '--location', DOCK);
    expect(own.code).toBe(Exit.Usage); // FORBIDDEN
    expect(own.stderr).toContain(`only ${PHARMACY} may accept it`);
    expect(own.stderr).not.toContain('    at '); // no stack trace
    expect(await custodian(sscc)).toBe(CARRIER);

    const shown = await cli('custody', 'show', sscc);
    expect(shown.stdout).toContain(`open offer: ${CARRIER} -> ${PHARMACY} at ${DOCK}`);

    const accepted = await cli('custody', 'accept', sscc, '--org', PHARMACY, '--location', DOCK, '--json');
    expect(accepted.code, accepted.stderr).toBe(Exit.Ok);
    expect(JSON.parse(accepted.stdout).shipment.custodian).toBe(PHARMACY);
    expect(await custodian(sscc)).toBe(PHARMACY);

    // Two orgs acted on the data dir now: the acting one must be named.
    const unnamed = await cli('custody', 'offer', sscc, '--to', CARRIER, '--location', STORE);
    expect(unnamed.code).toBe(Exit.Usage);
    expect(unnamed.stderr).toContain('several orgs');
    const events = JSON.parse((await cli('custody', 'show', sscc, '--json')).stdout).events;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['created', 'offered', 'accepted']);
  });

  it('reject needs --reason and is for the named org; withdraw is for the offerer', async () => {
    const sscc = await carrierShipment();
    expect((await cli('custody', 'offer', sscc, '--to', PHARMACY, '--location', DOCK)).code).toBe(Exit.Ok);

    const noReason = await cli('custody', 'reject', sscc, '--org', PHARMACY, '--location', DOCK);
    expect(noReason.code).toBe(Exit.Usage);
    expect(noReason.stderr).toContain('--reason');
    const blank = await cli(
      'custody',
      'reject',
      sscc,
      '--org',
      PHARMACY,
      '--location',
      DOCK,
      '--reason',
      ' ',
    );
    expect(blank.code).toBe(Exit.Usage);

    const rejected = await cli(
      'custody',
      'reject',
      sscc,
      '--org',
      PHARMACY,
      '--location',
      DOCK,
      '--reason',
      'seal broken',
    );
    expect(rejected.code, rejected.stderr).toBe(Exit.Ok);
    expect(rejected.stdout).toBe(
      `${PHARMACY} rejected the offer of ${sscc} from ${CARRIER} at ${DOCK}: seal broken\n`,
    );
    expect(await custodian(sscc)).toBe(CARRIER);

    // No open offer any more: nothing to withdraw (CONFLICT).
    const none = await cli('custody', 'withdraw', sscc, '--org', CARRIER);
    expect(none.code).toBe(Exit.Usage);
    expect(none.stderr).toContain('has no open custody offer');

    expect(
      (await cli('custody', 'offer', sscc, '--to', PHARMACY, '--location', DOCK, '--org', CARRIER)).code,
    ).toBe(Exit.Ok);
    const notOfferer = await cli('custody', 'withdraw', sscc, '--org', PHARMACY);
    expect(notOfferer.code).toBe(Exit.Usage);
    expect(notOfferer.stderr).toContain(`only it may withdraw it`);
    const withdrawn = await cli('custody', 'withdraw', sscc, '--org', CARRIER, '--reason', 'wrong truck');
    expect(withdrawn.code, withdrawn.stderr).toBe(Exit.Ok);
    expect(withdrawn.stdout).toBe(`${CARRIER} withdrew the offer of ${sscc} to ${PHARMACY}: wrong truck\n`);
  });

  it('refuses a bad SSCC, a bad SGLN and an unknown shipment with the right exit codes', async () => {
    const sscc = await carrierShipment();
    expect((await cli('custody', 'show', '123')).code).toBe(Exit.Usage);
    const badSite = await cli('custody', 'offer', sscc, '--to', PHARMACY, '--location', 'the dock');
    expect(badSite.code).toBe(Exit.Usage);
    expect(badSite.stderr).toContain('offer.location');
    const other = withCheckDigit('03761234599999999');
    expect(other).not.toBe(sscc);
    expect((await cli('custody', 'show', other)).code).toBe(Exit.NotFound);
    expect((await cli('custody', 'offer', other, '--to', PHARMACY, '--location', DOCK)).code).toBe(
      Exit.NotFound,
    );
  });
});

describe('coldtrail custody while `server start` holds the data dir', () => {
  it('writes through the admin socket as the server org, refuses another org, and show reads meanwhile', async () => {
    const sscc = await carrierShipment();
    const server = await startServer({ dataDir: dir, org: CARRIER }, () => silentLog);
    try {
      // The server holds the lock: this can only have gone through its socket.
      const offered = await cli('custody', 'offer', sscc, '--to', PHARMACY, '--location', DOCK);
      expect(offered.code, offered.stderr).toBe(Exit.Ok);
      expect(offered.stdout).toContain(`offered ${sscc} to ${PHARMACY}`);

      const asPharmacy = await cli('custody', 'accept', sscc, '--org', PHARMACY, '--location', DOCK);
      expect(asPharmacy.code).toBe(Exit.Usage);
      expect(asPharmacy.stderr).toContain(`acts for ${CARRIER}, not ${PHARMACY}`);
      expect(asPharmacy.stderr).toContain('stop the server');

      const own = await cli('custody', 'accept', sscc, '--location', DOCK); // as the server's org
      expect(own.code).toBe(Exit.Usage);
      expect(own.stderr).toContain(`only ${PHARMACY} may accept it`);

      const shown = JSON.parse((await cli('custody', 'show', sscc, '--json')).stdout);
      expect(shown.openOffer.to).toBe(PHARMACY);
    } finally {
      await server.close();
    }
    expect((await cli('custody', 'accept', sscc, '--org', PHARMACY, '--location', DOCK)).code).toBe(Exit.Ok);
    expect(await custodian(sscc)).toBe(PHARMACY);
  });

  it('validates custody requests on the socket as hostile input', () => {
    const line = (args: unknown) => JSON.stringify({ op: AdminOp.OfferCustody, args });
    const good = { sscc: '376123450000000019', to: PHARMACY, location: DOCK };
    expect(parseAdminRequest(line(good)).ok).toBe(true);
    expect(parseAdminRequest(line({ ...good, org: CARRIER })).ok).toBe(true);
    expect(parseAdminRequest(line({ ...good, org: '../etc' })).ok).toBe(false);
    expect(parseAdminRequest(line({ ...good, extra: 1 })).ok).toBe(false);
    expect(parseAdminRequest(line({ ...good, location: 'x'.repeat(101) })).ok).toBe(false);
    expect(parseAdminRequest(line({ sscc: good.sscc, location: DOCK })).ok).toBe(false);
    const reject = JSON.stringify({ op: AdminOp.RejectCustody, args: { sscc: good.sscc, location: DOCK } });
    expect(parseAdminRequest(reject).ok).toBe(false);
  });
});
