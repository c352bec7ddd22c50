import { gs1CheckDigit } from '@coldtrail/core';
import { invalid } from './errors.js';

/**
 * GS1 identifiers the contract takes from clients, checked before they become ledger keys (GS1 General
 * Specifications 24, §3.2 AIs 01/10/17/21 and §7.11 character set 82; EPC Tag Data Standard 2.1 §6.3.3 SGLN).
 */

/** GS1 AI encodable character set 82 (GenSpecs Figure 7.11-1): AI 10 (lot) and AI 21 (serial) use it. */
const SET_82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$/;

/** A GTIN-8/12/13/14 with its check digit, returned zero-padded to 14 digits (GenSpecs §3.3.2). */
export function gtin(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(value)) {
    invalid(`${name} must be a GTIN of 8, 12, 13 or 14 digits (AI 01)`);
  }
  const g = value.padStart(14, '0');
  const check = gs1CheckDigit(g.slice(0, 13));
  if (check !== Number(g.slice(13))) {
    invalid(`${name} ${value} has a wrong GS1 check digit: the last digit must be ${check}`);
  }
  return g;
}

/** A lot (AI 10) or serial (AI 21): 1-20 characters of set 82. */
export function ai82(value: unknown, name: string, ai: '10' | '21'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 20 || !SET_82.test(value)) {
    invalid(
      `${name} must be 1-20 characters of the GS1 AI ${ai} character set 82 (A-Z a-z 0-9 and !"%&'()*+,-./:;<=>?_)`,
    );
  }
  return value;
}

/** An expiry date as `YYYY-MM-DD` (GS1 AI 17's YYMMDD written out; a day 00 must be resolved first). */
export function expiry(value: unknown, name: string): string {
  const ok =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    new Date(`${value}T00:00:00.000Z`).toISOString().slice(0, 10) === value;
  if (!ok) invalid(`${name} must be a calendar date YYYY-MM-DD (AI 17 YYMMDD 251231 is 2025-12-31)`);
  return value;
}

export interface Site {
  /** As given. */
  location: string;
  /** Canonical key form: the GLN-13, plus `.extension` when the SGLN has one other than 0. */
  site: string;
}

/** EPC URI extension: set-82 characters that need no %-escape in a URI (TDS §6.3.3 / Table I.3.1-1). */
const EXTENSION = /^[!'()*+,\-.0-9:;=A-Z_a-z]{1,20}$/;

/**
 * A location. Accepted forms: the EPC pure-identity URI `urn:epc:id:sgln:<company prefix>.<location
 * reference>.<extension>` (prefix 6-12 digits, prefix + reference = 12 digits, extension `0` for none or 1-20
 * URI-safe set-82 characters; %-escaped extensions are refused), or a bare 13-digit GLN whose check digit is
 * verified (no extension). Both forms of the same place share one `site` key.
 */
export function sgln(value: unknown, name: string): Site {
  if (typeof value === 'string' && /^\d{13}$/.test(value)) {
    const check = gs1CheckDigit(value.slice(0, 12));
    if (check !== Number(value.slice(12))) {
      invalid(`${name} GLN ${value} has a wrong GS1 check digit: the last digit must be ${check}`);
    }
    return { location: value, site: value };
  }
  const m = typeof value === 'string' ? /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.(.+)$/.exec(value) : null;
  const [, prefix = '', ref = '', ext = ''] = m ?? [];
  if (!m || prefix.length + ref.length !== 12 || !EXTENSION.test(ext)) {
    invalid(
      `${name} must be an SGLN urn:epc:id:sgln:<company prefix>.<location reference>.<extension> (prefix + reference = 12 digits, extension 0 for none) or a 13-digit GLN`,
    );
  }
  const gln = `${prefix}${ref}${gs1CheckDigit(prefix + ref)}`;
  return { location: value as string, site: ext === '0' ? gln : `${gln}.${ext}` };
}
