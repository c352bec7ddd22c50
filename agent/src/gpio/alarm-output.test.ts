import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAlarmOutput } from './alarm-output.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-alarm-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));
const value = (gpio: number) => readFile(join(root, `gpio${gpio}`, 'value'), 'utf8');

describe('alarm output on a GPIO value file', () => {
  it('starts off, follows set(), and is off again after close', async () => {
    const alarm = await openAlarmOutput(`gpio://27?direction=out&root=${root}`);
    expect(await value(27)).toBe('0\n');
    await alarm.set(true);
    expect(await value(27)).toBe('1\n');
    await alarm.set(false);
    expect(await value(27)).toBe('0\n');
    await alarm.set(true);
    await alarm.close();
    await alarm.close();
    expect(await value(27)).toBe('0\n');
    await expect(alarm.set(true)).rejects.toThrow(/closed/);
  });

  it('drives a sinking buzzer low for on with active=low, on the line the base names', async () => {
    const alarm = await openAlarmOutput(`gpio://27?active=low&base=512&root=${root}`);
    expect(await value(539)).toBe('1\n');
    await alarm.set(true);
    expect(await value(539)).toBe('0\n');
    await alarm.close();
    expect(await value(539)).toBe('1\n');
  });

  it('ends at the last state asked for when calls overlap', async () => {
    const alarm = await openAlarmOutput(`gpio://27?root=${root}`);
    await Promise.all([alarm.set(true), alarm.set(false), alarm.set(true)]);
    expect(await value(27)).toBe('1\n');
    await alarm.close();
  });

  it('rejects with UNAVAILABLE when the line is gone', async () => {
    const alarm = await openAlarmOutput(`gpio://27?root=${root}`);
    await rm(join(root, 'gpio27'), { recursive: true });
    await expect(alarm.set(true)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: /cannot be switched on/,
    });
    await alarm.close(); // best effort on a gone line: settles
  });

  it('refuses an input address and input options', async () => {
    await expect(openAlarmOutput(`gpio://27?direction=in&root=${root}`)).rejects.toThrow(/must be an output/);
    await expect(openAlarmOutput(`gpio://27?debounce=5&root=${root}`)).rejects.toThrow(/only for inputs/);
  });

  // On a machine with a real sysfs GPIO this would export a real pin, which a test must not do.
  it.skipIf(existsSync('/sys/class/gpio/export'))(
    'without root= goes to onoff, which says what to do where /sys/class/gpio is missing',
    async () => {
      await expect(openAlarmOutput('gpio://27')).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/not accessible[\s\S]*root=DIR/),
      });
    },
  );
});
