import { gs1CheckDigit } from './gs1.js';
import { ai82Key, Gs1KeyError, type Gs1Subject, gtinKey, ssccKey } from './gs1-keys.js';

/**
 * EPC pure-identity URIs (GS1 EPC Tag Data Standard 2.1): `urn:epc:id:sgtin:` (§6.3.1), `urn:epc:id:sscc:`
 * (§6.3.2) and the class-level `urn:epc:class:lgtin:` (§6.4.1, a GTIN with its lot).
 *
 * A URI splits the key at the end of the GS1 company prefix, and a GTIN-14 or SSCC does not say where that is:
 * the company prefix length comes from the GS1 Member Organisation that issued it. The ledger stores GTINs and
 * SSCCs as plain 14 and 18 digits, so nothing on it records the length either. What the shipped data declares
 * is 7 digits: the demo's prefix 0614141 (cli demo, product `urn:epc:idpat:sgtin:0614141.107346.*`) and the
 * chaincode fixtures' 7612345. So 7 is the default; a caller that knows better passes the length.
 */
export const DEFAULT_COMPANY_PREFIX_LENGTH = 7;

const refuse = (reason: string): never => {
  throw new Gs1KeyError(reason);
};

/** Characters an EPC URI component must %-escape (TDS Table I.3.1-1). */
const MUST_ESCAPE: Readonly<Record<string, string>> = {
  '"': '%22',
  '%': '%25',
  '&': '%26',
  '/': '%2F',
  '<': '%3C',
  '>': '%3E',
  '?': '%3F',
};

function escapeComponent(value: string): string {
  return [...value].map((c) => MUST_ESCAPE[c] ?? c).join('');
}

/** Decodes a serial or lot component; a raw character that must be escaped, or a broken escape, is refused. */
function unescapeComponent(raw: string, what: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        refuse(`the ${what} has a broken %-escape at "${raw.slice(i, i + 3)}"`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    } else if (MUST_ESCAPE[c] !== undefined) {
      refuse(
        `the ${what} contains ${JSON.stringify(c)}, which an EPC URI writes as ${MUST_ESCAPE[c]} (TDS Table I.3.1-1)`,
      );
    } else out += c;
  }
  return out;
}

function companyPrefixLength(n: number): number {
  if (!Number.isInteger(n) || n < 6 || n > 12) refuse(`a GS1 company prefix has 6 to 12 digits, not ${n}`);
  return n;
}

/** CompanyPrefix.IndicatorItemRef -> GTIN-14 with its check digit (TDS §6.3.1). */
function gtinFromParts(prefix: string, indicatorItemRef: string): string {
  if (!/^\d{6,12}$/.test(prefix)) refuse(`company prefix "${prefix}" must be 6 to 12 digits`);
  if (!/^\d+$/.test(indicatorItemRef) || prefix.length + indicatorItemRef.length !== 13) {
    refuse(
      `indicator + item reference "${indicatorItemRef}" must be ${13 - prefix.length} digits beside a ${prefix.length}-digit company prefix (13 in all)`,
    );
  }
  const body = `${indicatorItemRef[0]}${prefix}${indicatorItemRef.slice(1)}`;
  return body + String(gs1CheckDigit(body));
}

const SGTIN = /^urn:epc:id:sgtin:([^.]*)\.([^.]*)\.(.*)$/;
const LGTIN = /^urn:epc:class:lgtin:([^.]*)\.([^.]*)\.(.*)$/;
const SSCC = /^urn:epc:id:sscc:([^.]*)\.([^.]*)$/;

/** The subject of an EPC URI, or undefined when the input is no EPC URI of these three schemes. */
export function parseEpcUri(input: string): Gs1Subject | undefined {
  if (!/^urn:epc:/i.test(input)) return undefined;
  const sgtin = SGTIN.exec(input);
  if (sgtin) {
    const gtin = gtinFromParts(sgtin[1] ?? '', sgtin[2] ?? '');
    return { kind: 'sgtin', gtin, serial: ai82Key(unescapeComponent(sgtin[3] ?? '', 'serial'), '21') };
  }
  const lgtin = LGTIN.exec(input);
  if (lgtin) {
    const gtin = gtinFromParts(lgtin[1] ?? '', lgtin[2] ?? '');
    return { kind: 'lot', gtin, lot: ai82Key(unescapeComponent(lgtin[3] ?? '', 'lot'), '10') };
  }
  const sscc = SSCC.exec(input);
  if (sscc) {
    const [, prefix = '', serialRef = ''] = sscc;
    if (!/^\d{6,12}$/.test(prefix)) refuse(`company prefix "${prefix}" must be 6 to 12 digits`);
    if (!/^\d+$/.test(serialRef) || prefix.length + serialRef.length !== 17) {
      refuse(
        `serial reference "${serialRef}" must be ${17 - prefix.length} digits (extension digit first) beside a ${prefix.length}-digit company prefix`,
      );
    }
    // TDS §6.3.2: the extension digit is the serial reference's first digit and leads the SSCC.
    const body = `${serialRef[0]}${prefix}${serialRef.slice(1)}`;
    return { kind: 'sscc', sscc: body + String(gs1CheckDigit(body)) };
  }
  return refuse(
    'an EPC URI here is urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial, urn:epc:id:sscc:CompanyPrefix.SerialRef or urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot',
  );
}

/** `urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial` (TDS §6.3.1), serial %-escaped. */
export function sgtinUrn(gtin: string, serial: string, prefixLength = DEFAULT_COMPANY_PREFIX_LENGTH): string {
  const [prefix, ref] = splitGtin(gtinKey(gtin), companyPrefixLength(prefixLength));
  return `urn:epc:id:sgtin:${prefix}.${ref}.${escapeComponent(ai82Key(serial, '21'))}`;
}

/** `urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot` (TDS §6.4.1), lot %-escaped. */
export function lgtinUrn(gtin: string, lot: string, prefixLength = DEFAULT_COMPANY_PREFIX_LENGTH): string {
  const [prefix, ref] = splitGtin(gtinKey(gtin), companyPrefixLength(prefixLength));
  return `urn:epc:class:lgtin:${prefix}.${ref}.${escapeComponent(ai82Key(lot, '10'))}`;
}

/** `urn:epc:id:sscc:CompanyPrefix.SerialRef`, the extension digit first in SerialRef (TDS §6.3.2). */
export function ssccUrn(sscc: string, prefixLength = DEFAULT_COMPANY_PREFIX_LENGTH): string {
  const s = ssccKey(sscc);
  const n = companyPrefixLength(prefixLength);
  return `urn:epc:id:sscc:${s.slice(1, 1 + n)}.${s[0]}${s.slice(1 + n, 17)}`;
}

function splitGtin(g: string, n: number): [string, string] {
  return [g.slice(1, 1 + n), `${g[0]}${g.slice(1 + n, 13)}`];
}
