/**
 * Cold-chain profiles (DESIGN §4, issue 9): versioned, citable by URI from EPCIS `bizRules` (EPCIS 2.0 §7.3.5.4
 * lets a sensorElement name the rules it was judged by), each a set of zones with limits and alarm rules. The
 * alarm semantics live in alarm-rules.ts; this file only says what a valid profile is.
 *
 * YAML format (a profile file; JSON with the same keys works too):
 *
 *   uri: https://coldtrail.dev/profiles/2-8c/v1   # absolute https URI ending in /v<version>
 *   id: 2-8C                                      # the short name users type (1-64 of A-Z a-z 0-9 . _ -)
 *   version: 1                                    # integer >= 1; a changed rule is a new version and URI
 *   title: Refrigerated medicines, 2-8 °C
 *   samplePeriodSeconds: 60                       # nominal dt: a sample taken at t covers [t, t + dt)
 *   mkt:                                          # optional: mean kinetic temperature (USP <1079.2>)
 *     windowHours: 24                             #   declared window
 *     limitC: 8                                   #   optional limit the window's MKT is compared with
 *   zones:                                        # at least one; ids unique within the profile
 *     - id: high
 *       measure: temperature                      # temperature (°C, default) | humidity (%RH) | door
 *       above: 8                                  # exactly one of: above, atOrAbove, below, atOrBelow
 *       alarms:                                   # at least one, at most one of each kind
 *         - { kind: instant }                             # any sample beyond
 *         - { kind: single-event, delayMinutes: 30 }      # continuous time beyond >= delay
 *         - { kind: cumulative, budgetMinutes: 60 }       # total time beyond >= budget, never reset
 *     - id: door-open
 *       measure: door                             # readings of kind `door`: 1 open, 0 closed
 *       alarms: [{ kind: single-event, delayMinutes: 5 }]
 *
 * Limits: `above: 8` means a value strictly greater than 8 is beyond (8.0 is fine); `atOrAbove: 8` means 8.0
 * is already beyond; `below` / `atOrBelow` likewise downwards. They normalise to `direction` (above|below),
 * `limit` and `inclusive` (true for the atOr- forms), which is also the form parseProfile accepts back (the
 * normalised profile, as stored on the ledger, parses to itself). A door zone needs no limit: it means
 * "open" (`atOrAbove: 1`); a door zone that states one must still count 1 (open) as beyond and 0 (closed) as
 * within. Humidity limits lie within 0..100 %RH, temperature limits above absolute zero.
 *
 * Profiles derived from a shipment's legacy limits (legacyProfile) carry the URI
 * `urn:coldtrail:profile:legacy:<id>` instead of an https one.
 */
import { z } from 'zod';
import { ColdtrailError, ErrorCode } from './errors.js';
import { hashCanonical } from './hash.js';
import { IDENTIFIER_PATTERN, IDENTIFIER_RULE } from './patterns.js';

export const PROFILE_MEASURES = ['temperature', 'humidity', 'door'] as const;
export type ProfileMeasure = (typeof PROFILE_MEASURES)[number];
export const ALARM_KINDS = ['instant', 'single-event', 'cumulative'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export type AlarmRule =
  | { kind: 'instant' }
  | { kind: 'single-event'; delayMinutes: number }
  | { kind: 'cumulative'; budgetMinutes: number };

export interface ProfileZone {
  id: string;
  measure: ProfileMeasure;
  direction: 'above' | 'below';
  limit: number;
  /** true: a value equal to the limit counts as beyond; false: only strictly beyond. */
  inclusive: boolean;
  alarms: AlarmRule[];
}

export interface ColdChainProfile {
  uri: string;
  id: string;
  version: number;
  title: string;
  samplePeriodSeconds: number;
  zones: ProfileZone[];
  mkt?: { windowHours: number; limitC?: number };
}

export const LEGACY_PROFILE_URN_PREFIX = 'urn:coldtrail:profile:legacy:';

/** Keys that state a zone's limit in the YAML shorthand, with what each normalises to. */
const LIMIT_FORMS = {
  above: { direction: 'above', inclusive: false },
  atOrAbove: { direction: 'above', inclusive: true },
  below: { direction: 'below', inclusive: false },
  atOrBelow: { direction: 'below', inclusive: true },
} as const;
type LimitForm = keyof typeof LIMIT_FORMS;
const FORM_NAMES = Object.keys(LIMIT_FORMS) as LimitForm[];

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
// No upper caps on delays and periods: a legacy shipment (ledger-entries shipmentProfileSchema) had none,
// and legacyProfile must turn every one of them into a profile.
const minutes = (min: 'zero' | 'positive') => (min === 'zero' ? z.number().min(0) : z.number().positive());

const alarmSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('instant') }),
    z.strictObject({ kind: z.literal('single-event'), delayMinutes: minutes('zero') }),
    z.strictObject({ kind: z.literal('cumulative'), budgetMinutes: minutes('positive') }),
  ],
  { error: `must be one of ${ALARM_KINDS.join(', ')}` },
);

const zoneSchema = z.strictObject({
  id: z.string().regex(IDENTIFIER_PATTERN, `must be ${IDENTIFIER_RULE}`),
  measure: z.enum(PROFILE_MEASURES).default('temperature'),
  above: finite.optional(),
  atOrAbove: finite.optional(),
  below: finite.optional(),
  atOrBelow: finite.optional(),
  direction: z.enum(['above', 'below']).optional(),
  limit: finite.optional(),
  inclusive: z.boolean().optional(),
  alarms: z.array(alarmSchema).min(1, 'needs at least one alarm').max(ALARM_KINDS.length),
});

const profileSchema = z.strictObject({
  uri: z.string().min(1).max(512),
  id: z.string().regex(IDENTIFIER_PATTERN, `must be ${IDENTIFIER_RULE}`),
  version: z.number().int('must be an integer').min(1).max(1_000_000),
  title: z.string().trim().min(1, 'must not be empty').max(200),
  samplePeriodSeconds: z.number().positive(),
  zones: z.array(zoneSchema).min(1, 'needs at least one zone').max(64),
  mkt: z
    .strictObject({
      windowHours: z
        .number()
        .positive()
        .max(24 * 366, 'must be at most a year (8784 h)'),
      limitC: finite.optional(),
    })
    .optional(),
});

export interface ParseProfileOptions {
  /** What the profile came from (a file path), named in the error's first line. */
  source?: string;
}

/**
 * Validates a profile (parsed YAML or JSON, or a profile already normalised) and returns it normalised.
 * Throws INVALID_INPUT whose message and `details.problems` list every problem as `path: message`.
 */
export function parseProfile(value: unknown, options: ParseProfileOptions = {}): ColdChainProfile {
  const problems: string[] = [];
  const result = profileSchema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(issue.path);
        for (const key of issue.keys) {
          problems.push(`${renderPath([...issue.path, key])}: unknown key (expected one of: ${known})`);
        }
      } else {
        problems.push(`${renderPath(issue.path)}: ${issue.message}`);
      }
    }
  }
  problems.push(...crossChecks(value));
  if (problems.length > 0 || !result.success) {
    const heading = `invalid cold-chain profile${options.source ? ` ${options.source}` : ''}:`;
    throw new ColdtrailError(ErrorCode.InvalidInput, `${heading}\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  const p = result.data;
  const profile: ColdChainProfile = {
    uri: p.uri,
    id: p.id,
    version: p.version,
    title: p.title,
    samplePeriodSeconds: p.samplePeriodSeconds,
    zones: p.zones.map((zone) => ({
      id: zone.id,
      measure: zone.measure,
      ...zoneLimit(zone),
      alarms: zone.alarms.map((a) => ({ ...a })),
    })),
  };
  if (p.mkt) {
    profile.mkt = { windowHours: p.mkt.windowHours };
    if (p.mkt.limitC !== undefined) profile.mkt.limitC = p.mkt.limitC;
  }
  return profile;
}

/** SHA-256 (hex) of the profile's RFC 8785 canonical JSON: what a shipment pins so its rules cannot drift. */
export function profileDigest(p: ColdChainProfile): string {
  return hashCanonical(p);
}

/**
 * The profile a shipment created before versioned profiles is judged by: its two limits, each strictly
 * beyond, as single-event rules with the shipment's delay — exactly what excursion-rules.ts applies to it.
 */
export function legacyProfile(p: {
  id: string;
  lowerC: number;
  upperC: number;
  delayMinutes: number;
  samplePeriodSeconds: number;
}): ColdChainProfile {
  const alarms = (): AlarmRule[] => [{ kind: 'single-event', delayMinutes: p.delayMinutes }];
  return parseProfile({
    uri: `${LEGACY_PROFILE_URN_PREFIX}${p.id}`,
    id: p.id,
    version: 1,
    title: `legacy profile ${p.id}: ${p.lowerC} to ${p.upperC} °C, ${p.delayMinutes} min delay`,
    samplePeriodSeconds: p.samplePeriodSeconds,
    zones: [
      {
        id: 'high',
        measure: 'temperature',
        direction: 'above',
        limit: p.upperC,
        inclusive: false,
        alarms: alarms(),
      },
      {
        id: 'low',
        measure: 'temperature',
        direction: 'below',
        limit: p.lowerC,
        inclusive: false,
        alarms: alarms(),
      },
    ],
  });
}

type ZoneInput = z.output<typeof zoneSchema>;

function zoneLimit(zone: ZoneInput): Pick<ProfileZone, 'direction' | 'limit' | 'inclusive'> {
  for (const form of FORM_NAMES) {
    const limit = zone[form];
    if (limit !== undefined) return { ...LIMIT_FORMS[form], limit };
  }
  if (zone.direction !== undefined && zone.limit !== undefined && zone.inclusive !== undefined) {
    return { direction: zone.direction, limit: zone.limit, inclusive: zone.inclusive };
  }
  // crossChecks let a zone without a limit through only for doors: "open" is a reading of 1.
  return { direction: 'above', limit: 1, inclusive: true };
}

/** The rules that span several keys, checked on the raw input so they are reported beside zod's problems. */
function crossChecks(value: unknown): string[] {
  if (!isRecord(value)) return [];
  const out: string[] = [];
  out.push(...uriProblems(value));
  if (!Array.isArray(value.zones)) return out;
  const seen = new Map<string, number>();
  value.zones.forEach((zone: unknown, i) => {
    if (!isRecord(zone)) return;
    if (typeof zone.id === 'string') {
      const first = seen.get(zone.id);
      if (first === undefined) seen.set(zone.id, i);
      else out.push(`zones[${i}].id: ${JSON.stringify(zone.id)} is already the id of zones[${first}]`);
    }
    out.push(...zoneProblems(zone, `zones[${i}]`));
  });
  return out;
}

function uriProblems(p: Record<string, unknown>): string[] {
  const { uri, id, version } = p;
  if (typeof uri !== 'string') return [];
  if (uri.startsWith(LEGACY_PROFILE_URN_PREFIX)) {
    const named = uri.slice(LEGACY_PROFILE_URN_PREFIX.length);
    return typeof id === 'string' && named !== id
      ? [`uri: a legacy profile URN must name the profile's id (${LEGACY_PROFILE_URN_PREFIX}${id})`]
      : [];
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return [`uri: must be an absolute https URI such as https://coldtrail.dev/profiles/2-8c/v1`];
  }
  if (url.protocol !== 'https:') return ['uri: must be an https URI (or a legacy profile URN)'];
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return ['uri: must carry no credentials, query or fragment'];
  }
  if (typeof version === 'number' && Number.isInteger(version) && !url.pathname.endsWith(`/v${version}`)) {
    return [`uri: must end in /v${version}, the profile's version`];
  }
  return [];
}

function zoneProblems(zone: Record<string, unknown>, at: string): string[] {
  const out: string[] = [];
  const forms = FORM_NAMES.filter((f) => zone[f] !== undefined);
  const triple = (['direction', 'limit', 'inclusive'] as const).filter((k) => zone[k] !== undefined);
  const measure = zone.measure === undefined ? 'temperature' : zone.measure;
  const stated = forms.length + (triple.length > 0 ? 1 : 0);
  if (stated > 1) {
    out.push(`${at}: states its limit more than once (${[...forms, ...triple].join(', ')}); keep one`);
  } else if (triple.length > 0 && triple.length < 3) {
    out.push(`${at}: direction, limit and inclusive go together; or write one of ${FORM_NAMES.join(', ')}`);
  } else if (stated === 0 && measure !== 'door') {
    out.push(`${at}: needs a limit: one of ${FORM_NAMES.join(', ')} (e.g. above: 8)`);
  }
  const form = forms[0];
  const limit = form !== undefined && forms.length === 1 ? zone[form] : zone.limit;
  if (typeof limit === 'number' && Number.isFinite(limit) && stated === 1) {
    const inclusive = form !== undefined ? LIMIT_FORMS[form].inclusive : zone.inclusive === true;
    const direction = form !== undefined ? LIMIT_FORMS[form].direction : zone.direction;
    if (measure === 'humidity' && (limit < 0 || limit > 100)) {
      out.push(`${at}: a humidity limit must lie within 0..100 %RH`);
    } else if (measure === 'temperature' && limit <= -273.15) {
      out.push(`${at}: a temperature limit must lie above absolute zero (-273.15 °C)`);
    } else if (measure === 'door') {
      const beyond = (v: number) =>
        direction === 'above' ? (inclusive ? v >= limit : v > limit) : inclusive ? v <= limit : v < limit;
      if (!beyond(1) || beyond(0)) {
        out.push(`${at}: a door zone counts open (1) as beyond and closed (0) as within; write atOrAbove: 1`);
      }
    }
  }
  if (Array.isArray(zone.alarms)) {
    const kinds = zone.alarms.map((a: unknown) => (isRecord(a) ? a.kind : undefined));
    const repeated = ALARM_KINDS.filter((k) => kinds.filter((x) => x === k).length > 1);
    // One rule per kind: an excursion's key is sensor, zone, rule kind and start (alarm-rules.ts).
    for (const k of repeated)
      out.push(`${at}.alarms: has more than one ${k} alarm; a zone takes one of each kind`);
  }
  return out;
}

/** The keys the object at `path` takes (for an unknown key's message). */
function knownKeys(path: readonly PropertyKey[]): string {
  const keys =
    path.length === 0
      ? profileSchema.keyof().options
      : path[0] === 'mkt'
        ? ['windowHours', 'limitC']
        : path.length === 2
          ? zoneSchema.keyof().options
          : ['kind', 'delayMinutes (single-event)', 'budgetMinutes (cumulative)'];
  return keys.join(', ');
}

function renderPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? String(seg) : `.${String(seg)}`;
  }
  return s === '' ? '(root)' : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
