import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { json, runCli } from './run-cli.js';

/** The demo's one JSON object, as far as these tests read it. */
export interface ShortDemoJson {
  shipment: string;
  contents: (
    | { gtin: string; serial: string }
    | { gtin: string; lot: string; expiry: string; quantity: number }
  )[];
  /** The provenance commands the demo prints to try, one per identifier form. */
  try: string[];
}

/**
 * A short demo on the in-process serial link, fast: a 2-8 °C lane of `hours` with the given excursions
 * (`{name, start, duration, peak}` as in firmware-sim scenarios), written to `root`, its data in `dataDir`.
 */
export async function shortDemo(
  root: string,
  dataDir: string,
  opts: {
    hours: number;
    events?: { name: string; start: string; duration: string; peak: number }[];
    seed?: number;
  },
): Promise<ShortDemoJson> {
  const scenario = join(root, 'short-demo.yaml');
  const events = opts.events ?? [];
  writeFileSync(
    scenario,
    [
      'name: short-2-8',
      `duration: ${opts.hours}h`,
      `seed: ${opts.seed ?? 7}`,
      'limits: { lower: 2, upper: 8 }',
      'temperature: { mean: 5, swing: 0.5, period: 1h }',
      'humidity: { mean: 50, swing: 5, period: 1h }',
      events.length === 0 ? 'events: []' : 'events:',
      ...events.map(
        (e) => `  - { name: ${e.name}, start: ${e.start}, duration: ${e.duration}, peak: ${e.peak} }`,
      ),
      '',
    ].join('\n'),
  );
  const r = await runCli(
    [
      'demo',
      '--data-dir',
      dataDir,
      '--json',
      '--serial',
      'in-process',
      '--scenario',
      scenario,
      '--speed',
      '2880',
    ],
    180_000,
  );
  expect(r.code, r.stderr).toBe(0);
  return json<ShortDemoJson>(r);
}
