import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isColdtrailError, type Sample } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from './agent.js';
import { scriptedSource } from './fixtures/scripted-source.js';
import { type Log, silentLog } from './log.js';
import { Outbox } from './outbox.js';
import { openCheckedOutbox } from './outbox-integrity.js';

const T0 = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 5, 1, 12, 30);
const temp = (value: number): Sample => ({ sensor: 'probe-1', kind: 'temperature', value, unit: 'CEL' });

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-integrity-'));
  path = join(dir, 'outbox.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An outbox with `n` records, closed cleanly. */
function makeOutbox(n = 200): void {
  const o = Outbox.open(path, { device: 'dev-1' });
  for (let i = 0; i < n; i++) o.append([temp(i / 10)], T0 + i * 60_000);
  o.close();
}
/** As a power cut leaves it: the outbox with its -wal and -shm, copied while the writer still had it open. */
function makeCrashedOutbox(): void {
  const o = Outbox.open(join(dir, 'live.sqlite'), { device: 'dev-1' });
  for (let i = 0; i < 50; i++) o.append([temp(i)], T0 + i * 60_000);
  for (const s of ['', '-wal', '-shm']) copyFileSync(join(dir, `live.sqlite${s}`), path + s);
  o.close();
  for (const s of ['', '-wal', '-shm']) rm(join(dir, `live.sqlite${s}`), { force: true });
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
function overwrite(offset: number, bytes: Buffer): void {
  const b = readFileSync(path);
  bytes.copy(b, offset);
  writeFileSync(path, b);
}
function refused(fn: () => unknown): Error & { details?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the outbox to be refused');
}
function logLines() {
  const errors: { message: string; fields?: Record<string, unknown> }[] = [];
  const log: Log = { ...silentLog, error: (message, fields) => void errors.push({ message, fields }) };
  return { log, errors };
}

describe('openCheckedOutbox', () => {
  it('detects pages overwritten with garbage (quick_check)', () => {
    makeOutbox(400);
    overwrite(4096 * 3, Buffer.alloc(4096 * 2, 0x5a)); // pages 4-5 of the file turn to garbage
    const err = refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW }));
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    expect(err.message).toMatch(/is damaged \((quick_check|SQLite cannot read it)/);
  });

  it('moves a damaged file aside with its -wal/-shm, byte for byte, and says what to do', () => {
    makeCrashedOutbox();
    overwrite(0, Buffer.from('garbage where the SQLite header was'));
    const before = { main: sha(path), wal: sha(`${path}-wal`), shm: sha(`${path}-shm`) };
    const { log, errors } = logLines();
    const err = refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW, log }));
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    const aside = join(dir, 'outbox.corrupt-2026-06-01T12-30-00-000Z.sqlite');
    expect(err.message).toContain(`kept as ${aside}`);
    expect(err.message).toMatch(/will not start a new chain over it/);
    expect(err.message).toMatch(/coldtrail agent init --device NEW-ID/);
    expect(errors.map((e) => e.fields?.movedTo)).toEqual([aside]);
    expect(existsSync(path) || existsSync(`${path}-wal`) || existsSync(`${path}-shm`)).toBe(false);
    expect({ main: sha(aside), wal: sha(`${aside}-wal`), shm: sha(`${aside}-shm`) }).toEqual(before);
  });

  it('detects a truncated file and a file of garbage', () => {
    makeOutbox();
    truncateSync(path, 4096 + 100);
    expect(refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW })).message).toMatch(
      /is damaged/,
    );
    writeFileSync(path, Buffer.alloc(20_000, 0x42));
    const err = refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW + 1 }));
    expect(err.message).toMatch(/does not start with the SQLite header/);
    expect(readdirSync(dir).filter((n) => n.includes('corrupt')).length).toBe(2);
  });

  it('moves aside an outbox whose newest record no longer matches its hash (edited at rest)', () => {
    makeOutbox(3);
    const b = readFileSync(path);
    const at = b.lastIndexOf(Buffer.from('"value":0.2'));
    expect(at).toBeGreaterThan(0);
    overwrite(at, Buffer.from('"value":9.2'));
    expect(refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW })).message).toMatch(
      /does not match its stored hash/,
    );
  });

  it('keeps refusing after the file was moved aside, creating nothing, until the operator acts', () => {
    makeOutbox();
    overwrite(0, Buffer.from('not an SQLite file'));
    refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW }));
    const err = refused(() => openCheckedOutbox(path, { device: 'dev-1', now: () => NOW + 60_000 }));
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    expect(err.message).toMatch(/was moved aside at an earlier start/);
    expect(existsSync(path)).toBe(false);
  });

  it('opens a sound outbox (with or without a leftover -wal) and an empty file left by a first start', () => {
    makeOutbox(5);
    const o = openCheckedOutbox(path, { device: 'dev-1' });
    expect(o.head().seq).toBe(5);
    o.close();
    rm(path, { force: true });
    makeCrashedOutbox();
    const crashed = openCheckedOutbox(path, { device: 'dev-1' });
    expect(crashed.head().seq).toBe(50); // the committed records in the -wal are there
    crashed.close();
    writeFileSync(join(dir, 'other.sqlite'), '');
    const fresh = openCheckedOutbox(join(dir, 'other.sqlite'), { device: 'dev-1' });
    expect(fresh.head().seq).toBe(0);
    fresh.close();
    // a device mismatch is a config problem, not damage: nothing is moved
    expect(() => openCheckedOutbox(path, { device: 'dev-2' })).toThrow(/belongs to device dev-1/);
    expect(existsSync(path)).toBe(true);
  });

  it('makes the agent refuse to start on a damaged outbox, naming the file it moved aside', async () => {
    makeOutbox();
    truncateSync(path, 5000);
    const { log, errors } = logLines();
    const err = await start(
      { device: 'dev-1', org: 'acme', dataDir: dir, mqttUrl: 'mqtt://127.0.0.1:1' },
      { sources: [scriptedSource(() => [temp(1)])], log, wallNow: () => NOW },
    ).catch((e: unknown) => e as Error);
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    expect(errors).toHaveLength(1);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(dir, 'outbox.corrupt-2026-06-01T12-30-00-000Z.sqlite'))).toBe(true);
  });
});
