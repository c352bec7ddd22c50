import { describe, expect, it } from 'vitest';
import { prng } from '../../test/seeded-random.js';
import { ColdtrailError, ErrorCode } from './errors.js';
import { gs1CheckDigit } from './gs1.js';
import {
  type Gs1Subject,
  parseGs1Identifier,
  parseGtin,
  readGs1Identifier,
  toDigitalLink,
  toElementString,
  toLgtinUrn,
  toSgtinUrn,
  toSsccUrn,
} from './gs1-identifiers.js';

// GS1 General Specifications' own example numbers (GTIN 09506000134352, company prefix 0614141).
const GTIN = '09506000134352';
const DEMO_GTIN = '00614141107346';
const SSCC = '106141411234567897';

function refusal(input: string, opts?: { lot?: string }): string {
  try {
    parseGs1Identifier(input, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ColdtrailError);
    expect((err as ColdtrailError).code).toBe(ErrorCode.InvalidInput);
    return (err as Error).message;
  }
  throw new Error(`${input} was accepted`);
}

describe('parseGs1Identifier: each form', () => {
  it.each<[string, Gs1Subject]>([
    [SSCC, { kind: 'sscc', sscc: SSCC }],
    [`(00)${SSCC}`, { kind: 'sscc', sscc: SSCC }],
    [`00${SSCC}`, { kind: 'sscc', sscc: SSCC }],
    [`  ${SSCC}\n`, { kind: 'sscc', sscc: SSCC }],
    // TDS §6.3.2 example: extension 1, prefix 0614141, serial ref 1234567 -> SSCC 106141411234567897.
    ['urn:epc:id:sscc:0614141.1234567890', { kind: 'sscc', sscc: '106141412345678908' }],
    ['urn:epc:id:sgtin:0614141.112345.400', { kind: 'sgtin', gtin: '10614141123459', serial: '400' }],
    ['urn:epc:id:sgtin:0614141.112345.A%2FB%25C', { kind: 'sgtin', gtin: '10614141123459', serial: 'A/B%C' }],
    [`(01)${GTIN}(21)12345`, { kind: 'sgtin', gtin: GTIN, serial: '12345' }],
    [`(01)${GTIN}(17)271231(10)AB-1(21)X1`, { kind: 'sgtin', gtin: GTIN, serial: 'X1' }],
    [`(01)${GTIN}(10)AB-1`, { kind: 'lot', gtin: GTIN, lot: 'AB-1' }],
    [`01${GTIN}10AB-1`, { kind: 'lot', gtin: GTIN, lot: 'AB-1' }],
    [`01${GTIN}17271231\u001d10AB\u001d21S9`, { kind: 'sgtin', gtin: GTIN, serial: 'S9' }],
    ['urn:epc:class:lgtin:0614141.011234.L%3F1', { kind: 'lot', gtin: '00614141112340', lot: 'L?1' }],
    [`https://id.gs1.org/01/${GTIN}/10/AB-1`, { kind: 'lot', gtin: GTIN, lot: 'AB-1' }],
    [`https://example.com/01/${GTIN}/21/A%2FB`, { kind: 'sgtin', gtin: GTIN, serial: 'A/B' }],
    [
      `https://example.com/shop/products/01/${GTIN}/22/2A/10/L1/21/S1?linkType=all#x`,
      { kind: 'sgtin', gtin: GTIN, serial: 'S1' },
    ],
    [`https://example.com/00/${SSCC}/`, { kind: 'sscc', sscc: SSCC }],
    // GTIN-13 and GTIN-8 are padded to 14 digits.
    ['https://example.com/01/9506000134352/10/L1', { kind: 'lot', gtin: GTIN, lot: 'L1' }],
    ['(01)95012346(21)Z', { kind: 'sgtin', gtin: '00000095012346', serial: 'Z' }],
  ])('%s', (input, subject) => {
    expect(parseGs1Identifier(input)).toEqual(subject);
  });

  it('takes a GTIN with its lot given separately, in any GTIN form', () => {
    for (const g of [GTIN, '9506000134352', `(01)${GTIN}`, `https://x.example/01/${GTIN}`]) {
      expect(parseGs1Identifier(g, { lot: 'L 1'.replace(' ', '-') })).toEqual({
        kind: 'lot',
        gtin: GTIN,
        lot: 'L-1',
      });
    }
  });

  it('returns the expiry an identifier carries (AI 17; day 00 is the month end; GenSpecs §7.12 century)', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    expect(readGs1Identifier(`(01)${GTIN}(17)270600(10)L1`, { now }).expiry).toBe('2027-06-30');
    expect(
      readGs1Identifier(`https://x.example/01/${GTIN}/10/L1?17=280229&3103=000195`, { now }).expiry,
    ).toBe('2028-02-29');
    expect(readGs1Identifier(`(01)${GTIN}(17)991231(10)L1`, { now }).expiry).toBe('1999-12-31');
    expect(readGs1Identifier(`(01)${GTIN}(10)L1`, { now })).not.toHaveProperty('expiry');
  });
});

describe('parseGs1Identifier: what is wrong', () => {
  it.each<[string, string | RegExp, { lot?: string }?]>([
    ['(01)09506000134353(21)X', '"(01)09506000134353(21)X": GTIN check digit is 3, expected 2'],
    ['106141411234567890', '"106141411234567890": SSCC check digit is 0, expected 7'],
    [
      'hello',
      /^"hello": unknown form: expected an SSCC, urn:epc:id:sgtin:\.\.\., \(01\)\.\.\(21\)\.\., \(01\)\.\.\(10\)\.\. or a GS1 Digital Link URI$/,
    ],
    ['', /an identifier is empty/],
    [
      '12345',
      '"12345": 5 digits: an SSCC is 18 digits with a valid GS1 check digit, a GTIN 8, 12, 13 or 14 (with its lot given separately)',
    ],
    [GTIN, /a GTIN alone names a product.*--lot LOT/],
    [`(01)${GTIN}(10)lot#1`, /the lot \(AI 10\) contains "#", which is not in GS1 character set 82/],
    [`(01)${GTIN}(21)${'x'.repeat(21)}`, /the serial \(AI 21\) has 21 characters; at most 20/],
    [`(01)${GTIN}(21)`, /the serial \(AI 21\) is empty/],
    [`(01)${GTIN}(21)A(21)B`, /AI \(21\) appears twice/],
    [`(01)${GTIN}(11)250101`, /AI \(11\) does not identify an item here/],
    [`(00)${SSCC}(01)${GTIN}`, /an SSCC \(00\) stands alone/],
    [`(10)L1`, /need a GTIN \(01\)/],
    [`(01)${GTIN}(17)271331(10)L1`, /month 13/],
    [`(01)${GTIN}(17)270230(10)L1`, /2027-02 has 28 days/],
    ['(01)0950600013435(21)X', /GTIN "0950600013435" has a wrong|GTIN check digit/],
    ['(01)950600013435(21)X', /GTIN "950600013435" has 12 digits|GTIN check digit/],
    ['(01)95060001343(21)X', /has 11 digits; a GTIN has 8, 12, 13 or 14/],
    ['urn:epc:id:sgtin:0614141.11234.400', /must be 6 digits beside a 7-digit company prefix/],
    ['urn:epc:id:sgtin:0614141.112345.A/B', /"\/", which an EPC URI writes as %2F/],
    ['urn:epc:id:sgtin:0614141.112345.A%2', /broken %-escape/],
    ['urn:epc:id:sscc:0614141.123456', /must be 10 digits \(extension digit first\)/],
    ['urn:epc:id:sgln:0614141.00001.0', /an EPC URI here is urn:epc:id:sgtin/],
    [`https://x.example/01/${GTIN}/21/S/10/L`, /in the order \/22\/, \/10\/, \/21\//],
    [`https://x.example/01/${GTIN}/99/S`, /\/99\/ is not a key qualifier/],
    [`https://x.example/01/${GTIN}/10/%E0%A4%A`, /broken %-escape/],
    ['https://x.example/products/123', /needs a primary key/],
    [`https://x.example/00/${SSCC}/21/S`, /takes no key qualifier/],
    [`https://x.example/01/${GTIN}/10/L1?17=2712`, /must be 6 digits YYMMDD/],
    [SSCC, /a separate lot goes with a GTIN alone; this is an SSCC/, { lot: 'L1' }],
    [`(01)${GTIN}(21)S1`, /this is an SGTIN/, { lot: 'L1' }],
    [GTIN, /^"L 1": the lot \(AI 10\) contains " "/, { lot: 'L 1' }],
  ])('%s', (input, message, opts) => {
    const m = refusal(input, opts);
    if (typeof message === 'string') expect(m).toBe(message);
    else expect(m).toMatch(message);
  });

  it('never prints a long input in full', () => {
    expect(refusal('x'.repeat(5000)).length).toBeLessThan(200);
  });
});

describe('parseGtin', () => {
  it('pads GTIN-8/12/13 to 14 digits and names a wrong check digit', () => {
    expect(parseGtin('9506000134352')).toBe(GTIN);
    expect(() => parseGtin('9506000134353')).toThrow('"9506000134353": GTIN check digit is 3, expected 2');
  });
});

describe('EPC URIs', () => {
  it('writes the TDS forms with the company prefix length (7 by default)', () => {
    expect(toSgtinUrn('10614141123459', '400')).toBe('urn:epc:id:sgtin:0614141.112345.400');
    expect(toSgtinUrn('10614141123459', 'A/B"?', 9)).toBe('urn:epc:id:sgtin:061414112.1345.A%2FB%22%3F');
    expect(toSsccUrn('106141412345678908')).toBe('urn:epc:id:sscc:0614141.1234567890');
    expect(toLgtinUrn(DEMO_GTIN, 'L1')).toBe('urn:epc:class:lgtin:0614141.010734.L1');
    expect(() => toSsccUrn(SSCC, 13)).toThrow(/6 to 12 digits/);
    expect(() => toSgtinUrn('10614141123455', 'S')).toThrow(/GTIN check digit is 5, expected 9/);
  });
});

// --- property-style: random valid subjects in every form, and every wrong check digit ---

const SET_82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;

function sample(seed: number) {
  const rnd = prng(seed);
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
  const withCheck = (body: string) => body + String(gs1CheckDigit(body));
  const text = () =>
    Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => SET_82[Math.floor(rnd() * SET_82.length)]).join(
      '',
    );
  const prefixLength = 6 + Math.floor(rnd() * 7);
  return {
    gtin: withCheck(digits(13)),
    sscc: withCheck(digits(17)),
    serial: text(),
    lot: text(),
    prefixLength,
  };
}

/** Every form that writes the subject, as parseGs1Identifier reads it back. */
function forms(s: Gs1Subject, prefixLength: number): string[] {
  const dl = [toDigitalLink(s), toDigitalLink(s, 'https://brand.example/a/b/')];
  if (s.kind === 'sscc')
    return [s.sscc, `(00)${s.sscc}`, `00${s.sscc}`, toSsccUrn(s.sscc, prefixLength), ...dl];
  if (s.kind === 'sgtin') {
    return [
      toSgtinUrn(s.gtin, s.serial, prefixLength),
      toElementString(s),
      `01${s.gtin}21${s.serial}`,
      ...dl,
    ];
  }
  return [toLgtinUrn(s.gtin, s.lot, prefixLength), toElementString(s), `01${s.gtin}10${s.lot}`, ...dl];
}

describe('round trips and check digits (seeded samples)', () => {
  const seeds = Array.from({ length: 200 }, (_, i) => 0x9e37 + i);

  it('reads every valid form back to the subject it was written from', () => {
    for (const seed of seeds) {
      const x = sample(seed);
      const subjects: Gs1Subject[] = [
        { kind: 'sscc', sscc: x.sscc },
        { kind: 'sgtin', gtin: x.gtin, serial: x.serial },
        { kind: 'lot', gtin: x.gtin, lot: x.lot },
      ];
      for (const s of subjects) {
        for (const f of forms(s, x.prefixLength)) {
          // A bracketed lot or serial holding "(NN)" is ambiguous in the human-readable form; skip that one.
          if (
            f.startsWith('(01)') &&
            /\(\d{2,4}\)/.test(s.kind === 'sgtin' ? s.serial : s.kind === 'lot' ? s.lot : '')
          )
            continue;
          expect(parseGs1Identifier(f), `seed ${seed}: ${f}`).toEqual(s);
        }
      }
      expect(parseGs1Identifier(x.gtin, { lot: x.lot })).toEqual({ kind: 'lot', gtin: x.gtin, lot: x.lot });
    }
  });

  it('refuses every other digit in a check digit position, and any single-digit change of the key', () => {
    for (const seed of seeds.slice(0, 50)) {
      const { gtin, sscc } = sample(seed);
      for (let d = 0; d <= 9; d++) {
        const g = gtin.slice(0, 13) + String(d);
        const s = sscc.slice(0, 17) + String(d);
        if (g !== gtin)
          expect(refusal(`(01)${g}(21)S`)).toContain(`GTIN check digit is ${d}, expected ${gtin[13]}`);
        if (g !== gtin) expect(refusal(`https://x.example/01/${g}/10/L`)).toContain('GTIN check digit');
        if (s !== sscc) expect(refusal(s)).toContain(`SSCC check digit is ${d}, expected ${sscc[17]}`);
        if (s !== sscc) expect(refusal(`(00)${s}`)).toContain('SSCC check digit');
      }
      // Mod 10 with weights 3,1 catches every single-digit substitution (GenSpecs §7.9.1).
      for (let i = 0; i < 13; i++) {
        for (let d = 0; d <= 9; d++) {
          const changed = gtin.slice(0, i) + String(d) + gtin.slice(i + 1);
          if (changed !== gtin)
            expect(() => parseGs1Identifier(`(01)${changed}(10)L`)).toThrow(/check digit/);
        }
      }
    }
  });
});
