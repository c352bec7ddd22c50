import type { BindingInterface } from '@coldtrail/core';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { SerialLine, type SerialLineOptions } from './serial-line.js';

/** How a source wants its bus opened; every source on one serial path must agree on all of it. */
export interface BusSettings {
  path: string;
  baudRate: number;
  parity: SerialLineOptions['parity'];
  /** The adapter writes every request back before the reply (two-wire RS-485): a property of the line. */
  echo: boolean;
  binding: BindingInterface;
  /** The address asking, named in a conflict error. */
  address: string;
}

/** One source's share of a bus; `release()` is idempotent and closes the port with the last share. */
export interface BusLease {
  readonly line: SerialLine;
  release(): Promise<void>;
}

/**
 * Serial lines by device path, shared by the sources whose addresses name the same path: several Modbus
 * probes on one RS-485 bus use one port, and its SerialLine lets one request onto the wire at a time.
 */
export interface BusRegistry {
  acquire(settings: BusSettings): Promise<BusLease>;
  /** Paths with a line open or opening. */
  readonly size: number;
}

interface Entry {
  line: SerialLine;
  settings: BusSettings;
  users: number;
}

export function createBusRegistry(): BusRegistry {
  const entries = new Map<string, Entry>();
  /** A line whose last lease went is closing: a new line on that path waits for the port to be free. */
  const closing = new Map<string, Promise<void>>();

  async function acquire(settings: BusSettings): Promise<BusLease> {
    const { path } = settings;
    for (let previous = closing.get(path); previous; previous = closing.get(path)) await previous;
    let entry = entries.get(path);
    if (entry) {
      const conflict = conflicts(entry.settings, settings);
      if (conflict.length > 0) {
        throw new ColdtrailError(
          ErrorCode.InvalidConfig,
          `${settings.address}: the bus ${path} is already open by ${entry.settings.address} with ` +
            `${conflict.map((c) => `${c.name} ${c.open}`).join(', ')}, not ${conflict.map((c) => c.asked).join(', ')}; ` +
            'every probe on one RS-485 bus must use the same baud, parity and echo',
          { details: { path, address: settings.address, openedBy: entry.settings.address } },
        );
      }
      entry.users++;
    } else {
      const { baudRate, parity, binding } = settings;
      entry = { line: new SerialLine({ path, baudRate, parity, binding }), settings, users: 1 };
      entries.set(path, entry);
    }
    const held = entry;
    let released = false;
    return {
      line: held.line,
      async release() {
        if (released) return;
        released = true;
        if (--held.users > 0) return;
        entries.delete(path);
        const done = held.line.close().finally(() => {
          if (closing.get(path) === done) closing.delete(path);
        });
        closing.set(path, done);
        await done;
      },
    };
  }

  return {
    acquire,
    get size() {
      return entries.size;
    },
  };
}

function conflicts(open: BusSettings, asked: BusSettings) {
  const out: { name: string; open: string; asked: string }[] = [];
  if (open.baudRate !== asked.baudRate)
    out.push({ name: 'baud', open: String(open.baudRate), asked: `baud ${asked.baudRate}` });
  if (open.parity !== asked.parity)
    out.push({ name: 'parity', open: open.parity, asked: `parity ${asked.parity}` });
  if (open.echo !== asked.echo)
    out.push({ name: 'echo', open: String(open.echo), asked: `echo ${asked.echo}` });
  if (open.binding !== asked.binding)
    out.push({ name: 'serial binding', open: 'of its own', asked: 'another serial binding' });
  return out;
}

/**
 * The registry sources share unless they are given one: an agent's sources are opened one by one from its
 * config, and those naming one path must meet on one port. Tests pass their own (ModbusSourceDeps.buses).
 */
export const sharedBusRegistry: BusRegistry = createBusRegistry();
