import { gs1CheckDigit } from './gs1.js';

/**
 * The GS1 keys an identifier carries, each checked on its own and refused with the reason (no input text: the
 * caller names the input). Shared by the element-string, EPC URI and Digital Link readers (gs1-identifiers.ts).
 */

/** A subject of provenance: a logistic unit, one serialised pack, or a lot of a product. */
export type Gs1Subject =
  | { kind: 'sscc'; sscc: string }
  | { kind: 'sgtin'; gtin: string; serial: string }
  | { kind: 'lot'; gtin: string; lot: string };

/** Why a key was refused; gs1-identifiers.ts turns it into an InvalidInput error naming the input. */
export class Gs1KeyError extends Error {}

const refuse = (reason: string): never => {
  throw new Gs1KeyError(reason);
};

/**
 * GS1 AI encodable character set 82 (GS1 General Specifications Figure 7.11-1); AI 10 (batch/lot) and AI 21
 * (serial) are X..20 of it (GenSpecs §3.2).
 */
const SET_82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;
export const SET_82_TEXT = `A-Z a-z 0-9 and !"%&'()*+,-./:;<=>?_`;

/** A GTIN-8/12/13/14 with a valid check digit, zero-padded to 14 digits (GenSpecs §3.3.2, §7.9.1). */
export function gtinKey(raw: string): string {
  if (!/^\d+$/.test(raw)) refuse(`GTIN "${raw}" must be digits only`);
  if (![8, 12, 13, 14].includes(raw.length)) {
    refuse(`GTIN "${raw}" has ${raw.length} digits; a GTIN has 8, 12, 13 or 14`);
  }
  const g = raw.padStart(14, '0');
  const expected = gs1CheckDigit(g.slice(0, 13));
  if (Number(g[13]) !== expected) refuse(`GTIN check digit is ${g[13]}, expected ${expected}`);
  return g;
}

/** An SSCC: 18 digits, the last a mod-10 check digit (GenSpecs §2.2.1, §7.9.1). */
export function ssccKey(raw: string): string {
  if (!/^\d{18}$/.test(raw))
    refuse(`SSCC "${raw}" must be exactly 18 digits (it has ${raw.length} characters)`);
  const expected = gs1CheckDigit(raw.slice(0, 17));
  if (Number(raw[17]) !== expected) refuse(`SSCC check digit is ${raw[17]}, expected ${expected}`);
  return raw;
}

/** A lot (AI 10) or a serial (AI 21): 1-20 characters of set 82. */
export function ai82Key(raw: string, ai: '10' | '21'): string {
  const what = ai === '10' ? 'lot (AI 10)' : 'serial (AI 21)';
  if (raw.length === 0) refuse(`the ${what} is empty`);
  if (raw.length > 20) refuse(`the ${what} has ${raw.length} characters; at most 20 are allowed`);
  if (!SET_82.test(raw)) {
    const bad = [...raw].find((c) => !SET_82.test(c)) ?? '';
    refuse(
      `the ${what} contains ${JSON.stringify(bad)}, which is not in GS1 character set 82 (${SET_82_TEXT})`,
    );
  }
  return raw;
}

/**
 * AI 17 (expiry, YYMMDD) as YYYY-MM-DD. The century follows GenSpecs §7.12 (a year more than 50 years ahead of
 * `nowYear` is the previous century, more than 49 behind the next); day 00 is the last day of the month.
 */
export function expiryKey(raw: string, nowYear: number): string {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(raw);
  if (!m) refuse(`expiry (AI 17) "${raw}" must be 6 digits YYMMDD`);
  const [yy, mm, dd] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  const diff = yy - (nowYear % 100);
  const century = Math.floor(nowYear / 100) + (diff >= 51 ? -1 : diff <= -50 ? 1 : 0);
  const year = century * 100 + yy;
  if (mm < 1 || mm > 12) refuse(`expiry (AI 17) "${raw}" has month ${m?.[2]}; months are 01-12`);
  const last = new Date(Date.UTC(year, mm, 0)).getUTCDate();
  if (dd > last) refuse(`expiry (AI 17) "${raw}": ${year}-${m?.[2]} has ${last} days`);
  const day = dd === 0 ? last : dd;
  return `${year}-${String(mm).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
