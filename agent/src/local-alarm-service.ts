import { type AgentConfigMessage, parseAgentConfigMessage, type ReadingRecord } from '@coldtrail/core';
import type { AlarmOutput } from './alarm-output.js';
import { type AlarmMessage, type LocalState, loadLocalState, saveLocalState } from './local-alarm-state.js';
import { type ActiveAlarm, type AlarmTransition, LocalAlarmEvaluator } from './local-alarms.js';
import { errorMessage, type Log } from './log.js';

/** Alarm messages kept for publishing at most; past it the oldest are dropped, counted and logged. */
export const MAX_PENDING_ALARMS = 10_000;

/** What the service needs of the publisher (agent/src/publisher.ts). */
export interface AlarmLink {
  readonly connected: boolean;
  publishAlarm(payload: string): Promise<void>;
  refreshStatus(): void;
}

export interface LocalAlarmsOptions {
  dataDir: string;
  device: string;
  /** How long one sample covers (the sampling period). */
  periodMs: number;
  output: AlarmOutput;
  /** Wall time for logs and the config's acceptedAt. */
  now: () => number;
  log: Log;
  onMessage?: (m: AlarmMessage) => void;
}

/**
 * Local alarms: applies the `.../config` downlink (validated; the last accepted one persisted), evaluates the
 * profile on each temperature record (local-alarms.ts), drives the LED/buzzer and queues one `.../alarms`
 * message per raise/clear, published in order whenever connected (the queue is persisted with the state, so
 * alarms raised offline, or before a restart, go out when the connection returns).
 */
export class LocalAlarms {
  readonly #o: LocalAlarmsOptions;
  #state: LocalState;
  #evaluator: LocalAlarmEvaluator | undefined;
  #link: AlarmLink | undefined;
  #outputOn: boolean | undefined;
  #outputChain: Promise<void> = Promise.resolve();
  #flushing = false;
  #closed = false;

  constructor(options: LocalAlarmsOptions) {
    this.#o = options;
    this.#state = loadLocalState(options.dataDir, options.now(), options.log);
    const profile = this.#state.config?.message.profile;
    if (profile) this.#evaluator = new LocalAlarmEvaluator(profile, options.periodMs, this.#state.alarms);
    this.#setOutput(); // an alarm active before a restart sounds again at once
  }

  get config(): AgentConfigMessage | null {
    return this.#state.config?.message ?? null;
  }

  get active(): readonly ActiveAlarm[] {
    return this.#state.alarms.active;
  }

  get pending(): number {
    return this.#state.pending.length;
  }

  /** Fields of the retained online status. */
  statusFields(): Record<string, unknown> {
    const s = this.#state;
    return {
      shipment: s.config?.message.shipment ?? null,
      profile: s.config?.message.profile?.id ?? null,
      ...(s.configRejected ? { configRejected: s.configRejected } : {}),
      alarms: s.alarms.active.length,
    };
  }

  /** Where alarm messages go; flushes the queue whenever it is connected. */
  attach(link: AlarmLink): void {
    this.#link = link;
    void this.flush();
  }

  /** A payload from the retained config topic: hostile input, validated; a bad one is logged and ignored. */
  onConfig(payload: Buffer): void {
    const at = new Date(this.#o.now()).toISOString();
    if (payload.byteLength === 0) {
      this.#o.log.warn('config downlink cleared (empty retained message); keeping the last accepted one');
      return;
    }
    let message: AgentConfigMessage;
    try {
      message = parseAgentConfigMessage(payload);
    } catch (err) {
      const reason = errorMessage(err);
      this.#o.log.warn('config downlink refused; keeping the last accepted one', { reason });
      this.#state = { ...this.#state, configRejected: { at, reason } };
      this.#save();
      this.#link?.refreshStatus();
      return;
    }
    const old = this.#state.config?.message;
    // The retained message comes again at every connect: the same one changes nothing.
    const same = old !== undefined && JSON.stringify(old) === JSON.stringify(message);
    if (same && !this.#state.configRejected) return;
    let transitions: AlarmTransition[] = [];
    if (!same) {
      // Another shipment or profile, or none: what was judged for the old one no longer stands.
      transitions = this.#evaluator?.clearAll(this.#o.now()) ?? [];
      this.#evaluator = message.profile
        ? new LocalAlarmEvaluator(message.profile, this.#o.periodMs)
        : undefined;
    }
    this.#o.log.info('config downlink accepted', {
      shipment: message.shipment,
      profile: message.profile?.id ?? null,
    });
    const messages = transitions.map((t) => this.#message(t, old ?? message));
    this.#state = {
      ...this.#state,
      config: { message, acceptedAt: at },
      configRejected: null,
      alarms: this.#evaluator?.state ?? { runs: {}, active: [] },
    };
    this.#queue(messages);
    this.#save();
    this.#setOutput();
    this.#link?.refreshStatus();
    void this.flush();
  }

  /** Evaluates the temperature records among `records` (faults and other kinds bridge nothing, end nothing). */
  onRecords(records: readonly ReadingRecord[]): void {
    const ev = this.#evaluator;
    const config = this.#state.config?.message;
    if (!ev || !config) return;
    const messages: AlarmMessage[] = [];
    let changed = false;
    for (const r of records) {
      if (r.kind !== 'temperature' || r.value === null) continue;
      const step = ev.observe(r.sensor, Date.parse(r.ts), r.value);
      changed ||= step.changed;
      for (const t of step.transitions) messages.push(this.#message(t, config));
    }
    if (!changed) return;
    for (const m of messages) {
      const line = `local alarm ${m.event}: ${m.sensor} ${m.rule} ${m.direction} ${m.limitC} °C`;
      if (m.event === 'raised') this.#o.log.warn(line, { value: m.valueC, since: m.since });
      else this.#o.log.info(line, { value: m.valueC });
    }
    this.#state = { ...this.#state, alarms: ev.state };
    this.#queue(messages);
    this.#save();
    this.#setOutput();
    if (messages.length > 0) this.#link?.refreshStatus();
    void this.flush();
  }

  /** Publishes queued alarm messages in order, each removed (and the removal persisted) after its PUBACK. */
  async flush(): Promise<void> {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    try {
      for (;;) {
        const link = this.#link;
        const next = this.#state.pending[0];
        if (!link?.connected || !next || this.#closed) return;
        try {
          await link.publishAlarm(JSON.stringify(next));
        } catch (err) {
          this.#o.log.warn('alarm not published; again after reconnect', {
            id: next.id,
            error: errorMessage(err),
          });
          return;
        }
        if (this.#state.pending[0] === next) {
          this.#state = { ...this.#state, pending: this.#state.pending.slice(1) };
          this.#save();
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * Stops driving the output (its owner closes it). Active alarms stay in the persisted state, so the next
   * start sounds them again at once.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#outputChain;
  }

  #message(t: AlarmTransition, config: AgentConfigMessage): AlarmMessage {
    return {
      v: 1,
      device: this.#o.device,
      id: 0, // numbered in #queue
      event: t.event,
      rule: t.alarm.rule,
      direction: t.alarm.direction,
      sensor: t.alarm.sensor,
      limitC: t.alarm.limit,
      since: new Date(t.alarm.since).toISOString(),
      at: new Date(t.at).toISOString(),
      valueC: t.value,
      reason: t.reason,
      shipment: config.shipment,
      profile: config.profile?.id ?? null,
    };
  }

  #queue(messages: AlarmMessage[]): void {
    if (messages.length === 0) return;
    let nextId = this.#state.nextId;
    const numbered = messages.map((m) => {
      const n = { ...m, id: nextId++ };
      this.#o.onMessage?.(n);
      return n;
    });
    let pending = [...this.#state.pending, ...numbered];
    let dropped = this.#state.droppedMessages;
    if (pending.length > MAX_PENDING_ALARMS) {
      const over = pending.length - MAX_PENDING_ALARMS;
      dropped += over;
      pending = pending.slice(over);
      this.#o.log.error('alarm queue full: dropped the oldest unsent alarm messages', { dropped: over });
    }
    this.#state = { ...this.#state, pending, nextId, droppedMessages: dropped };
  }

  #save(): void {
    try {
      saveLocalState(this.#o.dataDir, this.#state);
    } catch (err) {
      // The alarm still sounds and is queued in memory; only its survival across a restart is at risk.
      this.#o.log.error('could not persist the alarm state', { error: errorMessage(err) });
    }
  }

  #setOutput(): void {
    const on = this.#state.alarms.active.length > 0;
    if (on === this.#outputOn || this.#closed) return;
    this.#outputOn = on;
    this.#outputChain = this.#outputChain.then(() =>
      this.#o.output
        .set(on)
        .catch((err: unknown) => this.#o.log.error('alarm output failed', { on, error: errorMessage(err) })),
    );
  }
}
