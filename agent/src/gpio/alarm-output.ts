import { ColdtrailError, ErrorCode, systemClock, type TimerClock } from '@coldtrail/core';
import { type GpioAddress, parseGpioAddress } from './gpio-address.js';
import { GpioDirection, type GpioLevel, type GpioPort, type OpenGpioPort } from './gpio-port.js';
import { openGpioPort } from './open-gpio-port.js';

/** A local alarm signal (LED, buzzer) the agent drives while a shipment is out of its profile, online or not. */
export interface AlarmOutput {
  readonly address: string;
  /** Switches the alarm on or off. Rejects with UNAVAILABLE when the line cannot be driven. */
  set(on: boolean): Promise<void>;
  /** Switches the alarm off and releases the line. Idempotent. */
  close(): Promise<void>;
}

export interface AlarmOutputDeps {
  openPort?: OpenGpioPort;
  timers?: TimerClock;
}

/**
 * Opens an alarm output on a GPIO line: `gpio://27?direction=out[&active=low][&base=512]` (direction defaults
 * to out here). The line starts off, set as it is exported, so a reboot does not sound the buzzer; `active=low`
 * is for a buzzer or LED wired to sink current (on = low).
 */
export async function openAlarmOutput(address: string, deps: AlarmOutputDeps = {}): Promise<AlarmOutput> {
  const config = parseGpioAddress(address, GpioDirection.Out);
  if (config.direction !== GpioDirection.Out) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `alarm output "${address}": must be an output (direction=out)`,
    );
  }
  const level = (on: boolean): GpioLevel => ((on ? 1 : 0) ^ (config.activeLow ? 1 : 0)) as GpioLevel;
  const open = deps.openPort ?? ((o) => openGpioPort(o, { timers: deps.timers ?? systemClock }));
  const port = await open({
    gpio: config.gpio,
    direction: GpioDirection.Out,
    initial: level(false),
    ...(config.root === undefined ? {} : { root: config.root }),
  });
  return new GpioAlarm(address, config, port, level);
}

class GpioAlarm implements AlarmOutput {
  #closed = false;
  #writes: Promise<void> = Promise.resolve();

  constructor(
    readonly address: string,
    private readonly config: GpioAddress,
    private readonly port: GpioPort,
    private readonly level: (on: boolean) => GpioLevel,
  ) {}

  /** Writes are serialised, so the line ends at the last state asked for. */
  set(on: boolean): Promise<void> {
    if (this.#closed)
      return Promise.reject(
        new ColdtrailError(ErrorCode.Unavailable, `alarm output ${this.address} is closed`),
      );
    const write = this.#writes.then(() => this.#write(on));
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes;
    await this.#write(false).catch(() => undefined); // best effort: the line may be gone already
    await this.port.close();
  }

  async #write(on: boolean): Promise<void> {
    try {
      await this.port.write(this.level(on));
    } catch (err) {
      throw new ColdtrailError(
        ErrorCode.Unavailable,
        `alarm output ${this.address} (GPIO ${this.config.gpio}) cannot be switched ${on ? 'on' : 'off'}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
