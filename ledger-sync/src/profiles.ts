/**
 * Cold-chain profiles as files: the ones coldtrail ships (ledger-sync/profiles/*.yaml: 2-8C, frozen, ultra-cold,
 * 15-25C, who-pqs-e006) and any a user writes in the same YAML format (documented at the top of
 * core/src/profile.ts). The shipped folder is found next to this module's folder (src/ in tests, dist/ when
 * built or installed: both sit beside profiles/), so it works from a fresh clone and from the package.
 * Reading only; a profile file is never written here.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ColdChainProfile,
  ColdtrailError,
  ErrorCode,
  isColdtrailError,
  parseProfile,
} from '@coldtrail/core';
import { LineCounter, parseDocument } from 'yaml';

/** A profile is a page of YAML; anything larger is not one (and is not read into memory to find out). */
export const MAX_PROFILE_FILE_BYTES = 64 * 1024;

const SHIPPED_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

/** The shipped profiles, sorted by id. Each file is read and validated on every call (five small files). */
export function listShippedProfiles(): ColdChainProfile[] {
  const files = readdirSync(SHIPPED_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((f) => loadProfileFile(join(SHIPPED_DIR, f))).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * The shipped profile with this id (case-insensitive: `2-8c` finds `2-8C`) or exactly this URI; undefined when
 * none ships under that name.
 */
export function shippedProfile(idOrUri: string): ColdChainProfile | undefined {
  const wanted = idOrUri.trim();
  return listShippedProfiles().find((p) => p.uri === wanted || p.id.toLowerCase() === wanted.toLowerCase());
}

/**
 * Reads and validates one profile file (YAML or JSON). Throws NOT_FOUND when it cannot be read, INVALID_INPUT
 * naming the file and listing every problem as `path: message` otherwise.
 */
export function loadProfileFile(path: string): ColdChainProfile {
  const source = resolve(path);
  const text = readBounded(source);
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `(root): not valid YAML at line ${at.line}, column ${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `invalid cold-chain profile ${source}:\n  ${problems.join('\n  ')}`,
      { details: { problems, file: source } },
    );
  }
  try {
    return parseProfile(doc.toJS({ maxAliasCount: 100 }), { source });
  } catch (err) {
    if (isColdtrailError(err, ErrorCode.InvalidInput)) {
      throw new ColdtrailError(err.code, err.message, { details: { ...err.details, file: source } });
    }
    throw err;
  }
}

function readBounded(source: string): string {
  let fd: number;
  try {
    fd = openSync(source, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ColdtrailError(
      code === 'ENOENT' ? ErrorCode.NotFound : ErrorCode.InvalidInput,
      `cannot read the profile file ${source} (${code}); name a YAML profile like ledger-sync/profiles/2-8c.yaml or a shipped profile id`,
      { cause: err },
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new ColdtrailError(ErrorCode.InvalidInput, `the profile file ${source} is not a regular file`);
    }
    // Read at most one byte past the limit: a file that grows after fstat is still caught.
    const buf = Buffer.alloc(MAX_PROFILE_FILE_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) break;
    }
    if (n > MAX_PROFILE_FILE_BYTES || stat.size > MAX_PROFILE_FILE_BYTES) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `the profile file ${source} is larger than ${MAX_PROFILE_FILE_BYTES / 1024} KiB; a profile is a page of YAML, is this the right file?`,
      );
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
