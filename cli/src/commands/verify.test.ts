import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUNDLE_SSCC, buildBundleDataDir } from '../../../ledger-sync/src/bundle/bundle-shipment.test-kit.js';
import { ledgerSyncDir } from '../data-dir.js';
import { describeFailure, Exit } from '../exit-codes.js';
import { writeProvenanceBundle } from './provenance-bundle.js';
import { verify } from './verify.js';

let dataDir: string;
let file: string;
let text: string;
let tip: { number: number; hash: string };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'coldtrail-verify-'));
  await buildBundleDataDir(ledgerSyncDir(dataDir));
  file = join(dataDir, 'bundle.json');
  ({ tip } = await writeProvenanceBundle(BUNDLE_SSCC, { dataDir, bundle: file }));
  text = readFileSync(file, 'utf8');
}, 60_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs `coldtrail verify` as the CLI does: its exit code (process.exitCode or the thrown error's) and output. */
async function run(path: string, opts: { json?: boolean; expectTip?: string } = {}) {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await verify(path, opts);
    return { code: Number(process.exitCode ?? 0), out };
  } catch (err) {
    const failure = describeFailure(err);
    expect(failure.stack).toBeUndefined(); // never an internal error on a hostile file
    return { code: failure.exitCode, out: failure.message };
  } finally {
    process.exitCode = before;
    spy.mockRestore();
  }
}

/** Offsets of the `count` characters after each of the first matches of `marker` (inside its value). */
function positions(marker: RegExp, from = 0, pick = 5): number[] {
  const all: number[] = [];
  for (const m of text.slice(from).matchAll(marker)) all.push(from + (m.index as number) + m[0].length);
  const step = Math.max(1, Math.floor(all.length / pick));
  return all.filter((_, i) => i % step === 0).slice(0, pick);
}

/** A different character of the same kind (hex stays hex, a digit a digit), so most changes still parse. */
function flip(c: string): string {
  if (/[0-9]/.test(c)) return String((Number(c) + 1) % 10);
  if (/[a-f]/.test(c)) return c === 'f' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
  if (/[A-Za-z]/.test(c)) return c === 'z' || c === 'Z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
  return c === '_' ? '-' : '_';
}

describe('coldtrail verify', () => {
  it('passes a bundle written from a real shipment, with every check listed', async () => {
    const { code, out } = await run(file, { json: true });
    expect(code).toBe(Exit.Ok);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ ok: true, sscc: BUNDLE_SSCC, readings: 240 });
    expect(result.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect((await run(file)).out).toMatch(/VERIFIED: every check passed/);
  });

  const ledgerAt = () => text.indexOf('"ledger":{');
  const envelopeAt = () => text.indexOf('"envelope":"');
  const categories: [string, () => number[]][] = [
    ['reading value', () => positions(/"value":/g)],
    ['reading hash (a Merkle leaf)', () => positions(/"record":\{[^}]*\},"hash":"/g)],
    ['batch signature', () => positions(/"sig":"[0-9a-f]{7}/g)],
    ['anchor root', () => positions(/"root":"[0-9a-f]{3}/g)],
    [
      'block hash',
      () =>
        positions(
          /"number":\d+,"prevHash":"[0-9a-f]{64}","dataHash":"[0-9a-f]{64}","timestamp":"[^"]+","hash":"[0-9a-f]{9}/g,
          ledgerAt(),
        ),
    ],
    ['block signature', () => positions(/"signature":"[0-9a-f]{11}/g, ledgerAt())],
    ['block prevHash', () => positions(/"prevHash":"[0-9a-f]{5}/g, ledgerAt())],
    [
      'transaction payload',
      () => positions(/\\"(args|writes|fn|payload)\\":/g, envelopeAt(), 6).map((p) => p + 3),
    ],
  ];

  it.each(categories)(
    'fails (exit 3, or 2 if it breaks the JSON) for one character changed in a %s',
    async (_name, at) => {
      const spots = at();
      expect(spots.length).toBeGreaterThan(0);
      for (const p of spots) {
        const c = text[p] as string;
        const mutated = `${text.slice(0, p)}${flip(c)}${text.slice(p + 1)}`;
        expect(mutated).not.toBe(text);
        const path = join(dataDir, 'mutated.json');
        writeFileSync(path, mutated);
        const { code, out } = await run(path);
        expect({ at: p, was: text.slice(p - 20, p + 20), code }).toEqual({
          at: p,
          was: text.slice(p - 20, p + 20),
          code: expect.toBeOneOf([Exit.VerificationFailed, Exit.Usage]),
        });
        if (code === Exit.VerificationFailed) expect(out).toMatch(/FAIL /);
      }
    },
  );

  it('names the check and the reading when a value was changed', async () => {
    const p = text.indexOf('"value":', text.indexOf('"seq":12,') - 200);
    const at = text.indexOf('"value":', p) + '"value":'.length;
    const path = join(dataDir, 'value.json');
    writeFileSync(path, `${text.slice(0, at)}${flip(text[at] as string)}${text.slice(at + 1)}`);
    const { code, out } = await run(path);
    expect(code).toBe(Exit.VerificationFailed);
    expect(out).toMatch(/FAIL readings +reading probe-b#\d+: hash does not match its fields/);
  });

  it('exits 3 when --expect-tip disagrees with the bundle, 0 when it agrees', async () => {
    expect((await run(file, { expectTip: `${tip.number}:${tip.hash}` })).code).toBe(Exit.Ok);
    const wrong = await run(file, { expectTip: `${tip.number}:${'ab'.repeat(32)}` });
    expect(wrong.code).toBe(Exit.VerificationFailed);
    expect(wrong.out).toMatch(/FAIL tip/);
    expect((await run(file, { expectTip: String(tip.number + 1) })).code).toBe(Exit.VerificationFailed);
  });

  it.each([
    ['not JSON', '{"format":', /not UTF-8 JSON/],
    [
      'another format',
      '{"format":"coldtrail.ledger-checkpoint","v":1}',
      /its format is "coldtrail\.ledger-checkpoint"/,
    ],
    ['another version', '{"format":"coldtrail.provenance-bundle","v":9}', /version 9 is not supported/],
    [
      'a schema problem',
      '{"format":"coldtrail.provenance-bundle","v":1}',
      /is not a coldtrail provenance bundle: /,
    ],
  ])('exits 2 for a file that is %s, with a clear message', async (_name, content, message) => {
    const path = join(dataDir, 'not-a-bundle.json');
    writeFileSync(path, content);
    const { code, out } = await run(path);
    expect(code).toBe(Exit.Usage);
    expect(out).toMatch(message);
  });

  it('exits 2 for a missing file', async () => {
    expect(await run(join(dataDir, 'nope.json'))).toMatchObject({ code: Exit.Usage, out: /no such file/ });
  });
});
