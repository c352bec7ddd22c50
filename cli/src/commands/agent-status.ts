import { resolve } from 'node:path';
import { type AgentStatusReport, loadAgentYaml, readAgentStatus } from '@coldtrail/agent';
import type { Env } from '@coldtrail/core';

export interface AgentStatusOptions {
  config: string;
  json?: boolean;
}

export interface AgentStatusDeps {
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
}

/**
 * `coldtrail agent status --config FILE [--json]`: what the agent of that config holds and how it is doing,
 * from its data directory alone (the outbox read-only, status.json), so it works while the agent runs and
 * while it is stopped, and changes nothing.
 */
export async function agentStatus(opts: AgentStatusOptions, deps: AgentStatusDeps = {}): Promise<void> {
  const cfg = await loadAgentYaml(resolve(opts.config), (deps.env ?? process.env) as Env);
  const report = readAgentStatus({
    dataDir: cfg.dataDir,
    diskBudgetBytes: cfg.diskBudgetBytes,
    diskWarnBytes: cfg.diskWarnBytes,
  });
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function renderStatus(r: AgentStatusReport): string {
  const lines: string[] = [];
  const age = r.agent.ageMs === undefined ? '' : `, status ${Math.round(r.agent.ageMs / 1000)} s old`;
  lines.push(`device      ${r.device ?? '(unknown)'}  (${r.dataDir})`);
  lines.push(`agent       ${r.agent.state}${r.agent.pid ? ` (pid ${r.agent.pid}${age})` : ''}`);
  if (r.outbox.state === 'corrupt') {
    lines.push(
      `outbox      CORRUPT: moved aside as ${r.outbox.movedAside.join(', ')}; the agent refuses to start ` +
        '(see agent/README.md "Corrupted outbox")',
    );
  } else if (r.outbox.state === 'absent') {
    lines.push('outbox      none yet (the agent has not started here)');
  }
  if (r.connection) lines.push(`connection  ${r.connection.state} since ${r.connection.since}`);
  lines.push(`committed   up to #${r.committedUpTo}`);
  const ackedTime = r.ackedUpTo.at ?? r.ackedUpTo.recordTs;
  lines.push(`acked       up to #${r.ackedUpTo.seq}${ackedTime ? ` (${ackedTime})` : ''}`);
  const b = r.backlog;
  lines.push(
    `backlog     ${b.unbatched} unbatched, ${b.batchedNotAcked} batched not acked, ${b.refused} refused, ` +
      `${b.ackedKept} acked and kept`,
  );
  lines.push(
    `disk        ${mb(r.disk.usedBytes)} of ${mb(r.disk.budgetBytes)} (${r.disk.percent}%; warning at ` +
      `${mb(r.disk.warnBytes)}; ${mb(r.disk.fileBytes)} on disk)`,
  );
  for (const s of r.sources) {
    const last = s.last.map((l) => `${l.sensor} ${l.kind} ${l.value} ${l.unit} at ${l.ts}`).join('; ');
    const faults = s.consecutiveFaults > 0 ? `, ${s.consecutiveFaults} faulty reads in a row` : '';
    lines.push(
      `source      ${s.address}: ${s.health} since ${s.since}${faults}${last ? `; last ${last}` : ''}`,
    );
  }
  lines.push(
    r.shipment
      ? `shipment    ${r.shipment.sscc}, profile ${r.shipment.profile.id} (${r.shipment.profile.lowerC}..${r.shipment.profile.upperC} °C)`
      : 'shipment    none (no profile from the server: no local temperature alarms)',
  );
  if (r.configRejected)
    lines.push(`CONFIG      refused at ${r.configRejected.at}: ${r.configRejected.reason}`);
  if (r.alarmMessagesPending > 0) lines.push(`alarms out  ${r.alarmMessagesPending} waiting for the broker`);
  if (r.alarms.length === 0) lines.push('alarms      none');
  for (const a of r.alarms) {
    lines.push(`ALARM       ${a.code}${a.source ? ` (${a.source})` : ''} since ${a.since}: ${a.message}`);
  }
  return `${lines.join('\n')}\n`;
}
