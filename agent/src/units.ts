/**
 * Human units for agent.yaml: durations (`250ms`, `60s`, `5m`, `1h30m`, `7d`) and sizes (`512MB`, `2GiB`).
 * Each parser returns undefined for text it does not accept, so the caller names the field in its message.
 */

const DURATION_UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/gy;

/** Milliseconds of a duration such as `60s`, `1h30m` or `1.5s`; a bare number (no unit) is refused. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(t); m; m = DURATION_PART.exec(t)) {
    total += Number(m[1]) * DURATION_UNIT_MS[m[2] as keyof typeof DURATION_UNIT_MS];
    end = DURATION_PART.lastIndex;
  }
  return end === t.length && Number.isFinite(total) ? Math.round(total) : undefined;
}

export const DURATION_HINT = 'a duration with a unit, e.g. 500ms, 60s, 5m, 1h30m, 7d';

/**
 * SI prefixes are powers of 1000 and IEC prefixes powers of 1024 (IEC 80000-13), so `512MB` is 512 000 000
 * bytes and `512MiB` is 536 870 912; written out in agent.yaml's comments, because a disk budget that is 5%
 * larger than meant is exactly the kind of surprise that fills a disk.
 */
const SIZE_UNIT = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
} as const;
const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)$/i;

/** Bytes of a size such as `512MB`, `1.5GB` or `64MiB`; a bare number (no unit) is refused. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * SIZE_UNIT[(m[2] ?? '').toLowerCase() as keyof typeof SIZE_UNIT];
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

export const SIZE_HINT = 'a size with a unit, e.g. 512MB (10^6 bytes), 2GB, 256MiB (2^20 bytes)';
