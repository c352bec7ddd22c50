import canonicalizeReference from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';

const reference = canonicalizeReference as unknown as (v: unknown) => string;

describe('canonicalJson (RFC 8785)', () => {
  it('writes the RFC 8785 §3.2.2 example byte for byte', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,0.000001],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('formats numbers as ECMAScript Number::toString (RFC 8785 §3.2.2.3 table)', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [9007199254740992, '9007199254740992'],
      [-1.7976931348623157e308, '-1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [295147905179352830000, '295147905179352830000'],
      [0.000001, '0.000001'],
      [4.5, '4.5'],
    ];
    for (const [n, text] of cases) expect(canonicalJson(n)).toBe(text);
  });

  it('refuses what is not I-JSON, naming where', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow(/\$\.a\[1\]: NaN cannot be canonicalised/);
    expect(() => canonicalJson({ a: { b: Number.POSITIVE_INFINITY } })).toThrow(/\$\.a\.b: Infinity/);
    expect(() => canonicalJson({ s: 'x\ud800y' })).toThrow(/\$\.s: a string with a lone surrogate/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/\$\.d: a Date object/);
    expect(() => canonicalJson([undefined])).toThrow(/\$\[0\]/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/\$\.f: function/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });

  it('leaves out members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}');
  });

  it('agrees with an independent implementation (the canonicalize package) on random documents', () => {
    let seed = Number(process.env.COLDTRAIL_CANONICAL_SEED ?? 20261201);
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alphabet = ['a', 'Z', '0', '"', '\\', '\n', '\u0001', '\u007f', 'é', '€', '😀', '\ufb33', ' ', '/'];
    const str = () =>
      Array.from({ length: Math.floor(rnd() * 6) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(
        '',
      );
    const num = () => {
      const pick = Math.floor(rnd() * 5);
      if (pick === 0) return Math.floor(rnd() * 1e6) - 5e5;
      if (pick === 1) return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      if (pick === 2) return Math.round(rnd() * 1000) / 100;
      if (pick === 3) return (rnd() - 0.5) * 1e300;
      return -0;
    };
    const value = (depth: number): unknown => {
      const k = Math.floor(rnd() * (depth > 3 ? 4 : 6));
      if (k === 0) return str();
      if (k === 1) return num();
      if (k === 2) return rnd() < 0.5;
      if (k === 3) return null;
      if (k === 4) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) o[str()] = value(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const doc = value(0);
      expect(canonicalJson(doc)).toBe(reference(doc));
    }
  });
});
