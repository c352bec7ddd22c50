import { createRequire } from 'node:module';
import { cachingClientIdentity } from './client-identity-cache.js';
import { quietFabricLoggers } from './quiet-loggers.js';
import type { SimulationStub } from './simulation-stub.js';
import { type DataMarshallLike, fastHandleParameters } from './spi-parameters.js';

/**
 * Runs the coldtrail contract class in-process through fabric-shim's contract SPI
 * (`fabric-shim/lib/contract-spi/chaincodefromcontract`), the same code a peer-connected chaincode runs:
 * `Contract:Fn` routing, parameter marshalling and validation from the decorator metadata, ClientIdentity
 * from the creator certificate, and `shim.success`/`shim.error` responses. It is a deep import of a
 * CommonJS internal, so fabric-shim is pinned to ~2.5 (see ../shared/DEPENDENCIES.md).
 */
export interface ChaincodeResponse {
  status: number;
  payload: Buffer;
  message: string;
}

export interface ContractRuntime {
  invoke(stub: SimulationStub): Promise<ChaincodeResponse>;
}

interface SpiChaincode {
  Invoke(stub: unknown): Promise<{ status: number; payload?: Uint8Array; message?: string }>;
  contractImplementations: Record<string, { dataMarshall: DataMarshallLike }>;
}

const require = createRequire(import.meta.url);
const SPI_MODULE = 'fabric-shim/lib/contract-spi/chaincodefromcontract';

/**
 * The SPI module with ClientIdentity parsed once per creator (see client-identity-cache.ts). The SPI takes
 * `ClientIdentity` from lib/chaincode.js's exports when it loads, into a module constant; so a private copy of
 * the module is loaded while that export is the caching constructor, and the export and require cache are put
 * back at once: anything else in the process that uses fabric-shim gets it unchanged.
 */
function loadSpi(): new (...args: unknown[]) => SpiChaincode {
  const shim = require('fabric-shim/lib/chaincode');
  const path = require.resolve(SPI_MODULE);
  const Original = shim.ClientIdentity;
  const cached = require.cache[path];
  delete require.cache[path];
  shim.ClientIdentity = cachingClientIdentity(Original);
  try {
    return require(SPI_MODULE);
  } finally {
    shim.ClientIdentity = Original;
    if (cached) require.cache[path] = cached;
    else delete require.cache[path];
  }
}

let loading: Promise<ContractRuntime> | undefined;

async function load(): Promise<ContractRuntime> {
  // The SPI logs through winston to stdout at info level by default (every decorator, every failed
  // transaction). Failures reach the caller as errors anyway, and stdout belongs to the CLI (--json). The level
  // comes from CORE_CHAINCODE_LOGGING_LEVEL, the variable a peer sets for its chaincode, read whenever a logger
  // is created or fetched; so it is set here (unless an operator chose one) before the modules load. Their own
  // setLevel() cannot be used: it stores the winston name ('fatal'), which getLogger maps back to 'info'.
  process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
  // winston formats every line before its transports drop it: disabled levels are made to return at once.
  quietFabricLoggers();
  const { contracts } = await import('@coldtrail/chaincode');
  const ChaincodeFromContract = loadSpi();
  const { JSONSerializer } = require('fabric-contract-api');
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  // The SPI appends its system contract to the array and fills in the metadata object: give it fresh ones.
  const chaincode: SpiChaincode = new ChaincodeFromContract(
    [...contracts],
    serializers,
    {},
    'coldtrail',
    '0.1.0',
  );
  // Parameter marshalling without the per-call schema compile and eager debug formatting (spi-parameters.ts).
  for (const impl of Object.values(chaincode.contractImplementations))
    fastHandleParameters(impl.dataMarshall);
  return {
    async invoke(stub) {
      const res = await chaincode.Invoke(stub);
      return {
        status: res.status,
        payload: Buffer.from(res.payload ?? []),
        message: res.message ?? '',
      };
    },
  };
}

/** One runtime per process: the contract metadata lives in globals of fabric-contract-api anyway. */
export function contractRuntime(): Promise<ContractRuntime> {
  loading ??= load().catch((err) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
