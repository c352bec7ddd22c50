import { ai82Key, expiryKey, Gs1KeyError, gtinKey, ssccKey } from './gs1-keys.js';

/**
 * GS1 Digital Link URIs (GS1 Digital Link standard 1.2, §4 "URI syntax"): `https://any.host[/prefix]/01/{gtin}
 * [/22/{cpv}][/10/{lot}][/21/{serial}]` or `.../00/{sscc}`, key qualifiers in that order (§4.5). Any host and
 * any path before the primary key are allowed (§4.4, a custom path). Each path value is %-decoded. The query
 * carries data attributes by AI; only `17` (expiry) is read, every other parameter (linkType, 3103, ...) is
 * ignored, and so is a fragment. A CPV (AI 22) is accepted and ignored: a lot or a serial names the item
 * without it. What is found is returned as AIs, unchecked for combination (gs1-identifiers.ts decides).
 */
export interface DigitalLinkKeys {
  sscc?: string;
  gtin?: string;
  lot?: string;
  serial?: string;
  expiry?: string;
}

const refuse = (reason: string): never => {
  throw new Gs1KeyError(reason);
};

/** Undefined when the input is no http(s) URI at all. */
export function parseDigitalLink(input: string, nowYear: number): DigitalLinkKeys | undefined {
  if (!/^https?:\/\//i.test(input)) return undefined;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('it is not a valid URI');
  }
  const segments = url.pathname.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  const candidates = segments.flatMap((s, i) => (s === '00' || s === '01' ? [i] : []));
  if (candidates.length === 0) {
    refuse('a GS1 Digital Link path needs a primary key: /01/{gtin} or /00/{sscc}');
  }
  let firstError: unknown;
  for (const i of candidates) {
    try {
      const keys = keyPath(segments.slice(i));
      const expiry = url.searchParams.get('17');
      return expiry === null ? keys : { ...keys, expiry: expiryKey(expiry, nowYear) };
    } catch (err) {
      firstError ??= err;
    }
  }
  throw firstError;
}

const QUALIFIERS = ['22', '10', '21'] as const;

function keyPath(segments: string[]): DigitalLinkKeys {
  if (segments.length % 2 !== 0) refuse(`the path after /${segments[0]}/ must be pairs of AI and value`);
  const pairs: [string, string][] = [];
  for (let i = 0; i < segments.length; i += 2) {
    pairs.push([segments[i] ?? '', decode(segments[i + 1] ?? '', segments[i] ?? '')]);
  }
  const [[ai, value] = ['', ''], ...rest] = pairs;
  if (ai === '00') {
    if (rest.length > 0) refuse('an SSCC (/00/) takes no key qualifier after it');
    return { sscc: ssccKey(value) };
  }
  const out: DigitalLinkKeys = { gtin: gtinKey(value) };
  let at = -1;
  for (const [q, v] of rest) {
    const idx = QUALIFIERS.indexOf(q as (typeof QUALIFIERS)[number]);
    if (idx < 0)
      refuse(`/${q}/ is not a key qualifier of a GTIN: expected /22/, /10/ or /21/ (in that order)`);
    if (idx <= at) refuse(`key qualifiers of a GTIN come in the order /22/, /10/, /21/, each once (§4.5)`);
    at = idx;
    if (q === '10') out.lot = ai82Key(v, '10');
    if (q === '21') out.serial = ai82Key(v, '21');
  }
  return out;
}

function decode(value: string, ai: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return refuse(`the value after /${ai}/ has a broken %-escape`);
  }
}
