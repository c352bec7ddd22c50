import { Channel, deviceTopic, systemClock, type Timer, type TimerClock } from '@coldtrail/core';
import type { MqttClient } from 'mqtt';
import { applyAck } from './ack-applier.js';
import { errorMessage } from './log.js';
import {
  endSession,
  openSession,
  publishQos1,
  STATUS_OFFLINE,
  STATUS_ONLINE,
  whenConnected,
} from './mqtt-session.js';
import type { OutboxBatch } from './outbox.js';
import type { PublisherEvents, PublisherOptions } from './publisher-types.js';
import { TypedEmitter } from './typed-emitter.js';

export type { PublisherEvents, PublisherOptions } from './publisher-types.js';

interface Session {
  client: MqttClient;
  ready: boolean;
  inflight: Set<number>;
  /** fromSeq of the last batch taken in order; every pending batch is sent once per connection. */
  cursor: number;
  /** Batches to send again (timeout or gap), ascending. */
  resend: number[];
  /** PUBACK time (`timers`) per batch not yet acked. */
  pubackAt: Map<number, number>;
}

/**
 * Drains the outbox over MQTT QoS 1 with a window of in-flight batches, and applies the ingest's acks
 * (DESIGN.md §2.4): PUBACK -> sent; `storedUpTo` -> acked; `refused` -> refused + fault record; a batch the
 * ingest resolved but did not store (a gap) -> resent from storedUpTo+1; a batch neither acked nor refused ->
 * resent after `resendTimeoutMs` and after every reconnect. The ingest drops duplicates by (device, seq).
 */
export class Publisher extends TypedEmitter<PublisherEvents> {
  readonly #o: PublisherOptions;
  readonly #timers: TimerClock;
  readonly #topics: { batches: string; status: string; acks: string; config: string; alarms: string };
  readonly #urls: readonly string[];
  readonly #stop = new AbortController();
  #session: Session | undefined;
  #gapTimer: Timer | undefined;
  #resendTimer: Timer | undefined;
  /** Watermark for which a gap resend was already made: one per value, then only timeouts (no storms). */
  #gapResentFor = -1;
  #blockedLogged = -1;
  /** Status fields changed after this connection's online status was built: publish again once ready. */
  #statusDirty = false;
  #loop: Promise<void>;

  constructor(options: PublisherOptions) {
    super(options.log);
    this.#o = options;
    this.#timers = options.timers ?? systemClock;
    const t = (c: Channel) => deviceTopic(options.org, options.device, c);
    this.#topics = {
      batches: t(Channel.Batches),
      status: t(Channel.Status),
      acks: t(Channel.Acks),
      config: t(Channel.Config),
      alarms: t(Channel.Alarms),
    };
    this.#urls = options.urls?.length ? options.urls : options.url ? [options.url] : [];
    if (this.#urls.length === 0) throw new TypeError('Publisher needs url or urls');
    this.#loop = this.#run();
  }

  get connected(): boolean {
    return this.#session?.ready ?? false;
  }

  /** New batches are in the outbox: send what the window allows. */
  kick(): void {
    this.#pump();
  }

  /**
   * Publishes `payload` on the device's alarms topic (QoS 1); resolves on PUBACK, rejects when not connected or
   * the connection goes first (the caller keeps it and publishes it again after the next connect).
   */
  publishAlarm(payload: string): Promise<void> {
    const s = this.#session;
    if (!s?.ready) return Promise.reject(new Error('not connected'));
    return publishQos1(s.client, this.#topics.alarms, payload);
  }

  /** Publishes the retained online status again (its `statusFields` changed); a no-op while offline. */
  refreshStatus(): void {
    const s = this.#session;
    if (!s?.ready) {
      this.#statusDirty = true;
      return;
    }
    publishQos1(s.client, this.#topics.status, this.#statusOnline(), true).catch((err: unknown) =>
      this.#o.log.warn('could not publish status', { error: errorMessage(err) }),
    );
  }

  #statusOnline(): string {
    const extra = this.#o.statusFields?.() ?? {};
    return Object.keys(extra).length === 0 ? STATUS_ONLINE : JSON.stringify({ state: 'online', ...extra });
  }

  /** Idempotent. Publishes offline status, then drops the connection; the outbox stays open (caller's). */
  async close(): Promise<void> {
    const s = this.#session;
    if (s?.ready && !this.#stop.signal.aborted) {
      s.ready = false;
      // A graceful DISCONNECT discards the will [MQTT-3.14.4-3], so say offline ourselves (bounded wait).
      let bound: Timer | undefined;
      await Promise.race([
        publishQos1(s.client, this.#topics.status, STATUS_OFFLINE, true).catch(() => undefined),
        new Promise<void>((resolve) => {
          bound = this.#timers.setTimeout(resolve, 1000, { unref: true });
        }),
      ]);
      bound?.cancel();
    }
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const stopped = abortion(this.#stop.signal);
    let failures = 0;
    let attempt = 0;
    while (!this.#stop.signal.aborted) {
      let reason = 'connection closed';
      let wasReady = false;
      const url = this.#urls[attempt++ % this.#urls.length] as string;
      try {
        const tokenTime = this.#o.wallNow ? this.#o.wallNow() : this.#timers.now();
        const counter = this.#o.connectCounter?.();
        const client = await openSession({ ...this.#o, url, tokenTime, counter });
        client.on('error', (err) => {
          reason = err.message;
          this.#o.log.warn('mqtt error', { error: err.message });
        });
        const ended = Promise.race([new Promise<void>((r) => client.once('close', () => r())), stopped]);
        try {
          await Promise.race([whenConnected(client), ended]);
          if (client.connected && !this.#stop.signal.aborted) {
            const began = this.#begin(client).then(() => {
              wasReady = this.#session?.client === client;
            });
            await Promise.race([began, ended]);
            await ended;
          }
        } finally {
          this.#end();
          await endSession(client);
        }
      } catch (err) {
        reason = errorMessage(err);
      }
      if (wasReady) this.emit('disconnected', { reason });
      if (this.#stop.signal.aborted) break;
      failures = wasReady ? 0 : failures + 1;
      const wait = Math.min(this.#o.reconnectMaxMs, this.#o.reconnectMinMs * 2 ** Math.min(failures, 16));
      const next = this.#urls[attempt % this.#urls.length];
      this.#o.log.warn('mqtt connection lost; reconnecting', { reason, url, next, inMs: wait });
      await this.#timers.sleep(wait, this.#stop.signal);
    }
  }

  async #begin(client: MqttClient): Promise<void> {
    const s: Session = {
      client,
      ready: false,
      inflight: new Set(),
      cursor: 0,
      resend: [],
      pubackAt: new Map(),
    };
    this.#session = s;
    client.on('message', (topic, payload) => {
      if (topic === this.#topics.acks) this.#onAck(payload);
      else if (topic === this.#topics.config) this.emit('config', payload);
    });
    const granted = await client.subscribeAsync([this.#topics.acks, this.#topics.config], { qos: 1 });
    for (const g of granted.filter((x) => x.qos === 128)) {
      this.#fail(
        new Error(
          `broker refused the subscription to ${g.topic}; no ${g.topic.split('/').pop()} will arrive`,
        ),
      );
    }
    this.#statusDirty = false;
    await publishQos1(client, this.#topics.status, this.#statusOnline(), true);
    if (this.#session !== s) return;
    s.ready = true;
    if (this.#statusDirty) this.refreshStatus(); // e.g. the retained config arrived meanwhile
    this.#resendTimer = this.#timers.setInterval(
      () => this.#checkTimeouts(),
      Math.max(10, this.#o.resendTimeoutMs / 4),
      { unref: true },
    );
    this.emit('connected');
    this.#pump();
  }

  #end(): void {
    if (this.#session) this.#session.ready = false;
    this.#session = undefined;
    this.#resendTimer?.cancel();
    this.#gapTimer?.cancel();
  }

  #pump(): void {
    const s = this.#session;
    if (!s?.ready) return;
    try {
      while (s.inflight.size < this.#o.inflightWindow) {
        const batch = this.#next(s);
        if (!batch) return;
        this.#publish(s, batch);
      }
    } catch (err) {
      this.#fail(err);
    }
  }

  #next(s: Session): OutboxBatch | undefined {
    while (s.resend.length > 0) {
      const b = this.#o.outbox.batch(s.resend.shift()!);
      if (b && (b.state === 'queued' || b.state === 'sent') && !s.inflight.has(b.fromSeq)) return b;
    }
    const [b] = this.#o.outbox.pendingBatches(s.cursor, 1);
    if (b) s.cursor = b.fromSeq;
    return b;
  }

  #publish(s: Session, batch: OutboxBatch): void {
    let payload: Buffer;
    try {
      payload = this.#o.outbox.batchPayload(batch);
    } catch (err) {
      this.#fail(err);
      return;
    }
    s.inflight.add(batch.fromSeq);
    s.client.publish(this.#topics.batches, payload, { qos: 1 }, (err) => {
      s.inflight.delete(batch.fromSeq);
      if (err || this.#session !== s) return; // connection gone: resent on the next connection
      try {
        if (this.#o.outbox.markSent(batch.fromSeq)) this.emit('sent', { ...batch, state: 'sent' });
        const state = this.#o.outbox.batch(batch.fromSeq)?.state;
        if (state === 'sent') s.pubackAt.set(batch.fromSeq, this.#timers.now());
      } catch (e) {
        this.#fail(e);
      }
      this.#armGapCheck();
      this.#pump();
    });
  }

  #onAck(payload: Buffer): void {
    const outcome = applyAck(this.#o.outbox, payload, this.#o.clock.now(), this.#o.log);
    if (!outcome) return;
    const s = this.#session;
    for (const b of [...outcome.acked, ...outcome.refusals.flatMap((r) => r.batches)])
      s?.pubackAt.delete(b.fromSeq);
    if (outcome.acked.length > 0)
      this.emit('acked', { storedUpTo: outcome.storedUpTo, batches: outcome.acked });
    for (const r of outcome.refusals) this.emit('refused', r);
    this.#armGapCheck();
    this.#pump();
  }

  #armGapCheck(): void {
    this.#gapTimer?.cancel();
    this.#gapTimer = this.#timers.setTimeout(() => this.#checkGap(), this.#o.gapGraceMs, { unref: true });
  }

  /**
   * A batch PUBACKed (so the ingest resolved it) that sits right above the watermark was not stored: the
   * ingest saw a gap. Resend everything pending from storedUpTo+1, once per watermark value.
   */
  #checkGap(): void {
    const s = this.#session;
    if (!s?.ready) return;
    try {
      const w = this.#o.outbox.storedUpTo();
      const b = this.#firstUnstored(w);
      if (b?.state !== 'sent' || s.inflight.has(b.fromSeq) || this.#gapResentFor === w) return;
      this.#gapResentFor = w;
      const again = this.#o.outbox.pendingBatches(w, 1_000_000).map((x) => x.fromSeq);
      this.#o.log.warn('ingest reports a gap; resending from its watermark', { storedUpTo: w });
      this.#queueResend(
        s,
        again.filter((f) => !s.inflight.has(f)),
        'gap',
      );
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Resends batches PUBACKed longer than resendTimeoutMs ago and still not acked. */
  #checkTimeouts(): void {
    const s = this.#session;
    if (!s?.ready) return;
    try {
      const w = this.#o.outbox.storedUpTo();
      if (!this.#firstUnstored(w)) return;
      const due = this.#timers.now() - this.#o.resendTimeoutMs;
      const late = [...s.pubackAt].filter(([f, t]) => t <= due && !s.inflight.has(f)).map(([f]) => f);
      for (const f of late) s.pubackAt.delete(f);
      if (late.length > 0) this.#queueResend(s, late, 'timeout');
    } catch (err) {
      this.#fail(err);
    }
  }

  /** The batch holding storedUpTo+1, unless nothing can be stored: refused (logged once) or nothing pending. */
  #firstUnstored(w: number): OutboxBatch | undefined {
    const b = this.#o.outbox.batchContaining(w + 1);
    if (b?.state !== 'refused') return b;
    if (this.#blockedLogged !== w) {
      this.#blockedLogged = w;
      this.#o.log.error('delivery is blocked: the ingest refused the batch right above its watermark', {
        storedUpTo: w,
        refused: `${b.fromSeq}-${b.toSeq}`,
      });
    }
    return undefined;
  }

  #queueResend(s: Session, fromSeqs: number[], reason: 'timeout' | 'gap'): void {
    s.resend = [...new Set([...s.resend, ...fromSeqs])].sort((a, b) => a - b);
    if (fromSeqs.length > 0) this.emit('resent', { fromSeqs, reason });
    this.#pump();
  }

  #fail(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.#o.log.error('publisher error', { error: e.message });
    this.emit('error', e);
  }
}

function abortion(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
