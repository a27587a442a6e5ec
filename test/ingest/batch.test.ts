import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import { offlineDeliveryStreamName } from '../../lib/core/naming.ts';
import { compareVersions, kinesisRecordId } from '../../lib/core/ordering.ts';
import { processKinesisBatch, type IngestDeps } from '../../lib/ingest/batch.ts';
import {
  MemoryDeadLetters,
  MemoryOffline,
  MemoryOnline,
  STREAM_PREFIX,
  fault,
  kinesisEvent,
  seeded,
} from './fakes.ts';

const { registry } = registryFromModule(defs);
const names = { prefix: STREAM_PREFIX };
const departures = getView(registry, 'airport_departures');
const departuresFirehose = offlineDeliveryStreamName(names, departures);
const SHARD = 'shardId-000000000000';

function deps(over: Partial<IngestDeps> = {}) {
  const online = new MemoryOnline();
  const offline = new MemoryOffline();
  const deadLetter = new MemoryDeadLetters();
  const all: IngestDeps = {
    registry,
    names,
    online,
    offline,
    deadLetter,
    clock: () => Date.UTC(2001, 5, 1),
    sleep: async () => undefined,
    random: seeded(1),
    ...over,
  };
  return { online, offline, deadLetter, deps: all };
}

const rec = (origin: string, minute: number, delay: number) => ({
  origin,
  event_time: Date.UTC(2001, 0, 1, 0, minute),
  last_delay: delay,
});

describe('processKinesisBatch', () => {
  it('keeps the newer value when an older record arrives later', async () => {
    const { online, deps: d } = deps();
    await processKinesisBatch(kinesisEvent('airport_departures', [rec('SFO', 10, 1)], 1), d);
    const r = await processKinesisBatch(
      kinesisEvent('airport_departures', [rec('SFO', 5, 2)], 2),
      d,
    );
    expect(r.stats.online.stale).toBe(1);
    expect(r.response.batchItemFailures).toEqual([]);
    expect(online.decoded(departures).map((x) => x.values.last_delay)).toEqual([1]);
  });

  it('lets the later arrival win a tie on event_time (a correction)', async () => {
    const { online, deps: d } = deps();
    await processKinesisBatch(
      kinesisEvent('airport_departures', [rec('SFO', 10, 1), rec('SFO', 10, 9)]),
      d,
    );
    expect(online.decoded(departures)[0]!.values.last_delay).toBe(9);
  });

  it('writes at most once per entity and view per batch, and every record offline', async () => {
    const { online, offline, deps: d } = deps();
    const payloads = Array.from({ length: 1200 }, (_, i) => rec(`A${i % 7}`, i, i));
    const r = await processKinesisBatch(kinesisEvent('airport_departures', payloads), d);
    expect(online.calls).toBe(7);
    expect(offline.rows.get(departuresFirehose)).toHaveLength(1200);
    expect(Math.max(...offline.callSizes)).toBeLessThanOrEqual(500);
    expect(r.stats.offline.calls).toBe(3);
  });

  it('dead-letters poison with its reason and original payload, and carries on', async () => {
    const { online, deadLetter, deps: d } = deps();
    const r = await processKinesisBatch(
      kinesisEvent('airport_departures', [
        rec('SFO', 1, 1),
        '{oops',
        { origin: 'LAX' },
        rec('LAX', 2, 3),
      ]),
      d,
    );
    expect(r.response.batchItemFailures).toEqual([]);
    expect(deadLetter.letters.map((l) => [l.sequence_number, l.reason])).toEqual([
      ['2', 'bad-json'],
      ['3', 'missing-event-time'],
    ]);
    expect(Buffer.from(deadLetter.letters[0]!.data_base64, 'base64').toString()).toBe('{oops');
    expect(deadLetter.letters[0]!.record_id).toBe(kinesisRecordId(SHARD, '2'));
    expect(online.items.size).toBe(2);
  });

  it('retries throttled writes with backoff and succeeds', async () => {
    let n = 0;
    const { online, deps: d } = deps();
    online.fail = () => (n++ < 3 ? fault('ProvisionedThroughputExceededException') : undefined);
    const r = await processKinesisBatch(kinesisEvent('airport_departures', [rec('SFO', 1, 1)]), d);
    expect(r.response.batchItemFailures).toEqual([]);
    expect(r.stats.online.retried).toBe(3);
    expect(online.items.size).toBe(1);
  });

  it('reports the records of a write that stays throttled, and only those', async () => {
    const { online, offline, deps: d } = deps();
    online.fail = (put) =>
      (put.Item.pk as { S: string }).S === 's:LAX' ? fault('ThrottlingException') : undefined;
    const r = await processKinesisBatch(
      kinesisEvent('airport_departures', [rec('SFO', 1, 1), rec('LAX', 2, 2), rec('LAX', 3, 3)]),
      d,
    );
    expect(r.response.batchItemFailures).toEqual([
      { itemIdentifier: '2' },
      { itemIdentifier: '3' },
    ]);
    expect(offline.rows.get(departuresFirehose)).toHaveLength(3);
  });

  it('resends only the entries Firehose failed', async () => {
    let n = 0;
    const { offline, deps: d } = deps();
    offline.failEntry = () => n++ % 3 === 0 && n < 20;
    const payloads = Array.from({ length: 30 }, (_, i) => rec('SFO', i, i));
    const r = await processKinesisBatch(kinesisEvent('airport_departures', payloads), d);
    expect(r.response.batchItemFailures).toEqual([]);
    const ids = offline.rows.get(departuresFirehose)!.map((row) => row.record_id);
    expect(new Set(ids).size).toBe(30);
    expect(ids).toHaveLength(30);
  });

  it('reports a poison record when the dead-letter queue is down, and does not lose it', async () => {
    const { deadLetter, deps: d } = deps();
    deadLetter.fail = () => true;
    const r = await processKinesisBatch(kinesisEvent('airport_departures', ['nope']), d);
    expect(r.response.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
  });

  it('holds back dead letters after the first unfinished record of the shard', async () => {
    const { online, deadLetter, deps: d } = deps();
    online.fail = () => fault('ThrottlingException');
    const r = await processKinesisBatch(
      kinesisEvent('airport_departures', [rec('SFO', 1, 1), 'bad']),
      d,
    );
    expect(r.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '2']);
    expect(deadLetter.letters).toEqual([]);
  });

  it('converges to the newest value per key under faults, redeliveries and disorder', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            {
              weight: 9,
              arbitrary: fc.record({
                key: fc.integer({ min: 0, max: 4 }),
                minute: fc.integer({ min: 0, max: 6 }),
                delay: fc.integer({ min: -5, max: 99 }),
              }),
            },
            { weight: 1, arbitrary: fc.constant('poison' as const) },
          ),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        async (items, batchSize, seed) => {
          const random = seeded(seed);
          const { online, offline, deadLetter, deps: d } = deps({ random });
          online.fail = () => (random() < 0.2 ? fault('ThrottlingException') : undefined);
          offline.failEntry = () => random() < 0.2;
          deadLetter.fail = () => random() < 0.2;
          const payloads = items.map((it) =>
            it === 'poison' ? '{' : rec(`K${it.key}`, it.minute, it.delay),
          );
          const event = kinesisEvent('airport_departures', payloads);
          // The event source mapping: resume from the lowest reported failure.
          let from = 0;
          for (let round = 0; from < payloads.length; round++) {
            expect(round).toBeLessThan(2000);
            const batch = { Records: event.Records.slice(from, from + batchSize) };
            const r = await processKinesisBatch(batch, d);
            const failed = r.response.batchItemFailures.map((f) =>
              batch.Records.findIndex((x) => x.kinesis.sequenceNumber === f.itemIdentifier),
            );
            from += failed.length > 0 ? Math.min(...failed) : batch.Records.length;
          }
          const expected = new Map<
            string,
            { eventTime: number; recordId: string; delay: number }
          >();
          items.forEach((it, i) => {
            if (it === 'poison') return;
            const v = {
              eventTime: Date.UTC(2001, 0, 1, 0, it.minute),
              recordId: kinesisRecordId(SHARD, String(i + 1)),
              delay: it.delay,
            };
            const cur = expected.get(`s:K${it.key}`);
            if (!cur || compareVersions(v, cur) > 0) expected.set(`s:K${it.key}`, v);
          });
          const stored = new Map(
            online.decoded(departures).map((x) => [x.entityKey as string, x.values.last_delay]),
          );
          expect(stored).toEqual(new Map([...expected].map(([k, v]) => [k, v.delay])));
          const offlineIds = new Set(offline.rows.get(departuresFirehose)?.map((r) => r.record_id));
          expect(offlineIds.size).toBe(items.filter((x) => x !== 'poison').length);
          const letterSeqs = deadLetter.letters.map((l) => Number(l.sequence_number));
          const poisonSeqs = items.flatMap((x, i) => (x === 'poison' ? [i + 1] : []));
          expect(letterSeqs).toEqual(poisonSeqs);
        },
      ),
      { numRuns: 150 },
    );
  });
});
