import { type ColdChainProfile, parseProfile } from '@coldtrail/core';
import { listShippedProfiles } from '@coldtrail/ledger-sync';

/**
 * The profile the demo's shipment is judged by: the shipped profile whose temperature limits are the scenario's
 * (the default lane is 2-8 °C: the shipped 2-8C profile), else one made for the scenario's limits with the
 * shipped 2-8C profile's alarms (instant, 30 min single-event, 60 min cumulative), under a URI of its own: a
 * profile the scenario invented is not one anybody published.
 */
export function demoRules(lowerC: number, upperC: number): ColdChainProfile {
  const shipped = listShippedProfiles().find((p) => {
    const temperature = p.zones.filter((z) => z.measure === 'temperature');
    return (
      temperature.some((z) => z.direction === 'above' && z.limit === upperC && !z.inclusive) &&
      temperature.some((z) => z.direction === 'below' && z.limit === lowerC && !z.inclusive)
    );
  });
  if (shipped) return shipped;
  const alarms = [
    { kind: 'instant' },
    { kind: 'single-event', delayMinutes: 30 },
    { kind: 'cumulative', budgetMinutes: 60 },
  ];
  return parseProfile({
    uri: `https://coldtrail.dev/profiles/demo-scenario-${lowerC}-${upperC}/v1`,
    id: `demo-${lowerC}-${upperC}`.replace(/[^A-Za-z0-9._-]/g, '_'),
    version: 1,
    title: `demo scenario, ${lowerC} to ${upperC} °C`,
    samplePeriodSeconds: 60,
    zones: [
      { id: 'high', measure: 'temperature', above: upperC, alarms },
      { id: 'low', measure: 'temperature', below: lowerC, alarms },
    ],
  });
}
