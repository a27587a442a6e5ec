import { describe, expect, it } from 'vitest';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { defineEntity, defineFeatureView, field } from '../../lib/define/index.ts';
import { offlineDeliveryStreamName } from '../../lib/core/naming.ts';
import { processKinesisBatch } from '../../lib/ingest/batch.ts';
import {
  MemoryDeadLetters,
  MemoryOffline,
  MemoryOnline,
  kinesisEvent,
  STREAM_PREFIX,
} from './fakes.ts';

const user = defineEntity({ name: 'user', keys: { user_id: 'int64' } });
const clicks = defineFeatureView({
  name: 'clicks',
  entities: [user],
  ttl: '1d',
  owner: 'a@b.c',
  source: { stream: 'events' },
  features: { clicks: field.int64() },
});
const spend = defineFeatureView({
  name: 'spend',
  version: 2,
  entities: [user],
  ttl: '1d',
  owner: 'a@b.c',
  source: { stream: 'events' },
  features: { spend: field.float64(), clicks: field.int64() },
});
const { registry } = compileRegistry([user, clicks, spend]);
const names = { prefix: STREAM_PREFIX };

describe('a stream that feeds several views', () => {
  it('writes each record to every view of its stream, online and offline', async () => {
    const online = new MemoryOnline();
    const offline = new MemoryOffline();
    const r = await processKinesisBatch(
      kinesisEvent('events', [
        { user_id: 7, event_time: 1000, clicks: 3, spend: 1.5 },
        { user_id: 7, event_time: 2000, clicks: 4 },
      ]),
      { registry, names, online, offline, deadLetter: new MemoryDeadLetters(), clock: () => 5000 },
    );
    expect(r.response.batchItemFailures).toEqual([]);
    expect(r.stats.online.requests).toBe(2);
    expect(
      online.decoded(registry.featureViews.find((v) => v.name === 'spend')!)[0]!.values,
    ).toEqual({
      spend: null,
      clicks: 4,
    });
    expect(offline.rows.get(offlineDeliveryStreamName(names, clicks))).toHaveLength(2);
    expect(offline.rows.get(offlineDeliveryStreamName(names, spend))!.map((x) => x.spend)).toEqual([
      1.5,
      null,
    ]);
  });

  it('rejects a field no view of the stream declares', async () => {
    const deadLetter = new MemoryDeadLetters();
    await processKinesisBatch(kinesisEvent('events', [{ user_id: 7, event_time: 1, views: 9 }]), {
      registry,
      names,
      online: new MemoryOnline(),
      offline: new MemoryOffline(),
      deadLetter,
      clock: () => 5,
    });
    expect(deadLetter.letters.map((l) => [l.reason, l.problems[0]!.field])).toEqual([
      ['unknown-field', 'views'],
    ]);
  });
});
