import { ColdtrailError, ErrorCode } from './errors.js';
import { type DigitalLinkKeys, parseDigitalLink } from './gs1-digital-link.js';
import { lgtinUrn, parseEpcUri, sgtinUrn, ssccUrn } from './gs1-epc-uri.js';
import { ai82Key, expiryKey, Gs1KeyError, type Gs1Subject, gtinKey, ssccKey } from './gs1-keys.js';

export { DEFAULT_COMPANY_PREFIX_LENGTH } from './gs1-epc-uri.js';
export type { Gs1Subject } from './gs1-keys.js';

/**
 * Any identifier a distributor may hold for what it asks about, read into one subject: an SSCC (logistic unit),
 * an SGTIN (one pack) or a lot (GTIN + batch). Accepted forms:
 * - SSCC: 18 digits, `(00)` + 18 digits, `00` + 18 digits, `urn:epc:id:sscc:CompanyPrefix.SerialRef`;
 * - SGTIN: `urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial`, `(01)GTIN(21)SERIAL`;
 * - lot: `(01)GTIN(10)LOT`, `urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot`, or a GTIN with the lot
 *   given separately (`opts.lot`);
 * - a GS1 Digital Link URI (gs1-digital-link.ts) of any of the three.
 * Element strings follow GS1 General Specifications §3.2 with AIs 00, 01, 10, 17 and 21, in brackets (the
 * human-readable form) or without (a scanner's output; a variable-length AI 10 or 21 ends at a GS character
 * or at the end). A (17) expiry is checked and returned, not needed. A string with both (10) and (21) is the
 * pack (SGTIN): the serial names it, the lot only repeats what the serial already implies. GTIN-8/12/13 are
 * padded to 14 digits. Every check digit is verified; a refusal says what is wrong with which part.
 */
export interface Gs1Identifier {
  subject: Gs1Subject;
  /** AI 17 as YYYY-MM-DD, when the identifier carries one. */
  expiry?: string;
}

export interface Gs1ParseOptions {
  /** The lot of a GTIN given on its own (`coldtrail provenance GTIN --lot LOT`). */
  lot?: string;
  /** For the century of a two-digit expiry year (GenSpecs §7.12); default: the current time. */
  now?: number;
}

const FORMS = 'expected an SSCC, urn:epc:id:sgtin:..., (01)..(21).., (01)..(10).. or a GS1 Digital Link URI';
const MAX_INPUT = 2048;

export function parseGs1Identifier(input: string, opts: Gs1ParseOptions = {}): Gs1Subject {
  return readGs1Identifier(input, opts).subject;
}

/** As parseGs1Identifier, with the expiry the identifier carries. */
export function readGs1Identifier(input: string, opts: Gs1ParseOptions = {}): Gs1Identifier {
  const shown = JSON.stringify(input.length > 100 ? `${input.slice(0, 100)}...` : input);
  const text = input.trim();
  if (text.length === 0) invalid(`an identifier is empty: ${FORMS}`);
  if (text.length > MAX_INPUT) invalid(`${shown}: longer than ${MAX_INPUT} characters`);
  const lot =
    opts.lot === undefined ? undefined : guard(JSON.stringify(opts.lot), () => ai82Key(opts.lot ?? '', '10'));
  return guard(shown, () => {
    const year = new Date(opts.now ?? Date.now()).getUTCFullYear();
    const epc = parseEpcUri(text);
    if (epc) return { subject: withLot(epc, lot) };
    const keys = parseDigitalLink(text, year) ?? elementString(text, year);
    if (!keys) throw new Gs1KeyError(`unknown form: ${FORMS}`);
    const { expiry } = keys;
    return { subject: subjectOf(keys, lot), ...(expiry === undefined ? {} : { expiry }) };
  });
}

function invalid(message: string): never {
  throw new ColdtrailError(ErrorCode.InvalidInput, message);
}

function guard<T>(shown: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof Gs1KeyError) invalid(`${shown}: ${err.message}`);
    throw err;
  }
}

function withLot(s: Gs1Subject, lot: string | undefined): Gs1Subject {
  if (lot !== undefined && !(s.kind === 'lot' && s.lot === lot)) {
    throw new Gs1KeyError(
      `a separate lot goes with a GTIN alone; this ${s.kind === 'lot' ? `names lot ${s.lot}` : `is an ${s.kind.toUpperCase()}`}`,
    );
  }
  return s;
}

function subjectOf(keys: DigitalLinkKeys, lot: string | undefined): Gs1Subject {
  const { sscc, gtin, serial } = keys;
  if (sscc !== undefined) {
    if (gtin !== undefined || keys.lot !== undefined || serial !== undefined || keys.expiry !== undefined) {
      throw new Gs1KeyError('an SSCC (00) stands alone: no (01), (10), (17) or (21) beside it');
    }
    return withLot({ kind: 'sscc', sscc }, lot);
  }
  if (gtin === undefined) throw new Gs1KeyError('(10), (17) and (21) need a GTIN (01) beside them');
  if (serial !== undefined) return withLot({ kind: 'sgtin', gtin, serial }, lot);
  if (keys.lot !== undefined) return withLot({ kind: 'lot', gtin, lot: keys.lot }, lot);
  if (lot !== undefined) return { kind: 'lot', gtin, lot };
  throw new Gs1KeyError(
    'a GTIN alone names a product, not a pack or a lot: give its lot separately (--lot LOT), or (01)GTIN(10)LOT, or (01)GTIN(21)SERIAL',
  );
}

const FIXED: Readonly<Record<string, number>> = { '00': 18, '01': 14, '17': 6 };

/**
 * An element string, bracketed or not; undefined when the input is neither. Bare digits of a GTIN's length are
 * a GTIN, 18 bare digits an SSCC.
 */
function elementString(text: string, year: number): DigitalLinkKeys | undefined {
  if (/^\d{18}$/.test(text)) return { sscc: ssccKey(text) };
  if (/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(text)) return { gtin: gtinKey(text) };
  if (/^\d{1,17}$/.test(text)) {
    throw new Gs1KeyError(
      `${text.length} digits: an SSCC is 18 digits with a valid GS1 check digit, a GTIN 8, 12, 13 or 14 (with its lot given separately)`,
    );
  }
  const pairs = text.startsWith('(')
    ? bracketed(text)
    : /^0[01]\d/.test(text)
      ? unbracketed(text)
      : undefined;
  if (!pairs) return undefined;
  const keys: DigitalLinkKeys = {};
  const seen = new Set<string>();
  for (const [ai, value] of pairs) {
    if (seen.has(ai)) throw new Gs1KeyError(`AI (${ai}) appears twice`);
    seen.add(ai);
    const len = FIXED[ai];
    if (len !== undefined && !/^\d+$/.test(value))
      throw new Gs1KeyError(`(${ai}) takes digits only, not "${value}"`);
    if (ai === '00') keys.sscc = ssccKey(value);
    else if (ai === '01') keys.gtin = gtinKey(value);
    else if (ai === '17') keys.expiry = expiryKey(value, year);
    else if (ai === '10') keys.lot = ai82Key(value, '10');
    else if (ai === '21') keys.serial = ai82Key(value, '21');
    else
      throw new Gs1KeyError(`AI (${ai}) does not identify an item here: use (00), (01), (10), (17) and (21)`);
  }
  return keys;
}

/** `(01)...(21)...`: each AI in brackets, its value up to the next bracketed AI. */
function bracketed(text: string): [string, string][] {
  const marks = [...text.matchAll(/\((\d{2,4})\)/g)];
  if (marks[0]?.index !== 0)
    throw new Gs1KeyError(`an element string starts with an AI in brackets, like (01)`);
  return marks.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    return [m[1] ?? '', text.slice(start, marks[i + 1]?.index ?? text.length)];
  });
}

/** `0109506000134352 21ABC`: fixed-length AIs by length, AI 10 and 21 up to a GS (U+001D) or the end. */
function unbracketed(text: string): [string, string][] {
  const out: [string, string][] = [];
  let at = 0;
  while (at < text.length) {
    const ai = text.slice(at, at + 2);
    const len = FIXED[ai];
    if (len !== undefined) {
      const value = text.slice(at + 2, at + 2 + len);
      if (value.length < len) throw new Gs1KeyError(`(${ai}) needs ${len} digits, ${value.length} follow it`);
      out.push([ai, value]);
      at += 2 + len;
      if (text[at] === '\u001d') at++;
    } else if (ai === '10' || ai === '21') {
      const end = text.indexOf('\u001d', at);
      const stop = end < 0 ? text.length : end;
      out.push([ai, text.slice(at + 2, stop)]);
      at = stop + 1;
    } else {
      throw new Gs1KeyError(
        `"${ai}" at position ${at + 1} is not an AI used here: (00), (01), (10), (17), (21)`,
      );
    }
  }
  return out;
}

/** A GTIN-8/12/13/14 with a valid check digit, as its 14 digits (a refusal says what is wrong). */
export function parseGtin(input: string): string {
  return guard(JSON.stringify(input), () => gtinKey(input.trim()));
}

// --- writing identifiers (the reverse of each form above) ---

function writer<A extends unknown[]>(what: string, build: (...args: A) => string): (...args: A) => string {
  return (...args) => guard(what, () => build(...args));
}

/** `urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial` (TDS §6.3.1); prefix length default 7 (gs1-epc-uri.ts). */
export const toSgtinUrn: (gtin: string, serial: string, companyPrefixLength?: number) => string = writer(
  'SGTIN',
  sgtinUrn,
);
/** `urn:epc:id:sscc:CompanyPrefix.SerialRef` (TDS §6.3.2). */
export const toSsccUrn: (sscc: string, companyPrefixLength?: number) => string = writer('SSCC', ssccUrn);
/** `urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot` (TDS §6.4.1). */
export const toLgtinUrn: (gtin: string, lot: string, companyPrefixLength?: number) => string = writer(
  'lot',
  lgtinUrn,
);

/** The bracketed element string: `(00)SSCC`, `(01)GTIN(21)SERIAL`, `(01)GTIN(10)LOT`. */
export function toElementString(s: Gs1Subject): string {
  if (s.kind === 'sscc') return `(00)${s.sscc}`;
  return s.kind === 'sgtin' ? `(01)${s.gtin}(21)${s.serial}` : `(01)${s.gtin}(10)${s.lot}`;
}

/** A GS1 Digital Link URI of the subject on `base` (GS1's resolver by default), values %-encoded. */
export function toDigitalLink(s: Gs1Subject, base = 'https://id.gs1.org'): string {
  const root = base.replace(/\/+$/, '');
  const e = encodeURIComponent;
  if (s.kind === 'sscc') return `${root}/00/${s.sscc}`;
  return s.kind === 'sgtin'
    ? `${root}/01/${s.gtin}/21/${e(s.serial)}`
    : `${root}/01/${s.gtin}/10/${e(s.lot)}`;
}

/** One line naming the subject: `SSCC 0...`, `SGTIN 0....SN1`, `lot L1 of GTIN 0...`. */
export function describeGs1Subject(s: Gs1Subject): string {
  if (s.kind === 'sscc') return `SSCC ${s.sscc}`;
  return s.kind === 'sgtin' ? `SGTIN ${s.gtin} serial ${s.serial}` : `lot ${s.lot} of GTIN ${s.gtin}`;
}
