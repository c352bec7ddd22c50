/**
 * Follows batches from "PUBACK allowed" to "aedes finished publishing them", so close() does not cut them off.
 * After authorizePublish calls back, aedes writes the PUBACK through mqtt-packet, which corks the socket and
 * uncorks on the next tick (mqtt-packet writeToStream.js), then publishes the packet on a later turn
 * (lib/handlers/publish.js). Closing the broker in between destroys the socket with the PUBACK still corked.
 * aedes hands the very packet object of authorizePublish to the `published` hook (aedes.js PublishState), so
 * identity tells when one is through.
 */
export interface PublishTracker {
  track(packet: object, client: { readonly closed: boolean }): void;
  /** Call from aedes' `published` hook. */
  published(packet: object): void;
  /** Call when a client disconnects: its pending packets will never be published. */
  clientGone(): void;
  /** Resolves once every tracked packet was published or its client is gone. */
  drained(): Promise<void>;
}

export function createPublishTracker(): PublishTracker {
  const pending = new Map<object, { readonly closed: boolean }>();
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    track: (packet, client) => void pending.set(packet, client),
    published(packet) {
      if (pending.delete(packet)) poke();
    },
    clientGone: poke,
    async drained() {
      for (;;) {
        for (const [packet, client] of pending) if (client.closed) pending.delete(packet);
        if (pending.size === 0) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
