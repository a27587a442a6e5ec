/**
 * A served day of the flights demo, as a live system sees it: each sampled flight's question is
 * asked through the lookup API at its time (`ASK_LEAD_MINUTES` before departure), and every
 * flight that departed before that moment has already streamed through Kinesis and the ingest
 * handler, stored at that moment. So the online store holds, at each lookup, exactly what the
 * offline store holds as of it: the skew check's rebuild at `served_at` sees the same state.
 */
import { utcDate } from '../../lib/core/inference-log.ts';
import { flightsRecords, flightsSpine, type FlightsSlice, type WireRecord } from './data.ts';
import type { DemoWorld } from './demo.ts';
import type { Incident, PlantedIncident } from './incident.ts';

export interface ServedTraffic {
  readonly lookups: number;
  readonly records: number;
  readonly planted?: PlantedIncident;
}

export async function serveDay(
  world: DemoWorld,
  day: FlightsSlice,
  incident?: Incident,
): Promise<ServedTraffic> {
  const { store, service, progress, time } = world;
  const asks = sample(await flightsSpine(store.stack.duckdb, day), world.lookups);
  const stream = await recordsInTimeOrder(world, day);
  let planted: PlantedIncident | undefined;
  // Streams every record whose event time is at or before `until`, stored at `until`.
  const streamUntil = async (until: number) => {
    time.set(until);
    let pushed = 0;
    for (const [view, records] of stream.takeUntil(until))
      pushed += await store.push(view, records, { sync: false });
    if (pushed > 0) await store.drain();
  };
  const keys = service.joinKeys.map((k) => k.name);
  let done = 0;
  for (const ask of asks) {
    const at = Number(ask.event_time);
    if (incident && !planted && at >= incident.at(day)) {
      await streamUntil(incident.at(day));
      planted = await incident.plant(world);
    }
    await streamUntil(at);
    await lookupOnce(store.lookup.url, service.name, keys, ask);
    progress.advance(++done);
  }
  await streamUntil(day.to - 1);
  await store.sync();
  if (incident && !planted)
    throw new Error(`the incident of ${utcDate(day.from)} was never planted: no lookup after it`);
  return { lookups: done, records: stream.total, planted };
}

/** Every k-th question of the day (in departure order), at most `wanted`. */
function sample(asks: readonly WireRecord[], wanted: number): WireRecord[] {
  const step = Math.max(1, Math.floor(asks.length / Math.max(1, wanted)));
  return asks.filter((_, i) => i % step === 0).slice(0, wanted);
}

/** A day's records per view in event-time order, handed out up to an instant at a time. */
async function recordsInTimeOrder(world: DemoWorld, day: FlightsSlice) {
  const byView = new Map<string, WireRecord[]>();
  for (const view of world.views)
    byView.set(view, await flightsRecords(world.store.stack.duckdb, view, day));
  const next = new Map([...byView.keys()].map((v) => [v, 0]));
  return {
    total: [...byView.values()].reduce((n, list) => n + list.length, 0),
    /** The records not handed out yet whose `event_time <= until`, per view. */
    *takeUntil(until: number): Generator<[string, WireRecord[]]> {
      for (const [view, list] of byView) {
        const start = next.get(view)!;
        let end = start;
        while (end < list.length && Number(list[end]!.event_time) <= until) end++;
        next.set(view, end);
        if (end > start) yield [view, list.slice(start, end)];
      }
    },
  };
}

async function lookupOnce(
  url: string,
  service: string,
  keys: readonly string[],
  ask: WireRecord,
): Promise<void> {
  const response = await fetch(`${url}/features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      service,
      entities: [Object.fromEntries(keys.map((k) => [k, ask[k]]))],
      request: { scheduled_hour: ask.scheduled_hour },
    }),
  });
  if (!response.ok) throw new Error(`lookup failed: ${response.status} ${await response.text()}`);
}
