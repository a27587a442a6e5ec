import { describe, expect, it } from 'vitest';
import * as defs from '../../feature_defs/index.ts';
import * as synthetic from '../export/synthetic-defs.ts';
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
// A plain view with a float64 (ratio) and an int64 (score) feature.
const numeric = streamSchema(registryFromModule(synthetic).registry, 'user_stats');
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

describe('bad input: each record is refused with its reason, naming the problem', () => {
  const hour = { user_id: 'u1', event_time: '2001-01-01T10:00:00Z' };
  it.each([
    [
      { ...good, last_destination: 'L\ud800X' },
      'wrong-type',
      /lone surrogate \(U\+D800 at index 1\)/,
    ],
    [{ ...good, origin: '\udfff' }, 'bad-key', /join key 'origin' .*lone surrogate/],
    [
      { ...hour, ratio: 1e200 },
      'wrong-type',
      /1e\+200 is beyond the largest number DynamoDB stores/,
    ],
    [{ ...hour, ratio: 5e-324 }, 'wrong-type', /5e-324 is closer to zero than the smallest/],
    [{ ...hour, ratio: 1.7976931348623157e308 }, 'wrong-type', /beyond the largest/],
    [{ ...hour, ratio: -1e126 }, 'wrong-type', /-1e\+126 is beyond/],
    [{ ...hour, score: 2 ** 53 }, 'wrong-type', /outside the exact integer range/],
    [
      { ...good, event_time: 9000000000000000 },
      'bad-event-time',
      /9000000000000000 ms is outside years 0001-9999/,
    ],
    [{ ...good, event_time: '2001-02-30T00:00:00Z' }, 'bad-event-time', /2001-02 has no day 30/],
    [
      { ...good, event_time: '2001-01-01T24:00:00Z' },
      'bad-event-time',
      /24:00:00 is not a time of day/,
    ],
    [{ ...good, event_time: '0000-12-31T23:59:59Z' }, 'bad-event-time', /year 0000/],
    [{ ...good, event_time: '+010000-01-01T00:00:00Z' }, 'bad-event-time', /not ISO-8601 UTC/],
    [{ ...good, event_time: 1.5 }, 'bad-event-time', /epoch ms must be an integer/],
  ] as const)('refuses %j as %s', (input, reason, message) => {
    // The numeric view's features only exist on its own stream.
    const schema = Object.keys(input).some((k) => numeric.features.has(k)) ? numeric : departures;
    const v = validateRecord(schema, input);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems[0]!.reason).toBe(reason);
    expect(v.problems[0]!.message).toMatch(message);
  });

  it('accepts the edges of what every store holds, -0 as 0', () => {
    for (const x of [9.99e125, -9.99e125, 1e-130, -1e-130, 0, Number.MAX_SAFE_INTEGER]) {
      const v = validateRecord(numeric, { ...hour, ratio: x });
      expect(v.ok && v.record.values.ratio).toBe(x);
    }
    const zero = validateRecord(numeric, { ...hour, ratio: -0, score: -0 });
    expect(zero.ok && Object.is(zero.record.values.ratio, 0)).toBe(true);
    expect(zero.ok && Object.is(zero.record.values.score, 0)).toBe(true);
    for (const t of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2000-02-29T00:00:00Z'])
      expect(validateRecord(departures, { ...good, event_time: t }).ok).toBe(true);
    expect(validateRecord(departures, { ...good, event_time: '1900-02-29T00:00:00Z' }).ok).toBe(
      false,
    );
  });

  it('refuses an event_time later than the ingestion time as future-event-time', () => {
    const at = Date.parse(good.event_time);
    expect(validateRecord(departures, good, { now: at }).ok).toBe(true);
    const v = validateRecord(departures, good, { now: at - 1 });
    expect(v.ok ? undefined : v.problems[0]!.reason).toBe('future-event-time');
    expect(v.ok ? '' : v.problems[0]!.message).toMatch(/is after the time it was ingested/);
  });

  it('refuses a record nested deeper than any value, without exhausting the stack', () => {
    const deep = `{"origin":"SFO","event_time":0,"last_destination":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const v = parseRecord(departures, Buffer.from(deep));
    expect(v.ok ? undefined : v.problems[0]!.message).toMatch(/nests more than 16 levels deep/);
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
