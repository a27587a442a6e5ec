import { describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getView } from '../../lib/registry/query.ts';
import {
  MAX_RECORD_BYTES,
  parseRecord,
  streamSchema,
  validateRecord,
  type PoisonReason,
} from '../../lib/ingest/record.ts';
import { encodeOfflineRow } from '../../lib/ingest/offline-row.ts';
import { offlineColumns } from '../../lib/core/columns.ts';

const { registry } = registryFromModule(defs);
const departures = streamSchema(registry, 'airport_departures');
const routes = streamSchema(registry, 'route_flights');
const good = {
  origin: 'SFO',
  event_time: '2001-01-01T10:00:00Z',
  last_delay: 12,
  last_destination: 'LAX',
  last_departed_late: false,
};

function reasonOf(input: unknown): PoisonReason | undefined {
  const v = validateRecord(departures, input);
  return v.ok ? undefined : v.problems[0]!.reason;
}

describe('validateRecord', () => {
  it('accepts a record of the stream, with canonical values and the encoded key', () => {
    const v = validateRecord(departures, good);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.record.entityKey).toBe('s:SFO');
    expect(v.record.eventTime).toBe(Date.UTC(2001, 0, 1, 10));
    expect(v.record.values).toEqual({
      last_delay: 12,
      last_destination: 'LAX',
      last_departed_late: false,
    });
  });

  it('reads an absent feature as null and epoch ms as event_time', () => {
    const v = validateRecord(departures, { origin: 'SFO', event_time: 978343200000 });
    expect(v.ok && v.record.values.last_delay).toBe(null);
    expect(v.ok && v.record.eventTime).toBe(978343200000);
  });

  it('encodes multi-key entities in declared key order', () => {
    const v = validateRecord(routes, { destination: 'LAX', origin: 'SFO', event_time: 0 });
    expect(v.ok && v.record.entityKey).toBe('s:SFO|s:LAX');
  });

  it.each([
    [{ ...good, colour: 'red' }, 'unknown-field'],
    [{ ...good, record_id: 'x' }, 'reserved-field'],
    [{ ...good, ingested_at: 1 }, 'reserved-field'],
    [{ ...good, origin: undefined }, 'missing-key'],
    [{ ...good, origin: 7 }, 'bad-key'],
    [{ ...good, origin: '' }, 'bad-key'],
    [{ ...good, event_time: undefined }, 'missing-event-time'],
    [{ ...good, event_time: '2001-01-01T10:00:00' }, 'bad-event-time'],
    [{ ...good, event_time: '2001-01-01T10:00:00+02:00' }, 'bad-event-time'],
    [{ ...good, last_delay: 1.5 }, 'wrong-type'],
    [{ ...good, last_departed_late: 'yes' }, 'wrong-type'],
    [[good], 'not-an-object'],
    [null, 'not-an-object'],
  ] as const)('rejects %j as %s', (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it('names every problem of a record, the field first', () => {
    const v = validateRecord(departures, { origin: 3, event_time: 'soon', last_delay: 'x' });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems.map((p) => p.field)).toEqual(['origin', 'event_time', 'last_delay']);
    expect(v.problems[2]!.message).toContain('last_delay');
  });
});

describe('parseRecord', () => {
  it('rejects bytes that are not JSON', () => {
    const v = parseRecord(departures, Buffer.from('{"origin":'));
    expect(v.ok ? undefined : v.problems[0]!.reason).toBe('bad-json');
  });

  it('rejects a record larger than the limit before parsing it', () => {
    const big = Buffer.from(
      JSON.stringify({ ...good, last_destination: 'x'.repeat(MAX_RECORD_BYTES) }),
    );
    const v = parseRecord(departures, big);
    expect(v.ok ? undefined : v.problems[0]!.reason).toBe('oversized');
  });
});

describe('encodeOfflineRow', () => {
  it('holds exactly the offline columns, timestamps as epoch microseconds', () => {
    const view = getView(registry, 'airport_departures');
    const row = encodeOfflineRow(view, {
      keys: { origin: 'SFO' },
      values: { last_delay: 3, last_destination: null, last_departed_late: true },
      eventTime: 1000,
      ingestedAt: 2000,
      recordId: 'r',
    });
    expect(Object.keys(row)).toEqual(offlineColumns(view).map((c) => c.name));
    expect(row).toMatchObject({ event_time: 1_000_000, ingested_at: 2_000_000, record_id: 'r' });
  });
});
