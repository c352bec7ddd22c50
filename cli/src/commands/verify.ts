import { readFileSync, statSync } from 'node:fs';
import { type BundleVerification, MAX_BUNDLE_BYTES, verifyBundleBytes } from '@coldtrail/ledger-sync/bundle';
import { Exit, ExitError } from '../exit-codes.js';
import { parseExpectTip } from '../expect-tip.js';

export interface VerifyOptions {
  json?: boolean;
  /** `N:HASH`, `N` or a checkpoint file (see expect-tip.ts), as for provenance. */
  expectTip?: string;
}

/**
 * `coldtrail verify FILE [--expect-tip N:HASH|FILE]`: checks a provenance bundle (docs/bundle-format.md) with no
 * database and no network: every reading re-hashed from its fields, the chain, the batch signatures, the Merkle
 * roots, range, custody and excursions re-derived, each ledger entry against the transaction that wrote it, the
 * blocks up to the bundle's tip, and that tip against one kept elsewhere.
 * Output: text, or with --json `{ok, sscc, device, range, readings, tip, checks:[{name, ok, detail, problems?}],
 * excursions, limits}`. Exit 0 when every check passes, 3 when any fails (each failure names its record, batch,
 * anchor, entry or block), 2 for a file that is no bundle (not JSON, another format, a schema problem).
 */
export async function verify(file: string, opts: VerifyOptions): Promise<void> {
  const expectTip = opts.expectTip === undefined ? undefined : parseExpectTip(opts.expectTip);
  const bytes = readBundle(file);
  const result = await verifyBundleBytes(bytes, file, expectTip ? { expectTip } : {});
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderVerification(result));
  if (!result.ok) process.exitCode = Exit.VerificationFailed;
}

function readBundle(file: string): Uint8Array {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ExitError(Exit.Usage, `cannot read the bundle ${file}: ${why}`);
  }
  if (size > MAX_BUNDLE_BYTES) {
    throw new ExitError(
      Exit.Usage,
      `${file} is ${size} bytes; a bundle may have at most ${MAX_BUNDLE_BYTES}`,
    );
  }
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ExitError(Exit.Usage, `cannot read the bundle ${file}: ${(err as Error).message}`);
  }
}

export function renderVerification(r: BundleVerification): string {
  const lines = [
    `bundle of shipment ${r.sscc}: ${r.readings} readings ${r.device}#${r.range.fromSeq}-${r.range.toSeq}${r.range.complete ? '' : ' (in transit)'}`,
    `ledger tip: block ${r.tip.number} (${r.tip.hash})`,
    '',
    ...r.checks.flatMap((c) => [
      `${c.skipped ? 'SKIP' : c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(11)} ${c.detail}`,
      ...(c.problems && c.problems.length > 1 ? c.problems.map((p) => `       - ${p}`) : []),
    ]),
    '',
    ...r.excursions.map(
      (e) =>
        `excursion ${e.direction} ${e.limitC} from ${e.start} to ${e.end} (${e.durationMinutes} min, extreme ${e.maxValue})${e.recorded ? '' : ' NOT RECORDED'}${e.derived ? '' : ' NOT IN THE READINGS'}`,
    ),
    ...r.limits.map((l) => `limit: ${l}`),
    r.ok ? 'VERIFIED: every check passed' : 'VERIFICATION FAILED',
  ];
  return `${lines.join('\n')}\n`;
}
