import { type ColdChainProfile, profileDigest } from '@coldtrail/core';
import { listShippedProfiles } from '@coldtrail/ledger-sync';
import { resolveProfile } from '../operator/shipment-profiles.js';

export interface ProfileOptions {
  json?: boolean;
}

function limitText(z: ColdChainProfile['zones'][number]): string {
  const unit = z.measure === 'temperature' ? ' °C' : z.measure === 'humidity' ? ' %RH' : '';
  if (z.measure === 'door') return 'open';
  return `${z.direction === 'above' ? (z.inclusive ? '>=' : '>') : z.inclusive ? '<=' : '<'} ${z.limit}${unit}`;
}

function alarmText(a: ColdChainProfile['zones'][number]['alarms'][number]): string {
  switch (a.kind) {
    case 'instant':
      return 'instant';
    case 'single-event':
      return `single-event ${a.delayMinutes} min`;
    case 'cumulative':
      return `cumulative ${a.budgetMinutes} min`;
    default:
      return a satisfies never;
  }
}

/** `coldtrail profile list`: the shipped profiles, one line each (id, URI, title). */
export async function profileList(opts: ProfileOptions): Promise<void> {
  const profiles = listShippedProfiles();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ profiles }, null, 2)}\n`);
    return;
  }
  const width = Math.max(...profiles.map((p) => p.id.length));
  for (const p of profiles) process.stdout.write(`${p.id.padEnd(width)}  ${p.uri}  ${p.title}\n`);
}

/** `coldtrail profile show <id|uri|file>`: a profile's zones and alarms as a shipment would carry them. */
export async function profileShow(nameOrPath: string, opts: ProfileOptions): Promise<void> {
  const p = resolveProfile(nameOrPath);
  const digest = profileDigest(p);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ profile: p, digest }, null, 2)}\n`);
    return;
  }
  const lines = [
    `${p.id} v${p.version}: ${p.title}`,
    `uri:     ${p.uri}`,
    `digest:  sha-256 ${digest}`,
    `sample:  every ${p.samplePeriodSeconds} s (a sample covers [t, t + ${p.samplePeriodSeconds} s))`,
    ...(p.mkt
      ? [
          `mkt:     ${p.mkt.windowHours} h windows${p.mkt.limitC === undefined ? '' : `, limit ${p.mkt.limitC} °C`} (beside excursions, never instead)`,
        ]
      : []),
    'zones:',
    ...p.zones.map(
      (z) =>
        `  ${z.id.padEnd(14)} ${z.measure.padEnd(11)} ${limitText(z).padEnd(10)} ${z.alarms.map(alarmText).join(', ')}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
