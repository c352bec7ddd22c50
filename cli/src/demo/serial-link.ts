import { openInProcessPair, openPtyPair, type SerialPair, socatAvailable } from '@coldtrail/firmware-sim';

export type SerialChoice = 'auto' | 'pty' | 'in-process';

/**
 * The cable between the simulated probe and the agent. `auto` takes a real PTY pair when socat is installed
 * (the agent then talks to a /dev/pts device exactly as to a USB RS-485 adapter), else the in-process
 * binding, which carries the same Modbus RTU bytes and needs nothing but Node.
 */
export async function openSerialLink(choice: SerialChoice): Promise<SerialPair> {
  if (choice === 'in-process') return openInProcessPair();
  if (choice === 'pty' || socatAvailable()) {
    try {
      return await openPtyPair();
    } catch (err) {
      if (choice === 'pty') throw err;
      return openInProcessPair();
    }
  }
  return openInProcessPair();
}
