import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isIdentifier } from '@coldtrail/core';
import {
  createLedgerClient,
  type DeviceEntry,
  openLedgerReader,
  resolveLedgerPaths,
} from '@coldtrail/ledger-sync';
import { ledgerSyncDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * The orgs that have acted on the data dir's embedded ledger: each gets its X.509 identity in
 * `<ledger-keys>/msp/<MSP id>/` on its first transaction (ledger-sync/src/ledger/identities.ts).
 */
export function dataDirOrgs(dataDir: string): string[] {
  const msp = join(resolveLedgerPaths(ledgerSyncDir(dataDir)).keysDir, 'msp');
  try {
    return readdirSync(msp, { withFileTypes: true })
      .filter((e) => e.isDirectory() && isIdentifier(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The org a server on `dataDir` acts for: `--org`, else the one org of the data dir. A fresh data dir (no org
 * yet) or one several orgs acted on needs `--org`; the next start then defaults to it.
 */
export function serverOrg(dataDir: string, option: string | undefined): string {
  if (option !== undefined) {
    if (!isIdentifier(option)) {
      throw new ExitError(
        Exit.Usage,
        `--org "${option}" is not an MSP id: letters, digits, . _ - (e.g. ColdtrailOrgMSP)`,
      );
    }
    return option;
  }
  const orgs = dataDirOrgs(dataDir);
  if (orgs.length === 1) return orgs[0] as string;
  throw new ExitError(
    Exit.Usage,
    orgs.length === 0
      ? `data dir ${dataDir} has no org yet: pass --org with your MSP id (e.g. --org ColdtrailOrgMSP); later starts default to it`
      : `data dir ${dataDir} holds several orgs (${orgs.join(', ')}): pass --org to say which one this server acts for`,
  );
}

/** The device as the data dir's ledger holds it (read-only), or undefined. */
export async function ledgerDevice(dataDir: string, device: string): Promise<DeviceEntry | undefined> {
  const reader = await openLedgerReader(ledgerSyncDir(dataDir));
  try {
    return await createLedgerClient(reader.port).getDevice(device);
  } finally {
    await reader.close();
  }
}
