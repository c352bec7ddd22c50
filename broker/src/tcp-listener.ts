import { createServer, type Socket } from 'node:net';

export interface TcpListener {
  port: number;
  /** Stops accepting; resolves once every connection has ended (call `destroyAll` to force that). */
  stopAccepting(): Promise<void>;
  destroyAll(): void;
}

/**
 * A TCP server that hands each socket to `onSocket` and tracks it, so shutdown can end connections that never
 * completed an MQTT CONNECT (aedes.close only closes registered clients). Rejects when the port is taken.
 */
export async function listenTcp(
  host: string,
  port: number,
  onSocket: (socket: Socket) => void,
  onError: (err: Error) => void,
): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  let accepting = true;
  const server = createServer((socket) => {
    if (!accepting) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    stopAccepting() {
      accepting = false;
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}
