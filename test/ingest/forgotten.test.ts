/**
 * Ingest's side of forgetting (docs/semantics.md, "Forgetting an entity"), against a brute-force
 * oracle: random records of the flights streams, random tombstones (a key and a time); a record
 * is refused as `forgotten` exactly when some entity it carries has a tombstone at or after its
 * event_time, nothing of it reaches either store, and its letter carries neither payload nor
 * partition key. A refused-anyway record (bad values) of a forgotten key is scrubbed the same way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { forgetKeyOf } from '../../lib/forget/keys.ts';
import { tombstonePut } from '../../lib/forget/tombstone.ts';
import { processKinesisBatch } from '../../lib/ingest/batch.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import {
  MemoryDeadLetters,
  MemoryOffline,
  MemoryOnline,
  STREAM_PREFIX,
  kinesisEvent,
  seeded,
} from './fakes.ts';

const { registry } = registryFromModule(defs);
const T = Date.UTC(2001, 0, 1);
const MIN = 60_000;
const AIRPORTS = ['SFO', 'LAX', 'BOS'];

const scenario = fc.record({
  flights: fc.array(
    fc.record({
      origin: fc.nat(2),
      destination: fc.nat(2),
      minute: fc.integer({ min: 0, max: 60 }),
      bad: fc.boolean(),
    }),
    { minLength: 1, maxLength: 30 },
  ),
  airportTombstones: fc.array(fc.tuple(fc.nat(2), fc.integer({ min: 0, max: 60 })), {
    maxLength: 3,
  }),
  routeTombstones: fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.integer({ min: 0, max: 60 })), {
    maxLength: 3,
  }),
});

describe('ingest and tombstones', () => {
  it('refuses exactly the records at or before their key tombstone, keeping nothing of them', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const online = new MemoryOnline();
        const offline = new MemoryOffline();
        const deadLetter = new MemoryDeadLetters();
        const stones: { keys: Record<string, string>; at: number }[] = [];
        for (const [o, minute] of s.airportTombstones)
          stones.push({ keys: { origin: AIRPORTS[o]! }, at: T + minute * MIN });
        for (const [o, d, minute] of s.routeTombstones)
          stones.push({
            keys: { origin: AIRPORTS[o]!, destination: AIRPORTS[d]! },
            at: T + minute * MIN,
          });
        for (const st of stones) {
          const k = forgetKeyOf(registry, st.keys);
          await online.putIfNewer(
            tombstonePut({ hash: k.hash, forgottenAt: st.at, requestId: 'r' }),
          );
        }
        const payloads = s.flights.map((f) => ({
          origin: AIRPORTS[f.origin]!,
          destination: AIRPORTS[f.destination]!,
          event_time: new Date(T + f.minute * MIN).toISOString(),
          delay: f.bad ? 'late' : f.minute,
          distance: 100,
        }));
        const result = await processKinesisBatch(kinesisEvent('flights', payloads), {
          registry,
          names: { prefix: STREAM_PREFIX },
          online,
          offline,
          deadLetter,
          clock: () => T + 61 * MIN,
          sleep: async () => undefined,
          random: seeded(1),
        });
        expect(result.response.batchItemFailures).toEqual([]);
        // The oracle: the latest tombstone matching any of the record's entities covers it.
        const forgotten = payloads.map((p) =>
          stones.some(
            (st) =>
              Object.entries(st.keys).every(([k, v]) => (p as Record<string, unknown>)[k] === v) &&
              Date.parse(p.event_time) <= st.at,
          ),
        );
        const letters = deadLetter.letters;
        expect(
          letters
            .filter((l) => l.reason === 'forgotten')
            .map((l) => Number(l.sequence_number) - 1)
            .sort((a, b) => a - b),
        ).toEqual(forgotten.flatMap((f, i) => (f ? [i] : [])));
        for (const l of letters.filter((x) => x.reason === 'forgotten'))
          expect([l.data_base64, l.partition_key, l.data_sha256]).toEqual(['', '', '']);
        const kept = payloads.filter((p, i) => !forgotten[i] && typeof p.delay === 'number');
        const stored = [...offline.rows.values()].flat();
        for (const row of stored)
          expect(
            stones.some(
              (st) =>
                Object.entries(st.keys).every(([k, v]) => row[k] === v) &&
                Number(row.event_time) / 1000 <= st.at,
            ),
          ).toBe(false);
        // Each accepted record lands once per view of the stream (two here).
        expect(stored.length).toBe(kept.length * 2);
      }),
      { numRuns: 150 },
    );
  });
});
