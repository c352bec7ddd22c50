import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  ColdtrailError,
  createLifecycle,
  type Env,
  ErrorCode,
  type Lifecycle,
  opening,
  type ReadingRecord,
  type Sample,
  type Signer,
  systemClock,
  type TimerClock,
} from '@coldtrail/core';
import { type AgentEvents, type AgentHandle, type AgentStats, wireEvents } from './agent-handle.js';
import { startUpkeep } from './agent-upkeep.js';
import { type AlarmOutput, noAlarmOutput, type OpenAlarmOutput } from './alarm-output.js';
import { Batcher } from './batcher.js';
import { brokerUrls } from './broker-urls.js';
import { type AgentConfig, parseAgentConfig, type ResolvedAgentConfig } from './config.js';
import { openConnectCounter } from './connect-counter.js';
import { loadOrCreateDeviceKey } from './device-key.js';
import { openAlarmOutput } from './gpio/alarm-output.js';
import { LocalAlarms } from './local-alarm-service.js';
import { errorMessage, type Log, stderrLog } from './log.js';
import { openSource as defaultOpenSource, type OpenSourceDeps } from './open-source.js';
import type { Outbox } from './outbox.js';
import { openCheckedOutbox } from './outbox-integrity.js';
import { Publisher } from './publisher.js';
import { runSampler } from './sampler.js';
import { sourceSchedules } from './sampling-config.js';
import type { SensorSource } from './sensor-source.js';
import { TypedEmitter } from './typed-emitter.js';

/** File name of the outbox inside the data directory. */
export const OUTBOX_FILE = 'outbox.sqlite';

export interface AgentDeps {
  /** Time source for sampling, timestamps and batch age (simulated in demos); default the system clock. */
  clock?: Clock;
  /**
   * Timers of the network side and housekeeping (MQTT resend and gap grace, reconnect backoff, pruning,
   * `drained()`'s timeout), never scaled with a simulation; default the system clock, a `manualClock` in tests.
   */
  timers?: TimerClock;
  /** Where `COLDTRAIL_AGENT_<KEY>` overrides come from; default process.env. */
  env?: Env;
  /** Pre-opened sources (the caller keeps ownership and closes them); else `config.sources` are opened. */
  sources?: SensorSource[];
  openSource?: (address: string, deps?: OpenSourceDeps) => Promise<SensorSource>;
  /** Passed to `openSource`, e.g. an in-process serial binding for simulations. */
  sourceDeps?: OpenSourceDeps;
  /** Device signer; default the key in `dataDir/device-key.pem` (created on first start). */
  signer?: Signer;
  /** Public key of `signer`, reported by the handle (known automatically for the default key). */
  publicKey?: string;
  /** Wall time for connect tokens (default `timers.now`); never the simulated clock, which may start anywhere. */
  wallNow?: () => number;
  /** Opens `config.alarmOutput` (LED/buzzer); default gpio/alarm-output.ts `openAlarmOutput`. */
  openAlarmOutput?: OpenAlarmOutput;
  log?: Log;
}

/** How often acknowledged records past the retention window are deleted (`timers` time). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Starts the edge agent: sample every source on the clock, chain and store each cycle durably, batch and sign,
 * publish over MQTT QoS 1 and apply the ingest's acks. Sensor and network trouble never crash it: faults are
 * recorded, the connection is retried, and the outbox keeps everything until it is acknowledged.
 */
export async function start(config: AgentConfig, deps: AgentDeps = {}): Promise<AgentHandle> {
  const cfg = parseAgentConfig(config, deps.env);
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemClock;
  const log = deps.log ?? stderrLog;
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const key = deps.signer ? undefined : await loadOrCreateDeviceKey(cfg.dataDir);
  const signer = deps.signer ?? key!.signer;
  const publicKey = deps.publicKey ?? key?.publicKey;

  if (!deps.sources && cfg.sources.length === 0) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      'invalid agent config:\n  sources: name at least one sensor',
    );
  }
  // Closed newest first: the sampler, the publisher, the sources opened here, the outbox.
  const life = createLifecycle();
  return opening(life, async () => {
    // A damaged outbox is moved aside and refused, never recreated over unsent data (outbox-integrity.ts).
    const outbox = life.add(
      'outbox',
      openCheckedOutbox(join(cfg.dataDir, OUTBOX_FILE), { device: cfg.device, now: deps.wallNow, log }),
    );
    const alarmOutput = cfg.alarmOutput
      ? life.add('alarm output', await (deps.openAlarmOutput ?? openAlarmOutput)(cfg.alarmOutput))
      : noAlarmOutput;
    const owned: SensorSource[] = [];
    life.defer('sensor sources', async () => void (await Promise.allSettled(owned.map((s) => s.close()))));
    if (!deps.sources) {
      const open = deps.openSource ?? defaultOpenSource;
      for (const { address } of sourceSchedules(cfg)) owned.push(await open(address, deps.sourceDeps));
    }
    return run(cfg, deps, {
      clock,
      timers,
      log,
      signer,
      publicKey,
      outbox,
      sources: deps.sources ?? owned,
      life,
      alarmOutput,
    });
  });
}

interface Parts {
  clock: Clock;
  timers: TimerClock;
  log: Log;
  signer: Signer;
  publicKey: string | undefined;
  outbox: Outbox;
  sources: SensorSource[];
  life: Lifecycle;
  alarmOutput: AlarmOutput;
}

function run(cfg: ResolvedAgentConfig, deps: AgentDeps, parts: Parts): AgentHandle {
  const { clock, timers, log, signer, publicKey, outbox, sources, life } = parts;

  const events = new TypedEmitter<AgentEvents>(log);
  // Local alarms (profile from the .../config downlink) and the connect counter: local-alarm-service.ts.
  const alarms = life.add(
    'local alarms',
    new LocalAlarms({
      dataDir: cfg.dataDir,
      device: cfg.device,
      periodMs: cfg.samplePeriodMs,
      output: parts.alarmOutput,
      now: deps.wallNow ?? timers.now,
      log,
      onMessage: (m) => events.emit('alarm', m),
    }),
  );
  const connectCounter = openConnectCounter(cfg.dataDir, deps.wallNow ?? timers.now, log);
  const stats: Omit<AgentStats, 'pendingRecords' | 'storedUpTo' | 'connected'> = {
    recorded: 0,
    faults: 0,
    batches: 0,
    acked: 0,
    refused: 0,
  };
  const onRecords = (records: ReadingRecord[]) => {
    for (const r of records) {
      stats.recorded++;
      if (r.kind === 'fault') stats.faults++;
      events.emit('record', r);
    }
    alarms.onRecords(records);
  };
  const fail = (message: string) => (err: unknown) => {
    log.error(message, { error: errorMessage(err) });
    events.emit('error', err instanceof Error ? err : new Error(String(err)));
  };

  // Disk budget and status.json; its final write (`stopped`) comes after the sampler and publisher closed.
  const upkeep = startUpkeep(cfg, {
    outbox,
    sources,
    clock,
    wallNow: deps.wallNow ?? (() => timers.now()),
    events,
    connected: () => false,
    log,
  });
  life.defer('status', async () => upkeep.stopped());

  const publisher = new Publisher({
    outbox,
    urls: brokerUrls(cfg),
    org: cfg.org,
    device: cfg.device,
    clientId: cfg.clientId ?? cfg.device,
    signer,
    clock,
    timers,
    wallNow: deps.wallNow,
    inflightWindow: cfg.inflightWindow,
    resendTimeoutMs: cfg.resendTimeoutMs,
    reconnectMinMs: cfg.reconnectMinMs,
    reconnectMaxMs: cfg.reconnectMaxMs,
    connectTimeoutMs: cfg.connectTimeoutMs,
    keepaliveS: cfg.keepaliveS,
    gapGraceMs: cfg.gapGraceMs,
    connectCounter: () => connectCounter.next(),
    statusFields: () => alarms.statusFields(),
    log,
  });
  life.add('publisher', publisher);
  publisher.on('config', (payload) => alarms.onConfig(payload));
  publisher.on('connected', () => void alarms.flush());
  alarms.attach(publisher);
  let draining = 0;
  const batcher = new Batcher({
    outbox,
    signer,
    clock,
    maxRecords: cfg.batchMaxRecords,
    maxAgeMs: cfg.batchMaxAgeMs,
    onBatch: (b) => {
      stats.batches++;
      events.emit('batch', b);
      publisher.kick();
    },
  });
  const batch = (force = false) => batcher.run(force || draining > 0).catch(fail('could not cut a batch'));

  let lastPrune = Number.NEGATIVE_INFINITY;
  const prune = () => {
    if (timers.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = timers.now();
    try {
      const n = outbox.prune(clock.now(), cfg.retentionMs);
      if (n > 0) log.info('deleted acknowledged records past the retention window', { records: n });
    } catch (err) {
      fail('could not delete old records')(err);
    }
  };

  wireEvents(publisher, events, stats, {
    onRefusalFault: (r) => {
      onRecords([r]);
      void batch();
    },
    prune,
  });
  prune();

  const stopSampler = new AbortController();
  const sampling = runSampler({
    clock,
    periodMs: cfg.samplePeriodMs,
    sources: upkeep.scheduled,
    outOfRange: upkeep.outOfRange,
    onRead: upkeep.onRead,
    log,
    signal: stopSampler.signal,
    onSamples: async (samples: Sample[], ts: number) => {
      onRecords(upkeep.store(samples, ts));
      await batch();
    },
  });
  // Batches left over from a previous run (crash before batching) go out now.
  void batch(true);

  const stopSampling = async () => {
    stopSampler.abort();
    await sampling;
    await batch(true);
  };
  life.defer('sampler', stopSampling);
  const handle: AgentHandle = {
    device: cfg.device,
    publicKey,
    on: (e, l) => {
      events.on(e, l);
      return handle;
    },
    off: (e, l) => {
      events.off(e, l);
      return handle;
    },
    once: (e, l) => {
      events.once(e, l);
      return handle;
    },
    nextSeq: () => outbox.nextSeq(),
    alarms: () => [...alarms.active],
    deviceConfig: () => alarms.config,
    stats: () => ({
      ...stats,
      pendingRecords: outbox.head().seq - outbox.storedUpTo(),
      storedUpTo: outbox.storedUpTo(),
      connected: publisher.connected,
    }),
    stopSampling,
    drained: async (timeoutMs) => {
      draining++;
      try {
        await batch(true);
        await waitDrained(outbox, events, timers, timeoutMs, () => publisher.connected);
      } finally {
        draining--;
      }
    },
    close: () => life.close(),
  };
  return handle;
}

function waitDrained(
  outbox: Outbox,
  events: TypedEmitter<AgentEvents>,
  timers: TimerClock,
  timeoutMs: number,
  connected: () => boolean,
): Promise<void> {
  const done = () => outbox.unbatched().count === 0 && outbox.storedUpTo() >= outbox.head().seq;
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done()) return;
      cleanup();
      resolve();
    };
    const timer = timers.setTimeout(() => {
      cleanup();
      const head = outbox.head().seq;
      reject(
        new ColdtrailError(
          ErrorCode.Timeout,
          `agent not drained after ${timeoutMs} ms: the ingest stored up to #${outbox.storedUpTo()} of ` +
            `#${head} (${connected() ? 'connected' : 'not connected'}); check the broker and the agent's log`,
          { details: { storedUpTo: outbox.storedUpTo(), head } },
        ),
      );
    }, timeoutMs);
    const cleanup = () => {
      timer.cancel();
      events.off('acked', check);
    };
    events.on('acked', check);
  });
}
