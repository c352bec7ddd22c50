// `npm run bench -- agent-resources [--minutes N]`: what the real `coldtrail agent start` process costs on a
// Pi-class box, beside a bare Node process that only keeps a timer (the floor any Node agent pays). 16 sensors
// at 1 Hz: `coldtrail sim start` runs a fleet of 8 Modbus RTU probes on one simulated RS-485 bus (a real PTY,
// each probe answering temperature + humidity), `coldtrail server start` the broker, ingest and ledger, and the
// agent is set up by `agent init` and `device enroll` exactly as a technician does (test/e2e/three-process-kit.ts).
// Sampled once a second from /proc/<pid>: resident memory (VmRSS, max and final) and CPU time (utime + stime);
// CPU per reading is the CPU time of the steady run (from the first committed reading to the end) divided by
// the readings committed meanwhile (`agent status --json` committedUpTo, faults included: they are records
// too). Target: the agent's max RSS under 80 MB. Default 10 minutes; run it on an idle machine for figures.
// COLDTRAIL_BENCH_AGENT_NODE_OPTIONS is passed to the agent process alone as NODE_OPTIONS (e.g.
// "--max-semi-space-size=1 --max-old-space-size=48"), to compare V8 heap settings for a small box.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(
  process.env.COLDTRAIL_BENCH_CLI ?? new URL('../cli/bin/coldtrail.js', import.meta.url).pathname,
);
const LANE = new URL('../firmware-sim/scenarios/lane-2-8.yaml', import.meta.url).pathname;
const ORG = 'Org1MSP';
const DEVICE = 'pi-bench';
const PROBES = 8;
const SENSORS = PROBES * 2;
const TARGET_RSS_MB = 80;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Runs `coldtrail ARGS` to its end; rejects with its output on a non-zero exit. */
function cli(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`coldtrail ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** A long-running process; `ready()` resolves with its first JSON line on stdout (what --json services print). */
function service(args, { command = CLI, env = {} } = {}) {
  const child = spawn(process.execPath, command ? [command, ...args] : args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    // Keep the tail only: the agent logs a JSON line per event for the whole run.
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise((r) => child.once('close', (code, signal) => r({ code, signal })));
  return {
    child,
    pid: child.pid,
    exited,
    ready: () =>
      new Promise((res, rej) => {
        const check = () => {
          for (const line of out.split('\n')) {
            if (!line.startsWith('{')) continue;
            try {
              res(JSON.parse(line));
              return;
            } catch {
              // an incomplete line: wait for more
            }
          }
        };
        child.stdout.on('data', check);
        child.once('close', () =>
          rej(new Error(`coldtrail ${args.join(' ')} exited early:\n${out}\n${err}`)),
        );
        check();
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
    stderr: () => err,
  };
}

/** VmRSS (bytes) and utime + stime (s) of a live process, from /proc. */
function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)); comm may contain spaces.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  return { rss: kb * 1024, cpu };
}

/** Samples `pid` every second until stopped: max RSS and when, last RSS and CPU time, RSS at each minute. */
function watch(pid) {
  const w = { maxRss: 0, maxAt: 0, rss: 0, cpu: 0, samples: 0, perMinute: [] };
  const t0 = Date.now();
  const tick = () => {
    try {
      const s = sample(pid);
      if (s.rss > w.maxRss) {
        w.maxRss = s.rss;
        w.maxAt = (Date.now() - t0) / 1000;
      }
      w.rss = s.rss;
      w.cpu = s.cpu;
      w.samples++;
      if (w.samples % 60 === 0) w.perMinute.push(s.rss);
    } catch {
      // the process has just exited: keep the last sample
    }
  };
  tick();
  const timer = setInterval(tick, 1_000);
  return { w, tick, stop: () => clearInterval(timer) };
}

const status = (config) => JSON.parse(cli(['agent', 'status', '--config', config, '--json']));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => (bytes / 1024 ** 2).toFixed(1);

async function fleetFile(root) {
  const units = Array.from(
    { length: PROBES },
    (_, i) => `      - unit: ${i + 1}\n        scenario: ${JSON.stringify(LANE)}`,
  );
  const file = join(root, 'fleet.yaml');
  await writeFile(
    file,
    `name: bench-16-sensors\ndevices:\n  - kind: modbus\n    units:\n${units.join('\n')}\n`,
  );
  return file;
}

export async function runAgentResources({ minutes = 10 } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'coldtrail-bench-agent-'));
  const procs = [];
  try {
    const sim = service(['sim', 'start', '--scenario', await fleetFile(root), '--json']);
    procs.push(sim);
    const serverDir = join(root, 'server');
    const server = service(['server', 'start', '--data-dir', serverDir, '--org', ORG, '--json']);
    procs.push(server);
    const [{ devices }, { mqttUrl }] = await Promise.all([sim.ready(), server.ready()]);
    const probes = devices.filter((d) => d.kind === 'modbus');
    if (probes.length !== PROBES)
      throw new Error(`sim start offered ${probes.length} Modbus probes, not ${PROBES}`);
    const agentDir = join(root, 'agent');
    const sources = probes.flatMap((d, i) => ['--source', `${d.address}&sensor=probe-${i + 1}`]);
    const init = JSON.parse(
      cli(
        ['agent', 'init', '--dir', agentDir, '--device', DEVICE, '--org', ORG, '--mqtt-url', mqttUrl].concat(
          sources,
          ['--interval', '1s', '--json'],
        ),
      ),
    );
    const keyFile = join(root, 'device.pem');
    await writeFile(keyFile, init.publicKey);
    cli([
      'device',
      'enroll',
      '--data-dir',
      serverDir,
      '--org',
      ORG,
      '--device',
      DEVICE,
      '--public-key',
      keyFile,
    ]);

    const nodeOptions = process.env.COLDTRAIL_BENCH_AGENT_NODE_OPTIONS;
    const agent = service(['agent', 'start', '--config', init.config], {
      env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {},
    });
    procs.push(agent);
    const floor = service(['-e', 'setInterval(() => {}, 1000)'], { command: null });
    procs.push(floor);
    const a = watch(agent.pid);
    const f = watch(floor.pid);
    // The steady run starts with the first committed reading (startup, key load and connect come before it).
    let first;
    for (let i = 0; i < 60 && !(first?.committedUpTo > 0); i++) {
      await sleep(1_000);
      if (agent.child.exitCode !== null) throw new Error(`the agent exited:\n${agent.stderr()}`);
      first = status(init.config);
    }
    if (!(first?.committedUpTo > 0))
      throw new Error(`the agent committed nothing in 60 s:\n${agent.stderr()}`);
    a.tick();
    f.tick();
    const start = { agentCpu: a.w.cpu, floorCpu: f.w.cpu, at: Date.now(), seq: first.committedUpTo };
    console.log(
      `agent ${agent.pid} and floor ${floor.pid} sampled every second for ${minutes} min ` +
        `(${SENSORS} sensors at 1 Hz: ${PROBES} Modbus probes on one bus` +
        `${nodeOptions ? `; agent NODE_OPTIONS=${nodeOptions}` : ''})...`,
    );
    await sleep(minutes * 60_000);
    const last = status(init.config);
    a.tick();
    f.tick();
    a.stop();
    f.stop();
    const seconds = (Date.now() - start.at) / 1000;
    const readings = last.committedUpTo - start.seq;
    const stopped = await agent.stop();
    const cpuPerReading = (cpu) => `${((cpu / readings) * 1000).toFixed(3)} ms`;
    const agentCpu = a.w.cpu - start.agentCpu;
    const floorCpu = f.w.cpu - start.floorCpu;
    console.log(
      `${readings} readings committed in ${seconds.toFixed(0)} s (${(readings / seconds).toFixed(1)}/s, ` +
        `${SENSORS}/s expected); acked up to #${last.ackedUpTo.seq} of #${last.committedUpTo}; ` +
        `agent exit on SIGTERM: ${JSON.stringify(stopped)}`,
    );
    console.table({
      'max RSS (MB)': {
        'coldtrail agent start': mb(a.w.maxRss),
        'node -e setInterval (floor)': mb(f.w.maxRss),
      },
      'final RSS (MB)': { 'coldtrail agent start': mb(a.w.rss), 'node -e setInterval (floor)': mb(f.w.rss) },
      'CPU s (steady run)': {
        'coldtrail agent start': agentCpu.toFixed(2),
        'node -e setInterval (floor)': floorCpu.toFixed(2),
      },
      'CPU % of one core': {
        'coldtrail agent start': ((agentCpu / seconds) * 100).toFixed(2),
        'node -e setInterval (floor)': ((floorCpu / seconds) * 100).toFixed(2),
      },
      'CPU per reading': {
        'coldtrail agent start': cpuPerReading(agentCpu),
        'node -e setInterval (floor)': cpuPerReading(floorCpu),
      },
    });
    // A leak shows as a rise from minute to minute; V8's lazy collection as a saw-tooth under the max.
    console.log(
      `agent RSS at each minute (MB): ${a.w.perMinute.map(mb).join(', ') || '-'}; ` +
        `its max ${a.w.maxAt.toFixed(0)} s after start`,
    );
    const ok = a.w.maxRss < TARGET_RSS_MB * 1024 ** 2;
    console.log(`target max RSS < ${TARGET_RSS_MB} MB: ${ok ? 'met' : 'NOT met'} (${mb(a.w.maxRss)} MB)`);
    return { ok };
  } finally {
    await Promise.allSettled(procs.reverse().map((p) => p.stop()));
    await rm(root, { recursive: true, force: true });
  }
}
