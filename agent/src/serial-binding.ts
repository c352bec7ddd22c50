import type { BindingInterface } from '@coldtrail/core';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { DisconnectedError, SerialPortStream } from '@serialport/stream';

/** The native binding is a compiled module: imported only when a real port is opened (CONVENTIONS habit 3). */
export async function nativeBinding(): Promise<BindingInterface> {
  try {
    const { SerialPort } = await import('serialport');
    return SerialPort.binding as BindingInterface;
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `node-serialport's native binding failed to load (${(err as Error).message}); run \`npm rebuild @serialport/bindings-cpp\``,
      { cause: err },
    );
  }
}

export interface SerialPortSettings {
  binding: BindingInterface;
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
}

/** Opens an 8-data-bit, 1-stop-bit port; rejects with the binding's error when it cannot be opened. */
export async function openSerialPort(settings: SerialPortSettings): Promise<SerialPortStream> {
  const { binding, path, baudRate, parity } = settings;
  const port = new SerialPortStream({
    binding,
    path,
    baudRate,
    parity,
    dataBits: 8,
    stopBits: 1,
    autoOpen: false,
  });
  // Errors also reach a write callback or the 'close' event; without a listener they would crash the agent.
  port.on('error', () => {});
  // A read of zero bytes is end of file: node-serialport then ends the stream but leaves the port open, so a
  // source would wait on it forever. A tty that was hung up (a USB adapter pulled, a PTY whose other side went)
  // can answer that way instead of EIO; close it as the disconnect it is, so 'close' carries the reason.
  port.on('end', () => {
    if (port.isOpen)
      port.close(undefined, new DisconnectedError(`${path}: end of file (the device hung up)`));
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}
