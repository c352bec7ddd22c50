import { describe, expect, it } from 'vitest';
import { parseGpioAddress } from './gpio-address.js';

describe('parseGpioAddress', () => {
  it('reads a door contact with its defaults', () => {
    expect(parseGpioAddress('gpio://17')).toEqual({
      pin: 17,
      base: 0,
      gpio: 17,
      direction: 'in',
      activeLow: false,
      edge: 'both',
      debounceMs: 50,
      sensor: 'gpio-17',
      timeoutMs: 1000,
      pollMs: 5,
    });
  });

  it('adds the chip base of Raspberry Pi kernels >= 6.6 to the pin (512 on a Pi 4, 571 on a Pi 5)', () => {
    expect(parseGpioAddress('gpio://17?base=512').gpio).toBe(529);
    expect(parseGpioAddress('gpio://17?base=571').gpio).toBe(588);
  });

  it('reads every option', () => {
    expect(
      parseGpioAddress(
        'gpio://4?edge=rising&debounce=0&active=low&sensor=door&timeout=20&root=/tmp/g/&poll=2',
      ),
    ).toMatchObject({
      pin: 4,
      edge: 'rising',
      debounceMs: 0,
      activeLow: true,
      sensor: 'door',
      root: '/tmp/g',
      pollMs: 2,
    });
  });

  it('takes the caller’s default direction, and refuses input options on an output', () => {
    expect(parseGpioAddress('gpio://27', 'out').direction).toBe('out');
    expect(parseGpioAddress('gpio://27?direction=in', 'out').direction).toBe('in');
    expect(() => parseGpioAddress('gpio://27?direction=out&debounce=5&edge=both')).toThrow(
      /edge: only for inputs[\s\S]*debounce: only for inputs/,
    );
  });

  it('lists every problem at once', () => {
    expect(() =>
      parseGpioAddress(
        'gpio://x/y?direction=up&active=no&base=-1&edge=some&debounce=1.5&poll=3&root=rel&sensor=a b&z=1',
      ),
    ).toThrow(
      /pin: "x"[\s\S]*pin: write only[\s\S]*z: unknown[\s\S]*direction:[\s\S]*active:[\s\S]*base:[\s\S]*edge:[\s\S]*debounce:[\s\S]*root: must be an absolute[\s\S]*sensor:/,
    );
    expect(() => parseGpioAddress('gpio://2000')).toThrow(/0\.\.1023/);
    expect(() => parseGpioAddress('gpio://17?poll=2')).toThrow(/poll: only with root=/);
    expect(() => parseGpioAddress('gpio://')).toThrow(/pin/);
  });
});
