import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { officialExamples } from '../../../test/epcis/official-schema.js';
import { MemoryPeer } from './test-harness.js';

const examples = officialExamples();
const ORG = 'PartnerMSP';
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
type Ev = Record<string, unknown>;
const eventsOf = (text: string): Ev[] => JSON.parse(text).epcisBody.eventList;

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
});

describe('ImportEpcisDocument', () => {
  // Each into a fresh ledger: the official examples reuse one eventID with different content across files
  // (SensorDataExample17 and another), which our rule rightly refuses on one ledger (last test).
  it('imports each of the 18 official examples into a fresh ledger, and again as a no-op', async () => {
    expect(examples).toHaveLength(18);
    for (const { name, text } of examples) {
      peer = await MemoryPeer.create();
      const r = await peer.invoke(ORG, 'ImportEpcisDocument', text);
      expect(r.status, `${name}: ${r.message}`).toBe(200);
      expect(r.value).toMatchObject({ created: true, document: { hash: sha(text), importer: { msp: ORG } } });
      const keys = peer.state.size;
      const again = await peer.invoke(ORG, 'ImportEpcisDocument', text);
      expect(again.value).toMatchObject({ created: false });
      expect(again.writes).toEqual([]);
      expect(peer.state.size).toBe(keys);
    }
  });

  it('round-trips the events: what ListImportedEvents returns equals what was imported', async () => {
    const { text } = examples.find((e) => e.name === 'SensorDataExample1.jsonld') as { text: string };
    await peer.ok(ORG, 'ImportEpcisDocument', text);
    const original = eventsOf(text);
    const epc = (original[0] as { epcList: string[] }).epcList[0] as string;
    const listed = (await peer.ok(ORG, 'ListImportedEvents', epc)) as {
      event: Ev;
      document: string;
      importer: { msp: string };
      context?: unknown[];
    }[];
    const touching = original.filter((e) => (e.epcList as string[] | undefined)?.includes(epc));
    expect(listed.map((l) => l.event)).toEqual(touching);
    expect(listed.every((l) => l.document === sha(text))).toBe(true);
    // Each with the importer of its document, so provenance can say whose claim it is.
    expect(listed.every((l) => l.importer.msp === ORG)).toBe(true);
    // And its document's extension namespaces, so an export keeps its `example:` fields defined.
    expect(
      listed.every((l) => JSON.stringify(l.context) === '[{"example":"http://ns.example.com/epcis/"}]'),
    ).toBe(true);
  });

  it('refuses a changed event under a known eventID, naming both documents, and records nothing', async () => {
    const { text } = examples[0] as { text: string };
    await peer.ok(ORG, 'ImportEpcisDocument', text);
    const doc = JSON.parse(text);
    doc.epcisBody.eventList[0].bizStep = 'shipping';
    const changed = JSON.stringify(doc);
    const keys = peer.state.size;
    const r = await peer.invoke(ORG, 'ImportEpcisDocument', changed);
    expect(r.status).not.toBe(200);
    expect(r.message).toContain('CONFLICT');
    expect(r.message).toContain(sha(text));
    expect(r.message).toContain(sha(changed));
    expect(peer.state.size).toBe(keys);
  });

  it('refuses an invalid document with the path that failed, and records nothing', async () => {
    const doc = JSON.parse((examples[0] as { text: string }).text);
    doc.epcisBody.eventList[0].eventTime = '2019-04-02 lunchtime';
    const r = await peer.invoke(ORG, 'ImportEpcisDocument', JSON.stringify(doc));
    expect(r.message).toContain('INVALID');
    expect(r.message).toContain(
      'epcisBody.eventList[0].eventTime: must be an ISO 8601 date-time with offset',
    );
    expect(peer.state.size).toBe(0);
    expect((await peer.invoke(ORG, 'ImportEpcisDocument', '{not json')).message).toContain('not JSON');
  });

  it('gives an event without eventID a deterministic one (same document, same id)', async () => {
    const doc = JSON.parse((examples[0] as { text: string }).text);
    for (const e of doc.epcisBody.eventList) delete e.eventID;
    const a = (await peer.ok(ORG, 'ImportEpcisDocument', JSON.stringify(doc))) as {
      document: { eventIDs: string[] };
    };
    const other = await MemoryPeer.create();
    const b = (await other.ok(ORG, 'ImportEpcisDocument', JSON.stringify(doc))) as {
      document: { eventIDs: string[] };
    };
    expect(a.document.eventIDs).toEqual(b.document.eventIDs);
    expect(a.document.eventIDs[0]).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
  });

  it('on one ledger, refuses only the examples that reuse an eventID with other content', async () => {
    const refused: string[] = [];
    for (const { name, text } of examples) {
      const r = await peer.invoke(ORG, 'ImportEpcisDocument', text);
      if (r.status !== 200) {
        expect(r.message).toMatch(
          /^CONFLICT: .*eventID .* in document [0-9a-f]{64}; document [0-9a-f]{64} changes it/,
        );
        refused.push(name);
      }
    }
    expect(refused).toEqual(['SensorDataExample17.jsonld']);
  });
});
