import type { Socket } from 'node:net';

/**
 * Closes a connection as soon as an MQTT fixed header announces a packet whose Remaining Length exceeds
 * `maxRemainingLength`, before its body is buffered. aedes' parser (mqtt-packet) has no size cap and would
 * hold up to 256 MB per connection, so one client could exhaust the broker's memory.
 *
 * aedes reads the socket in paused mode ('readable' + read()); a 'data' listener added after it sees each
 * chunk as aedes reads it (Node stream docs: with both listeners, 'readable' controls the flow), so this only
 * watches the framing: fixed header byte, Remaining Length varint (MQTT 3.1.1 §2.2.3), then skips the body.
 */
export function guardPacketSize(
  socket: Socket,
  maxRemainingLength: number,
  onOversize: (announced: number) => void,
): void {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let toSkip = 0;

  socket.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'body') {
        const n = Math.min(toSkip, chunk.length - i);
        toSkip -= n;
        i += n;
        if (toSkip === 0) state = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (state === 'type') {
        state = 'length';
        length = 0;
        multiplier = 1;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (byte & 0x80) {
        // More than four length bytes is malformed; aedes' parser reports that itself.
        if (multiplier > 128 ** 4) return;
        continue;
      }
      if (length > maxRemainingLength) {
        socket.destroy();
        onOversize(length);
        return;
      }
      toSkip = length;
      state = length === 0 ? 'type' : 'body';
    }
  });
}
