import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { CLI } from './run-cli.js';

/**
 * Helpers for the trust-hole tests: what an attacker or an unlucky user does to a data directory at rest,
 * with plain SQL and plain file operations, and a demo that runs in the background to be killed.
 */

/** Every file under `dir` with the SHA-256 of its bytes: two equal trees are byte-for-byte the same. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Runs `fn` on a plain better-sqlite3 connection to `file` (an editor's, not coldtrail's). */
export function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * Cuts the embedded ledger back to block `keep`, consistently: later blocks, their transactions and their key
 * history go, and the world state is rebuilt from the history that is left. Replay alone finds nothing.
 */
export function cutLedgerTail(ledgerFile: string, keep: number): void {
  withDb(ledgerFile, (db) =>
    db.transaction(() => {
      db.prepare('DELETE FROM blocks WHERE number > ?').run(keep);
      db.prepare('DELETE FROM transactions WHERE block_number > ?').run(keep);
      db.prepare('DELETE FROM history WHERE block_number > ?').run(keep);
      db.exec('DELETE FROM state');
      db.exec(`INSERT INTO state (key, value, block_number, tx_index)
        SELECT h.key, h.value, h.block_number, h.tx_index FROM history h
        WHERE h.value IS NOT NULL AND (h.block_number, h.tx_index) = (
          SELECT block_number, tx_index FROM history x WHERE x.key = h.key
          ORDER BY block_number DESC, tx_index DESC LIMIT 1)`);
    })(),
  );
}

/** Removes a device's readings from `cut` on, with their batches, and points the head row at what is left. */
export function cutReadingsTail(readingsFile: string, device: string, cut: number): void {
  withDb(readingsFile, (db) =>
    db.transaction(() => {
      db.prepare('DELETE FROM readings WHERE device = ? AND seq >= ?').run(device, cut);
      db.prepare('DELETE FROM batches WHERE device = ? AND to_seq >= ?').run(device, cut);
      const last = db
        .prepare('SELECT seq, hash FROM readings WHERE device = ? ORDER BY seq DESC LIMIT 1')
        .get(device) as { seq: number; hash: string };
      db.prepare('UPDATE heads SET seq = ?, hash = ? WHERE device = ?').run(last.seq, last.hash, device);
    })(),
  );
}

export interface BackgroundCli {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `re` in stderr. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Starts `coldtrail ...` as its own process and returns at once (to watch, query beside, or kill). */
export function startCli(args: readonly string[]): BackgroundCli {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `no ${re} in the stderr of coldtrail ${args.join(' ')} within ${timeoutMs} ms:\n${err}`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          const m = re.exec(err);
          if (!m) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(m);
        };
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`coldtrail ${args.join(' ')} exited before ${re}:\n${err}`));
          }
        });
        check();
      });
    },
  };
}
