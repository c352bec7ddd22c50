import { describe, expect, it } from 'vitest';
import { ColdtrailError } from './errors.js';
import { type ColdChainProfile, legacyProfile, parseProfile, profileDigest } from './profile.js';

/** A profile as a user writes it (the YAML shorthand, here as the object YAML parses to). */
const written = () => ({
  uri: 'https://coldtrail.dev/profiles/2-8c/v1',
  id: '2-8C',
  version: 1,
  title: 'Refrigerated, 2-8 °C',
  samplePeriodSeconds: 60,
  mkt: { windowHours: 24, limitC: 8 },
  zones: [
    { id: 'high', above: 8, alarms: [{ kind: 'instant' }, { kind: 'single-event', delayMinutes: 30 }] },
    { id: 'low', atOrBelow: 2, alarms: [{ kind: 'cumulative', budgetMinutes: 60 }] },
    { id: 'door-open', measure: 'door', alarms: [{ kind: 'single-event', delayMinutes: 5 }] },
  ],
});

const EXPECTED: ColdChainProfile = {
  uri: 'https://coldtrail.dev/profiles/2-8c/v1',
  id: '2-8C',
  version: 1,
  title: 'Refrigerated, 2-8 °C',
  samplePeriodSeconds: 60,
  zones: [
    {
      id: 'high',
      measure: 'temperature',
      direction: 'above',
      limit: 8,
      inclusive: false,
      alarms: [{ kind: 'instant' }, { kind: 'single-event', delayMinutes: 30 }],
    },
    {
      id: 'low',
      measure: 'temperature',
      direction: 'below',
      limit: 2,
      inclusive: true,
      alarms: [{ kind: 'cumulative', budgetMinutes: 60 }],
    },
    {
      id: 'door-open',
      measure: 'door',
      direction: 'above',
      limit: 1,
      inclusive: true,
      alarms: [{ kind: 'single-event', delayMinutes: 5 }],
    },
  ],
  mkt: { windowHours: 24, limitC: 8 },
};

function problemsOf(value: unknown): string[] {
  try {
    parseProfile(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ColdtrailError);
    expect((err as ColdtrailError).code).toBe('INVALID_INPUT');
    return (err as ColdtrailError).details?.problems as string[];
  }
  throw new Error('expected the profile to be refused');
}

describe('parseProfile', () => {
  it('normalises the limit shorthand to direction, limit and inclusive', () => {
    expect(parseProfile(written())).toEqual(EXPECTED);
  });

  it('parses its own output to itself (the form stored on the ledger)', () => {
    const once = parseProfile(written());
    expect(parseProfile(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it('lists every problem at once as path: message', () => {
    const bad = {
      ...written(),
      uri: 'http://coldtrail.dev/profiles/2-8c/v1',
      version: 0,
      samplePeriodSeconds: -1,
      colour: 'blue',
      zones: [
        { id: 'high', above: 8, atOrAbove: 8, alarms: [{ kind: 'instant' }] },
        { id: 'high', below: 2, alarms: [], colour: 'red' },
        { id: 'hum', measure: 'humidity', above: 120, alarms: [{ kind: 'single-event', delayMinutes: -5 }] },
        { id: 'door', measure: 'door', below: 0.5, alarms: [{ kind: 'sometimes' }] },
        { id: 'nolimit', alarms: [{ kind: 'instant' }, { kind: 'instant' }] },
        { id: 'bad id!', direction: 'above', limit: 3, alarms: [{ kind: 'instant' }] },
      ],
    };
    expect(problemsOf(bad).sort()).toEqual(
      [
        'colour: unknown key (expected one of: uri, id, version, title, samplePeriodSeconds, zones, mkt)',
        'zones[1].colour: unknown key (expected one of: id, measure, above, atOrAbove, below, atOrBelow, direction, limit, inclusive, alarms)',
        'version: Too small: expected number to be >=1',
        'samplePeriodSeconds: Too small: expected number to be >0',
        'uri: must be an https URI (or a legacy profile URN)',
        'zones[0]: states its limit more than once (above, atOrAbove); keep one',
        'zones[1].alarms: needs at least one alarm',
        'zones[1].id: "high" is already the id of zones[0]',
        'zones[2]: a humidity limit must lie within 0..100 %RH',
        'zones[2].alarms[0].delayMinutes: Too small: expected number to be >=0',
        'zones[3]: a door zone counts open (1) as beyond and closed (0) as within; write atOrAbove: 1',
        'zones[3].alarms[0].kind: must be one of instant, single-event, cumulative',
        'zones[4]: needs a limit: one of above, atOrAbove, below, atOrBelow (e.g. above: 8)',
        'zones[4].alarms: has more than one instant alarm; a zone takes one of each kind',
        'zones[5].id: must be 1-64 of A-Z a-z 0-9 . _ -, starting alphanumeric',
        'zones[5]: direction, limit and inclusive go together; or write one of above, atOrAbove, below, atOrBelow',
      ].sort(),
    );
  });

  it('names its source in the message', () => {
    expect(() => parseProfile({ ...written(), zones: [] }, { source: '/etc/p.yaml' })).toThrow(
      /^invalid cold-chain profile \/etc\/p\.yaml:\n {2}zones: needs at least one zone$/,
    );
  });

  it.each([
    ['https://coldtrail.dev/profiles/2-8c/v2', "uri: must end in /v1, the profile's version"],
    ['not a uri', 'uri: must be an absolute https URI such as https://coldtrail.dev/profiles/2-8c/v1'],
    ['https://coldtrail.dev/profiles/2-8c/v1#x', 'uri: must carry no credentials, query or fragment'],
    [
      'urn:coldtrail:profile:legacy:other',
      "uri: a legacy profile URN must name the profile's id (urn:coldtrail:profile:legacy:2-8C)",
    ],
  ])('refuses the uri %s', (uri, problem) => {
    expect(problemsOf({ ...written(), uri })).toEqual([problem]);
  });

  it('refuses what is not an object', () => {
    expect(problemsOf('2-8C')).toEqual(['(root): Invalid input: expected object, received string']);
  });
});

describe('legacyProfile', () => {
  it("is today's shipment limits: strict high and low zones, single-event with the shipment's delay", () => {
    const p = legacyProfile({
      id: 'vaccine',
      lowerC: 2,
      upperC: 8,
      delayMinutes: 15,
      samplePeriodSeconds: 30,
    });
    expect(p).toEqual({
      uri: 'urn:coldtrail:profile:legacy:vaccine',
      id: 'vaccine',
      version: 1,
      title: 'legacy profile vaccine: 2 to 8 °C, 15 min delay',
      samplePeriodSeconds: 30,
      zones: [
        {
          id: 'high',
          measure: 'temperature',
          direction: 'above',
          limit: 8,
          inclusive: false,
          alarms: [{ kind: 'single-event', delayMinutes: 15 }],
        },
        {
          id: 'low',
          measure: 'temperature',
          direction: 'below',
          limit: 2,
          inclusive: false,
          alarms: [{ kind: 'single-event', delayMinutes: 15 }],
        },
      ],
    });
    expect(parseProfile(p)).toEqual(p);
  });

  it('takes every summary the ledger accepted before profiles: delay 0, long periods and delays', () => {
    const p = legacyProfile({ id: 'x', lowerC: -20, upperC: 25, delayMinutes: 0, samplePeriodSeconds: 0.5 });
    expect(p.zones.map((z) => z.alarms)).toEqual([
      [{ kind: 'single-event', delayMinutes: 0 }],
      [{ kind: 'single-event', delayMinutes: 0 }],
    ]);
    const long = legacyProfile({
      id: 'y',
      lowerC: 2,
      upperC: 8,
      delayMinutes: 1e6,
      samplePeriodSeconds: 1e6,
    });
    expect(long.samplePeriodSeconds).toBe(1e6);
  });
});

describe('profileDigest', () => {
  it('is the SHA-256 of the canonical JSON: key order does not matter, a changed rule does', () => {
    const p = parseProfile(written());
    const reordered = Object.fromEntries(Object.entries(p).reverse()) as unknown as ColdChainProfile;
    expect(Object.keys(reordered)[0]).toBe('mkt');
    expect(profileDigest(p)).toMatch(/^[0-9a-f]{64}$/);
    expect(profileDigest(reordered)).toBe(profileDigest(p));
    const changed = parseProfile({ ...written(), samplePeriodSeconds: 30 });
    expect(profileDigest(changed)).not.toBe(profileDigest(p));
  });

  it('matches an independent RFC 8785 encoder', async () => {
    const { default: canonicalize } = await import('canonicalize');
    const { createHash } = await import('node:crypto');
    const p = parseProfile(written());
    const expected = createHash('sha256')
      .update(canonicalize(p) as string)
      .digest('hex');
    expect(profileDigest(p)).toBe(expected);
  });
});
