import { gs1CheckDigit, type QualitySubject, type StabilitySubject } from '@coldtrail/core';
import { invalid } from './errors.js';
import * as v from './validate.js';

/**
 * The subjects of dispositions and stability budgets, parsed strictly, and the composite-key attributes that
 * name them: `['lot', gtin, lot]`, `['sscc', sscc]`, `['sgtin', gtin, serial]` (a stability subject of an SSCC
 * adds its product: `['sscc', sscc, gtin]`). The first attribute keeps the three kinds apart under one prefix.
 */

// GS1 AI 10 (batch/lot) and AI 21 (serial): 1-20 characters of GS1 AI encodable character set 82
// (GS1 General Specifications §7.11, figure 7.11-1).
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

export function gtin(value: unknown, name = 'gtin'): string {
  if (typeof value !== 'string' || !/^\d{14}$/.test(value)) invalid(`${name} must be 14 digits (GTIN-14)`);
  if (gs1CheckDigit(value.slice(0, 13)) !== Number(value.slice(13))) {
    invalid(`${name} ${value} has a wrong GS1 check digit`);
  }
  return value;
}

function cset82(value: unknown, name: string): string {
  if (typeof value !== 'string' || !CSET82.test(value)) {
    invalid(`${name} must be 1-20 characters of GS1 character set 82`);
  }
  return value;
}

const SUBJECT_FORMS = 'one of {"gtin","lot"}, {"sscc"} or {"gtin","serial"}';

function fieldsOf(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`${name} must be a JSON object: ${SUBJECT_FORMS}`);
  }
  return value as Record<string, unknown>;
}

function sameFields(o: Record<string, unknown>, fields: string[]): boolean {
  const k = Object.keys(o).sort();
  return k.length === fields.length && fields.every((f, i) => k[i] === f);
}

export function qualitySubject(value: unknown, name = 'subject'): QualitySubject {
  const o = fieldsOf(value, name);
  if (sameFields(o, ['gtin', 'lot']))
    return { gtin: gtin(o.gtin, `${name}.gtin`), lot: cset82(o.lot, `${name}.lot`) };
  if (sameFields(o, ['sscc'])) return { sscc: v.sscc(o.sscc) };
  if (sameFields(o, ['gtin', 'serial'])) {
    return { gtin: gtin(o.gtin, `${name}.gtin`), serial: cset82(o.serial, `${name}.serial`) };
  }
  invalid(`${name} must be ${SUBJECT_FORMS}`);
}

export function stabilitySubject(value: unknown, name = 'subject'): StabilitySubject {
  const o = fieldsOf(value, name);
  if (sameFields(o, ['gtin', 'sscc'])) return { sscc: v.sscc(o.sscc), gtin: gtin(o.gtin, `${name}.gtin`) };
  if ('sscc' in o) invalid(`${name} of an SSCC must name the product it holds: {"sscc","gtin"}`);
  return qualitySubject(o, name) as StabilitySubject;
}

export function subjectAttributes(s: QualitySubject | StabilitySubject): string[] {
  if ('sscc' in s) return 'gtin' in s ? ['sscc', s.sscc, s.gtin] : ['sscc', s.sscc];
  if ('lot' in s) return ['lot', s.gtin, s.lot];
  return ['sgtin', s.gtin, s.serial];
}

export function describeSubject(s: QualitySubject | StabilitySubject): string {
  if ('sscc' in s) return `SSCC ${s.sscc}`;
  if ('lot' in s) return `lot ${s.lot} of GTIN ${s.gtin}`;
  return `SGTIN ${s.gtin}.${s.serial}`;
}
