import type { QualitySubject, StabilitySubject } from '@coldtrail/core';
import { invalid } from './errors.js';
import * as gs1 from './gs1.js';
import * as v from './validate.js';

/**
 * The subjects of dispositions and stability budgets, parsed strictly, and the composite-key attributes that
 * name them: `['lot', gtin, lot]`, `['sscc', sscc]`, `['sgtin', gtin, serial]` (a stability subject of an SSCC
 * adds its product: `['sscc', sscc, gtin]`). The first attribute keeps the three kinds apart under one prefix.
 */

const lot = (value: unknown, name: string) => gs1.ai82(value, name, '10');
const serial = (value: unknown, name: string) => gs1.ai82(value, name, '21');

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
    return { gtin: gs1.gtin(o.gtin, `${name}.gtin`), lot: lot(o.lot, `${name}.lot`) };
  if (sameFields(o, ['sscc'])) return { sscc: v.sscc(o.sscc) };
  if (sameFields(o, ['gtin', 'serial'])) {
    return { gtin: gs1.gtin(o.gtin, `${name}.gtin`), serial: serial(o.serial, `${name}.serial`) };
  }
  invalid(`${name} must be ${SUBJECT_FORMS}`);
}

export function stabilitySubject(value: unknown, name = 'subject'): StabilitySubject {
  const o = fieldsOf(value, name);
  if (sameFields(o, ['gtin', 'sscc']))
    return { sscc: v.sscc(o.sscc), gtin: gs1.gtin(o.gtin, `${name}.gtin`) };
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
