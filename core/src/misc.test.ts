import { describe, expect, it } from 'vitest';
import { parseAck } from './ack.js';
import { canonicalJson } from './canonical.js';
import { scaledClock } from './clock.js';
import { makeConnectToken, verifyConnectToken } from './connect-token.js';
import { detectSingleEvent } from './excursion-rules.js';
import { isSscc, makeSscc, parseSscc } from './gs1.js';
import { nobleSigner, publicKeyFromSecret } from './keys.js';
import { Channel, deviceTopic, parseTopic } from './topics.js';

describe('RFC 8785 canonical JSON', () => {
  it('sorts keys by UTF-16 code units and formats numbers as ECMAScript does (RFC 8785 §3.2)', () => {
    expect(canonicalJson({ b: 1, a: [1e21, 0.1, -0], é: 'x', A: true })).toBe(
      '{"A":true,"a":[1e+21,0.1,0],"b":1,"é":"x"}',
    );
  });
});

describe('GS1 SSCC', () => {
  it('computes the check digit of the GS1 example SSCC', () => {
    expect(makeSscc(1, '0614141', 123456789)).toBe('106141411234567897');
    expect(isSscc('106141411234567897')).toBe(true);
    expect(isSscc('106141411234567890')).toBe(false);
    expect(parseSscc('(00)106141411234567897')).toBe('106141411234567897');
    expect(() => parseSscc('12345')).toThrow(/18 digits/);
  });
});

describe('topics', () => {
  it('builds and parses device topics, rejecting wildcards in ids', () => {
    const t = deviceTopic('org1', 'dev-1', Channel.Batches);
    expect(t).toBe('coldtrail/v1/org1/dev-1/batches');
    expect(parseTopic(t)).toEqual({ org: 'org1', device: 'dev-1', channel: 'batches' });
    expect(parseTopic('coldtrail/v1/org1/dev-1/other')).toBeUndefined();
    expect(parseTopic('coldtrail/v1/org1/+/batches')).toBeUndefined();
    expect(() => deviceTopic('org1', 'dev/1', Channel.Acks)).toThrow(/identifiers/);
  });
});

describe('connect token', () => {
  const secret = new Uint8Array(32).fill(3);
  const pub = publicKeyFromSecret(secret);
  it('verifies within the skew window and refuses replays, other clients and other keys', async () => {
    const pw = await makeConnectToken('dev-1', 'dev-1', 1_000_000, nobleSigner(secret));
    expect(() => verifyConnectToken('dev-1', 'dev-1', pw, pub, 1_000_000 + 60_000)).not.toThrow();
    expect(() => verifyConnectToken('dev-1', 'dev-1', pw, pub, 1_000_000 + 600_000)).toThrow(/expired/);
    expect(() => verifyConnectToken('dev-1', 'other', pw, pub, 1_000_000)).toThrow(/does not verify/);
    expect(() =>
      verifyConnectToken('dev-1', 'dev-1', pw, publicKeyFromSecret(new Uint8Array(32)), 1_000_000),
    ).toThrow();
    expect(() => verifyConnectToken('dev-1', 'dev-1', 'hunter2', pub, 1_000_000)).toThrow(/not a coldtrail/);
  });
});

describe('ack messages', () => {
  it('parses a valid ack and rejects malformed ones', () => {
    const ack = { v: 1, device: 'dev-1', storedUpTo: 10, storedHead: 'a'.repeat(64), refused: [] };
    expect(parseAck(JSON.stringify(ack))).toEqual(ack);
    expect(() => parseAck('{')).toThrow(/not JSON/);
    expect(() => parseAck(JSON.stringify({ ...ack, storedUpTo: -1 }))).toThrow(/format/);
    expect(() => parseAck(JSON.stringify({ ...ack, storedHead: 'x' }))).toThrow(/format/);
    expect(() => parseAck(JSON.stringify({ ...ack, refused: [{ fromSeq: 1 }] }))).toThrow(/format/);
  });
});

describe('scaled clock', () => {
  it('runs simulated time at the given speed', () => {
    let wall = 1000;
    const clock = scaledClock(5_000_000, 60, () => wall);
    wall += 1000;
    expect(clock.now()).toBe(5_000_000 + 60_000);
    expect(() => scaledClock(0, 0)).toThrow(RangeError);
  });
});

describe('single-event rule', () => {
  const minute = 60_000;
  const series = (values: number[]) => values.map((value, i) => ({ t: i * minute, value }));
  const rule = { kind: 'single-event', limit: 8, direction: 'above', delayMs: 30 * minute } as const;

  it('a run shorter than the delay is no excursion; one at least as long is, covering [t, t+dt)', () => {
    const v = [...Array(10).fill(5), ...Array(29).fill(9), ...Array(10).fill(5), ...Array(30).fill(10.5), 5];
    const ex = detectSingleEvent(series(v), rule, minute);
    expect(ex).toHaveLength(1);
    expect(ex[0]).toMatchObject({
      start: 49 * minute,
      end: 79 * minute,
      durationMs: 30 * minute,
      maxValue: 10.5,
    });
  });

  it('exactly at the limit is not beyond it; below-limit rules work too; data gaps inside a run are bridged', () => {
    expect(detectSingleEvent(series(Array(60).fill(8)), rule, minute)).toEqual([]);
    const low = { ...rule, limit: 2, direction: 'below' } as const;
    const ex = detectSingleEvent(series([...Array(40).fill(1.5), 3]), low, minute);
    expect(ex).toMatchObject([{ direction: 'below', maxValue: 1.5, durationMs: 40 * minute }]);
    // Two 20-minute halves beyond the limit with 5 minutes of no data between them: the gap is bridged
    // (nothing shows the product came back in range), so it is one 45-minute excursion with 5 minutes of gap.
    const gapped = [
      ...series(Array(20).fill(9)),
      ...series(Array(20).fill(9)).map((s) => ({ ...s, t: s.t + 25 * minute })),
    ];
    expect(detectSingleEvent(gapped, rule, minute)).toMatchObject([
      { start: 0, end: 45 * minute, durationMs: 45 * minute, gapMs: 5 * minute, samples: 40 },
    ]);
    // A fault every 20 minutes during three hours at 12 °C must not hide the excursion.
    const faulty = series(Array(180).fill(12)).filter((_, i) => i % 20 !== 19);
    expect(detectSingleEvent(faulty, rule, minute)).toMatchObject([
      { start: 0, end: 179 * minute, gapMs: 8 * minute },
    ]);
    // An in-range sample ends the run even after a gap.
    const back = [...series(Array(20).fill(9)), { t: 30 * minute, value: 5 }, { t: 31 * minute, value: 9 }];
    expect(detectSingleEvent(back, rule, minute)).toEqual([]);
  });
});
