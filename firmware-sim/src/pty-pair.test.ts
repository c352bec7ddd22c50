import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openPtyPair } from './pty-pair.js';
import { ptySupport, socatAvailable } from './socat.js';

const pty = ptySupport();

describe('PTY support gate', () => {
  it('skips with a reason without socat, and fails on CI (CI=true) naming socat and apt-get', () => {
    expect(socatAvailable('socat-that-does-not-exist')).toBe(false);
    const local = ptySupport({ env: {}, command: 'socat-that-does-not-exist', warn: () => {} });
    expect(local).toEqual({
      available: false,
      reason: expect.stringMatching(/SKIPPED: socat is not installed/),
    });
    expect(() => ptySupport({ env: { CI: 'true' }, command: 'socat-that-does-not-exist' })).toThrow(
      /CI=true and socat is missing.*apt-get install -y socat/,
    );
  });

  it('openPtyPair says socat is missing and how to install it', async () => {
    await expect(openPtyPair({ command: 'socat-that-does-not-exist' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/socat is not installed.*apt-get install -y socat/),
    });
  });
});

describe.skipIf(!pty.available)(`socat PTY pair${pty.reason}`, () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('links two serial ports that node-serialport opens, and removes its temp dir on close', async () => {
    const pair = await openPtyPair();
    const open = async (path: string) => {
      const port = new SerialPortStream({ binding: pair.binding, path, baudRate: 9600, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      return port;
    };
    const dev = await open(pair.devicePath);
    const host = await open(pair.hostPath);
    const got = new Promise<Buffer>((resolve) => dev.once('data', resolve));
    host.write(Buffer.from([0x01, 0x04, 0x00, 0x01, 0x00, 0x02, 0x20, 0x0b]));
    expect([...(await got)].slice(0, 2)).toEqual([0x01, 0x04]);
    await new Promise((r) => dev.close(r));
    await new Promise((r) => host.close(r));
    await pair.close();
    await pair.close();
    await expect(access(pair.devicePath)).rejects.toThrow();
    await expect(access(join(pair.devicePath, '..'))).rejects.toThrow();
  });

  it('keeps a caller-given directory and can lay a new pair at the same paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coldtrail-pty-test-'));
    dirs.push(dir);
    const first = await openPtyPair({ dir });
    await first.close();
    await access(dir);
    const second = await openPtyPair({ dir });
    expect(second.hostPath).toBe(first.hostPath);
    await access(second.hostPath);
    await second.close();
  });
});
