import { createRequire } from 'node:module';

/**
 * A faster DataMarshall.handleParameters for fabric-shim's contract SPI (lib/contract-spi/datamarshall.js,
 * 2.5.x): the same checks, conversion and validation, without the work the original repeats on every call.
 * The original formats debug lines eagerly (util.inspect of every argument buffer, JSON.stringify of the
 * whole schema with all components) whatever the log level, and asks ajv to compile the parameter schema
 * each time, which ajv answers from its cache only after serializing that whole schema as the cache key. Here
 * the validator is compiled once per parameter of a transaction function (the metadata object, which the SPI
 * keeps for its lifetime) and kept; the compile happens after the serializer's first conversion, because that
 * conversion adds `type: 'object'` to a referenced component schema, as the original's later calls see it.
 * While the SPI's debug level is on, and for the cases that end in the original's errors (no metadata, a
 * wrong parameter count, a schema without type), the original runs instead, so its log lines and messages
 * stay as they are.
 */
interface ParameterMetadata {
  name?: string;
  schema: { type?: string; $ref?: string };
}

interface FunctionMetadata {
  parameters?: ParameterMetadata[];
}

type Validator = ((data: unknown) => boolean) & { errors?: { message?: string }[] | null };

export interface DataMarshallLike {
  ajv: { compile(schema: object): Validator };
  components: unknown;
  fromWireBuffer(
    data: Buffer,
    schema: object,
    loggerPrefix: string,
  ): { value: unknown; validateData: unknown };
  handleParameters(fn: FunctionMetadata, parameters: Buffer[], loggerPrefix: string): unknown[];
}

const require = createRequire(import.meta.url);
const FAST = Symbol.for('coldtrail.fastHandleParameters');

/** Replaces `marshall.handleParameters` (that instance only); returns the same marshall. */
export function fastHandleParameters<M extends DataMarshallLike>(marshall: M): M {
  if ((marshall as unknown as Record<symbol, unknown>)[FAST]) return marshall;
  const original = marshall.handleParameters;
  const logger: { isLevelEnabled(level: string): boolean } = require('fabric-shim/lib/logger').getLogger(
    'contracts-spi/datamarshall.js',
  );
  const compiled = new WeakMap<ParameterMetadata, { schema: object; validator?: Validator }>();
  marshall.handleParameters = function handleParameters(
    this: M,
    fn: FunctionMetadata,
    parameters: Buffer[],
    loggerPrefix: string,
  ) {
    const expectedParams = fn.parameters;
    if (
      !expectedParams ||
      expectedParams.length !== parameters.length ||
      expectedParams.some((p) => !p.schema.type && !p.schema.$ref) ||
      logger.isLevelEnabled('debug')
    ) {
      return original.call(this, fn, parameters, loggerPrefix);
    }
    const returnParams: unknown[] = [];
    for (let i = 0; i < expectedParams.length; i++) {
      const expected = expectedParams[i] as ParameterMetadata;
      let entry = compiled.get(expected);
      if (!entry) {
        entry = {
          schema: { properties: { prop: expected.schema }, components: { schemas: this.components } },
        };
        compiled.set(expected, entry);
      }
      const { value, validateData } = this.fromWireBuffer(
        parameters[i] as Buffer,
        entry.schema,
        loggerPrefix,
      );
      entry.validator ??= this.ajv.compile(entry.schema);
      const validator = entry.validator;
      if (!validator({ prop: validateData })) {
        const errors = JSON.stringify((validator.errors ?? []).map((err) => err.message));
        throw new Error(`Unable to validate parameter due to ${errors}`);
      }
      returnParams.push(value);
    }
    return returnParams;
  };
  (marshall as unknown as Record<symbol, unknown>)[FAST] = true;
  return marshall;
}
