import { createRequire } from 'node:module';

/**
 * Makes disabled log levels of fabric-shim's and fabric-contract-api's winston loggers cost nothing. winston
 * decides whether a line is printed only after the whole format chain (timestamp, metadata, colorize, padding,
 * printf) has run on it, in its transports; the SPI logs a few debug lines per transaction, so at the
 * embedded ledger's CRITICAL level (nothing printed) that formatting was a sixth of the CPU per transaction.
 * Each logger's level methods are wrapped to ask winston's own isLevelEnabled first, every call: the level can
 * still change (setLevel, or the environment variable re-read by getLogger). With every logger of a package at
 * one level (as the packages set them) what is printed is exactly what winston prints; with mixed levels a line
 * is printed only if its own logger allows it too (winston alone filters by the level of the package's first
 * logger, whose console transport they all share). Both packages' getLogger is wrapped so loggers made later (e.g. a contract's
 * ctx.logging.getLogger) get the same, and the loggers the SPI uses per transaction are fetched and wrapped
 * in case their modules were loaded before.
 */
interface WinstonLogger {
  levels: Record<string, number>;
  isLevelEnabled(level: string): boolean;
  [level: string]: unknown;
}

interface LoggerModule {
  getLogger(name?: string): WinstonLogger;
}

const require = createRequire(import.meta.url);
const QUIET = Symbol.for('coldtrail.quietLogger');

function quiet(logger: WinstonLogger): WinstonLogger {
  if (logger[QUIET as unknown as string]) return logger;
  for (const level of Object.keys(logger.levels)) {
    const log = logger[level];
    if (typeof log !== 'function') continue;
    logger[level] = function (this: WinstonLogger | undefined, ...args: unknown[]) {
      const self = this ?? logger;
      return self.isLevelEnabled(level) ? log.apply(self, args) : self;
    };
  }
  logger[QUIET as unknown as string] = true;
  return logger;
}

function quietModule(path: string, perTransaction: readonly string[]): void {
  const mod: LoggerModule = require(path);
  const getLogger = mod.getLogger;
  if (!(getLogger as unknown as Record<symbol, unknown>)[QUIET]) {
    const wrapped = (name?: string) => quiet(getLogger.call(mod, name));
    (wrapped as unknown as Record<symbol, unknown>)[QUIET] = true;
    mod.getLogger = wrapped;
  }
  for (const name of perTransaction) mod.getLogger(name);
}

/** Call before the SPI modules load (loggers made earlier are caught by name where the SPI uses them). */
export function quietFabricLoggers(): void {
  quietModule('fabric-shim/lib/logger', [
    'lib/chaincode.js',
    'contracts-spi/chaincodefromcontract.js',
    'contracts-spi/datamarshall.js',
  ]);
  quietModule('fabric-contract-api/lib/logger', ['./lib/contract.js', './lib/jsontransactionserializer.js']);
}
