import type { BindingInterface } from '@coldtrail/core';
import { createInProcessBinding, type InProcessBinding } from './in-process-binding.js';

/**
 * Two connected serial ports: the simulated probe opens `devicePath`, the agent opens `hostPath`, both with
 * `binding` (e.g. `new SerialPortStream({ binding, path, baudRate })`, or the agent's `openSource(address,
 * { binding })`). `close()` pulls the cable: ports still open at either end close with `disconnected: true`.
 */
export interface SerialPair {
  readonly kind: 'pty' | 'in-process';
  readonly devicePath: string;
  readonly hostPath: string;
  readonly binding: BindingInterface;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface InProcessPairOptions {
  /** Reuse a binding (e.g. to lay a new cable at the same paths after `close()`). Default: a new one. */
  binding?: InProcessBinding;
  devicePath?: string;
  hostPath?: string;
  /** Largest chunk a read returns; small values split every frame. Default 64. */
  maxReadSize?: number;
}

let pairs = 0;

/** An in-process null-modem cable: needs nothing but Node. */
export function openInProcessPair(options: InProcessPairOptions = {}): SerialPair {
  const binding = options.binding ?? createInProcessBinding({ maxReadSize: options.maxReadSize ?? 64 });
  const n = ++pairs;
  const devicePath = options.devicePath ?? `/dev/coldtrail-sim/probe-${n}`;
  const hostPath = options.hostPath ?? `/dev/coldtrail-sim/host-${n}`;
  binding.link(devicePath, hostPath);
  let closed = false;
  return {
    kind: 'in-process',
    devicePath,
    hostPath,
    binding,
    async close() {
      if (closed) return;
      closed = true;
      binding.unlink(devicePath);
    },
  };
}
