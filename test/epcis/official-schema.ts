import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

// Both are CommonJS modules whose export is also their `default` (NodeNext sees the module object).
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** The GS1 reference files, read where they lie (../shared/reference/epcis beside the checkout), never copied. */
export const EPCIS_REFERENCE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/reference/epcis',
);

/** The official EPCIS 2.0 JSON Schema under Ajv draft-07 with formats on (reference README: formats off is lax). */
export function officialValidator(): (doc: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(EPCIS_REFERENCE, 'EPCIS-JSON-Schema.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (doc) =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map(
          (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`,
        );
}

export function officialExamples(): { name: string; text: string }[] {
  const dir = join(EPCIS_REFERENCE, 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonld'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}
