import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { z } from 'zod';

/**
 * The highest v2 connect-token counter accepted per device (core connect-token.ts): what lets the broker admit a
 * token signed on a wrong clock without admitting a replayed one. Keyed by device AND public key, so a device
 * re-enrolled with a new key (its data dir, holding key and counter, was lost) starts again from 0.
 *
 * Durability contract: `raise` resolves only once the new value is on disk; the broker answers CONNACK after
 * that. A store that forgot a raise after a restart would let a captured token in once more.
 */
export interface ConnectCounterStore {
  last(device: string, publicKey: string): Promise<number | undefined>;
  /** Records `counter` as the highest for the device (never lowers it). */
  raise(device: string, publicKey: string, counter: number): Promise<void>;
}

/** Kept in memory only: enough for tests and the in-process demo; a restart forgets every counter. */
export function memoryConnectCounters(): ConnectCounterStore {
  const map = new Map<string, { publicKey: string; counter: number }>();
  return {
    last: async (device, publicKey) => {
      const e = map.get(device);
      return e?.publicKey === publicKey ? e.counter : undefined;
    },
    raise: async (device, publicKey, counter) => {
      const e = map.get(device);
      if (e?.publicKey === publicKey && e.counter >= counter) return;
      map.set(device, { publicKey, counter });
    },
  };
}

const fileSchema = z.strictObject({
  v: z.literal(1),
  devices: z.record(
    z.string(),
    z.strictObject({ publicKey: z.string(), counter: z.number().int().positive() }),
  ),
});

/**
 * A JSON file the server keeps in its data dir (e.g. `connect-counters.json`), replaced atomically on every raise
 * (temp file, fsync, rename, fsync of the directory): a power cut leaves the old or the new file, never half of
 * one. Raises are rare (one per device connect), so one small file is enough. A file that does not parse is
 * refused at open (CORRUPTED): starting from nothing would re-open replays for every device.
 */
export function fileConnectCounters(path: string): ConnectCounterStore {
  mkdirSync(dirname(path), { recursive: true });
  let data: z.output<typeof fileSchema> = { v: 1, devices: {} };
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const parsed = (() => {
      try {
        return fileSchema.safeParse(JSON.parse(text));
      } catch {
        return undefined;
      }
    })();
    if (!parsed?.success) {
      throw new ColdtrailError(
        ErrorCode.Corrupted,
        `connect counter file ${path} is damaged; restore it from a backup (deleting it lets captured connect ` +
          'tokens of clock-skewed devices be replayed once)',
      );
    }
    data = parsed.data;
  }
  let writing: Promise<void> = Promise.resolve();
  const persist = () => {
    const next = writing.then(() => writeAtomic(path, `${JSON.stringify(data)}\n`));
    writing = next.catch(() => undefined);
    return next;
  };
  return {
    last: async (device, publicKey) => {
      const e = data.devices[device];
      return e?.publicKey === publicKey ? e.counter : undefined;
    },
    raise: async (device, publicKey, counter) => {
      const e = data.devices[device];
      if (e?.publicKey === publicKey && e.counter >= counter) return;
      data = { v: 1, devices: { ...data.devices, [device]: { publicKey, counter } } };
      await persist();
    },
  };
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
