import { describe, expect, it } from 'vitest';
import { MAX_AGENT_CONFIG_BYTES, parseAgentConfigMessage } from './agent-config-message.js';
import { isColdtrailError } from './errors.js';

const profile = { id: 'vaccine-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 };
const SSCC = '003712345000000018';

describe('agent config message (the retained .../config downlink)', () => {
  it('parses an in-transit message and a no-shipment message', () => {
    expect(parseAgentConfigMessage(JSON.stringify({ v: 1, shipment: SSCC, profile }))).toEqual({
      v: 1,
      shipment: SSCC,
      profile,
    });
    expect(parseAgentConfigMessage(Buffer.from('{"v":1,"shipment":null,"profile":null}'))).toEqual({
      v: 1,
      shipment: null,
      profile: null,
    });
  });

  it('refuses hostile payloads with every problem as path: message', () => {
    const refused = (p: string) => {
      try {
        parseAgentConfigMessage(p);
      } catch (err) {
        if (isColdtrailError(err, 'INVALID_INPUT')) return err.message;
      }
      throw new Error(`accepted ${p}`);
    };
    expect(refused('not json')).toMatch(/not JSON/);
    expect(refused(JSON.stringify({ v: 2, shipment: SSCC, profile }))).toMatch(
      /^config message refused: v: /,
    );
    expect(refused(JSON.stringify({ v: 1, shipment: '123', profile }))).toMatch(/shipment: must be an SSCC/);
    expect(refused(JSON.stringify({ v: 1, shipment: SSCC, profile: { ...profile, lowerC: 9 } }))).toMatch(
      /profile.lowerC: lowerC must be below upperC/,
    );
    expect(refused(JSON.stringify({ v: 1, shipment: SSCC, profile: { ...profile, upperC: 'x' } }))).toMatch(
      /profile.upperC/,
    );
    expect(refused(JSON.stringify({ v: 1, shipment: SSCC, profile: null }))).toMatch(/both set/);
    expect(refused(JSON.stringify({ v: 1, shipment: null, profile: null, extra: 1 }))).toMatch(/extra/);
    expect(refused('x'.repeat(MAX_AGENT_CONFIG_BYTES + 1))).toMatch(/exceeds/);
  });
});
