import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { type DataMarshallLike, fastHandleParameters } from './spi-parameters.js';

// The fast handleParameters against fabric-shim's own DataMarshall on the same metadata: same values, same
// validation errors, and the same result on every call (the validator is compiled once and kept).
const require = createRequire(import.meta.url);
// As the contract runtime sets it: the serializer logs every unparsable argument at error level otherwise.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
const DataMarshall: new (
  serializer: string,
  serializers: Record<string, unknown>,
  components: unknown,
) => DataMarshallLike = require('fabric-shim/lib/contract-spi/datamarshall');
const { JSONSerializer } = require('fabric-contract-api');

function components() {
  return {
    Shipment: {
      $id: 'Shipment',
      type: 'object',
      additionalProperties: false,
      required: ['sscc', 'count'],
      properties: { sscc: { type: 'string' }, count: { type: 'number' } },
    },
  };
}
function metadata() {
  return {
    name: 'Create',
    parameters: [
      { name: 'id', schema: { type: 'string' } },
      { name: 'n', schema: { type: 'number' } },
      { name: 'shipment', schema: { $ref: '#/components/schemas/Shipment' } },
    ],
  };
}
const marshall = () => new DataMarshall('json', { json: JSONSerializer }, components());

/** What a call answers: its values or its error message. */
function outcome(m: DataMarshallLike, fn: ReturnType<typeof metadata>, args: string[]) {
  try {
    return {
      values: m.handleParameters(
        fn,
        args.map((a) => Buffer.from(a)),
        '[ch-tx]',
      ),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const cases: string[][] = [
  ['a', '1', '{"sscc":"x","count":2}'],
  ['b', '2.5', '{"sscc":"y","count":3}'],
  ['c', '3', '{"sscc":"z"}'], // missing a required property
  ['d', '"4"', '{"sscc":"z","count":1}'], // a string where a number is expected
  ['e', '5', '{"sscc":"z","count":1,"extra":true}'],
  ['f', '6', '7'], // not an object
  ['g', '7', 'not json'],
  ['h', '8'], // a parameter short
];

describe('fastHandleParameters', () => {
  it('answers every call as fabric-shim’s handleParameters does, again and again', () => {
    const original = marshall();
    const fast = fastHandleParameters(marshall());
    const fnOriginal = metadata();
    const fnFast = metadata();
    // Warm the original up once: its first call compiles before the serializer marks the $ref'd component
    // as an object, so only its later calls reject a non-object, as the fast one always does.
    outcome(original, fnOriginal, cases[0] as string[]);
    for (let round = 0; round < 3; round++) {
      for (const args of cases) {
        expect(outcome(fast, fnFast, args)).toEqual(outcome(original, fnOriginal, args));
      }
    }
    expect(outcome(fast, fnFast, cases[0] as string[])).toEqual({
      values: ['a', 1, { sscc: 'x', count: 2 }],
    });
    expect(outcome(fast, fnFast, cases[2] as string[])).toMatchObject({
      error: expect.stringMatching(/^Unable to validate parameter due to .*required property/),
    });
    expect(outcome(fast, fnFast, cases[5] as string[])).toMatchObject({
      error: expect.stringMatching(/be object/),
    });
  });

  it('compiles each parameter schema once', () => {
    const m = fastHandleParameters(marshall());
    const compile = vi.spyOn(m.ajv, 'compile');
    const fn = metadata();
    for (let i = 0; i < 5; i++) outcome(m, fn, cases[0] as string[]);
    expect(compile).toHaveBeenCalledTimes(3);
  });

  it('wraps a marshall once', () => {
    const m = marshall();
    fastHandleParameters(m);
    const once = m.handleParameters;
    fastHandleParameters(m);
    expect(m.handleParameters).toBe(once);
  });
});
