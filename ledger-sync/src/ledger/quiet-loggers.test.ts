import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { quietFabricLoggers } from './quiet-loggers.js';

// fabric-shim's real winston loggers after quietFabricLoggers: disabled levels never reach winston's stream,
// enabled ones still reach the console transport, and the level can change afterwards.
const require = createRequire(import.meta.url);
type Logger = {
  level: string;
  transports: {
    parent?: { level: string };
    log(info: { message: string; level: string }, next: () => void): void;
  }[];
  write(info: unknown): boolean;
  debug(...args: unknown[]): Logger;
  info(...args: unknown[]): Logger;
  error(...args: unknown[]): Logger;
};
const shimLogger: { getLogger(name: string): Logger } = require('fabric-shim/lib/logger');
const apiLogger: { getLogger(name: string): Logger } = require('fabric-contract-api/lib/logger');

afterEach(() => {
  vi.restoreAllMocks();
  for (const undo of restore.splice(0).reverse()) undo();
});

async function printed(logger: Logger, act: () => void): Promise<string[]> {
  const seen: string[] = [];
  const transport = logger.transports[0];
  if (!transport) throw new Error('logger has no transport');
  vi.spyOn(transport, 'log').mockImplementation((info, next) => {
    seen.push(`${info.message}`.trim()); // padLevels pads the message
    next();
  });
  act();
  await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

/**
 * Each package's loggers share one console transport, and winston filters there by the level of the logger
 * that was piped to it first (winston-transport's 'pipe' handler): set that one's level too, as the packages'
 * setLevel does for all of them.
 */
function setLevel(logger: Logger, level: string): void {
  logger.level = level;
  const parent = logger.transports[0]?.parent;
  if (parent) {
    const before = parent.level;
    parent.level = level;
    restore.push(() => {
      parent.level = before;
    });
  }
}
const restore: (() => void)[] = [];

describe('quietFabricLoggers', () => {
  it('skips winston for disabled levels and prints enabled ones, following level changes', async () => {
    quietFabricLoggers();
    quietFabricLoggers(); // idempotent: one wrapper, not two
    for (const module of [shimLogger, apiLogger]) {
      const logger = module.getLogger('coldtrail-quiet-test');
      const write = vi.spyOn(logger, 'write');
      setLevel(logger, 'info');
      expect(logger.debug('hidden', { detail: 1 })).toBe(logger);
      expect(write).not.toHaveBeenCalled();
      expect(await printed(logger, () => logger.info('shown'))).toEqual(['shown']);
      setLevel(logger, 'debug');
      expect(await printed(logger, () => logger.debug('now shown'))).toEqual(['now shown']);
      // What CORE_CHAINCODE_LOGGING_LEVEL=CRITICAL maps to: winston prints nothing at all then.
      setLevel(logger, 'fatal');
      write.mockClear();
      expect(await printed(logger, () => logger.error('not shown'))).toEqual([]);
      expect(write).not.toHaveBeenCalled();
    }
  });

  it('covers the loggers the contract SPI logs to on every transaction', () => {
    quietFabricLoggers();
    const logger = shimLogger.getLogger('contracts-spi/datamarshall.js');
    logger.level = 'fatal';
    const write = vi.spyOn(logger, 'write');
    logger.debug('a', 'b');
    expect(write).not.toHaveBeenCalled();
  });
});
