import {
  parseGtin,
  STABILITY_BUDGET_MEANING,
  type StabilityBudgetDefinition,
  stabilityBudgetStatement,
} from '@coldtrail/core';
import { AdminOp, type DefineStabilityBudgetArgs } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { withLocalPort } from '../operator/custody-ops.js';
import { serverOrg } from '../operator/data-dir-org.js';
import { signAs } from '../operator/electronic-signature.js';
import type { PasswordSource } from '../operator/password-input.js';
import { runDefineStabilityBudget } from '../operator/stability-ops.js';
import { throughServerOrLocal } from '../operator/through-server.js';

/**
 * `coldtrail stability define --gtin GTIN --lower C --upper C --allowed DURATION --signer NAME` (README
 * "Stability budgets"): a new version of the product's stability budget, approved by a signer's electronic
 * signature. As a release does (disposition-commands.ts), the signer re-authenticates with their password,
 * this process decrypts their key and signs the canonical statement (GTIN, band, allowance, meaning, name,
 * printed name, org, time), and only the statement's fields and the signature travel to the ledger, where the
 * contract verifies them against the key the org registered; that signature stands in for the quality role.
 * Every argument is checked before the password is asked for; a wrong password writes nothing to the ledger.
 */
export interface StabilityDefineOptions {
  gtin: string;
  lower: string;
  upper: string;
  allowed: string;
  signer: string;
  passwordStdin?: boolean;
  dataDir?: string;
  org?: string;
  json?: boolean;
}

const UNIT_MINUTES = { m: 1, min: 1, h: 60, d: 24 * 60 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(m|min|h|d)?$/;

/** `120h`, `90m`, `5d`, or a bare number of minutes, as minutes. */
export function parseAllowedMinutes(text: string): number {
  const m = DURATION.exec(text.trim());
  const minutes = m ? Number(m[1]) * UNIT_MINUTES[(m[2] ?? 'm') as keyof typeof UNIT_MINUTES] : Number.NaN;
  if (!Number.isFinite(minutes)) {
    throw new ExitError(
      Exit.Usage,
      `--allowed "${text}" is not a duration: give minutes (7200) or a number with m, h or d (90m, 120h, 5d)`,
    );
  }
  return minutes;
}

function celsius(text: string, option: string): number {
  const n = /^-?\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n))
    throw new ExitError(Exit.Usage, `${option} "${text}" is not a temperature in °C (e.g. 8 or -2.5)`);
  return n;
}

/** The definition the options ask for, checked (exit 2 with what to fix). */
export function budgetOf(opts: Pick<StabilityDefineOptions, 'gtin' | 'lower' | 'upper' | 'allowed'>) {
  let gtin: string;
  try {
    gtin = parseGtin(opts.gtin);
  } catch (err) {
    throw new ExitError(Exit.Usage, `--gtin: ${(err as Error).message}`);
  }
  const lowerC = celsius(opts.lower, '--lower');
  const upperC = celsius(opts.upper, '--upper');
  if (lowerC >= upperC) {
    throw new ExitError(
      Exit.Usage,
      `--lower ${lowerC} must be below --upper ${upperC} (the band is [lower, upper] °C)`,
    );
  }
  return { gtin, lowerC, upperC, allowedMinutes: parseAllowedMinutes(opts.allowed) };
}

export async function stabilityDefine(opts: StabilityDefineOptions, io: PasswordSource = {}): Promise<void> {
  const budget = budgetOf(opts);
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  const { file, signature } = await signAs(
    dataDir,
    opts,
    STABILITY_BUDGET_MEANING,
    (signer, header) => stabilityBudgetStatement({ ...budget, signer, signature: header }),
    io,
  );
  const args: DefineStabilityBudgetArgs = { org: file.org, ...budget, signer: file.name, signature };
  const { result } = await throughServerOrLocal(dataDir, { op: AdminOp.DefineStabilityBudget, args }, () =>
    withLocalPort(dataDir, serverOrg(dataDir, file.org), (port) => runDefineStabilityBudget(port, args)),
  );
  const entry = result as StabilityBudgetDefinition;
  const by = entry.signature
    ? `signed by ${entry.signature.fullName} (${entry.signer}, ${entry.signature.org}) at ${entry.signature.signedAt}`
    : `by ${entry.definedBy.msp}`;
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(entry, null, 2)}\n`
      : `stability budget v${entry.version} of GTIN ${entry.gtin}: ${entry.allowedMinutes} min between ` +
          `${entry.lowerC} and ${entry.upperC} °C, ${by}; recorded ${entry.at} in ${entry.txId}\n`,
  );
}
