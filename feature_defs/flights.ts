/**
 * Example definitions on real data: US flights of 2001 (`vega-datasets`, flights-3m.parquet:
 * date, delay, distance, origin, destination). A model predicts whether a flight will depart
 * more than 15 minutes late from what was known about its airport and route five minutes before
 * it departs (the example's producer and questions: `examples/flights/`).
 */
import {
  defineAggregationView,
  defineEntity,
  defineEventStream,
  defineFeatureService,
  defineFeatureView,
  defineRequestTransform,
  field,
  pick,
} from '../lib/define/index.ts';

export const airport = defineEntity({
  name: 'airport',
  description: 'An origin airport, by IATA code.',
  keys: { origin: 'string' },
});

export const route = defineEntity({
  name: 'route',
  description: 'A directed origin → destination pair.',
  keys: { origin: 'string', destination: 'string' },
});

/** The newest departure from each airport: one record per flight, newest wins. */
export const airportDepartures = defineFeatureView({
  name: 'airport_departures',
  version: 1,
  entities: [airport],
  ttl: '2h',
  owner: 'ml-platform@example.com',
  description: 'The latest departure seen at each origin airport.',
  tags: { domain: 'flights' },
  features: {
    last_delay: field.int64({
      default: 0,
      description: 'Departure delay of the latest flight (min).',
    }),
    last_destination: field.string({ description: 'Where the latest flight went.' }),
    last_departed_late: field.bool({
      default: false,
      description: 'Latest flight left > 15 min late.',
    }),
  },
});

/**
 * The raw departures: one record per flight, pushed once, aggregated by the store itself into the
 * per-airport and per-route views below (no batch job computes them). Partitioned by origin, a
 * key both views share, so each airport's and route's events stay on one shard, in order.
 */
export const flights = defineEventStream({
  name: 'flights',
  description: 'One record per departure (delay and distance).',
  entities: [airport, route],
  partitionKey: ['origin'],
  columns: { delay: 'int64', distance: 'int64' },
});

/** Departure delays per airport over sliding windows, computed online and offline alike. */
export const airportDelays = defineAggregationView({
  name: 'airport_delays',
  entities: [airport],
  stream: flights,
  owner: 'ml-platform@example.com',
  description: 'Departure delay statistics per origin airport over sliding windows.',
  tags: { domain: 'flights' },
  features: (a) => ({
    dep_delay_mean_1h: a.mean('delay', {
      window: '1h',
      default: 0,
      description: 'Mean departure delay over the last hour (min).',
    }),
    dep_delay_mean_24h: a.mean('delay', { window: '24h', default: 0 }),
    flights_24h: a.count({ window: '24h', description: 'Departures in the last 24 h.' }),
    dep_delay_max_24h: a.max('delay', { window: '24h', description: 'Worst delay in 24 h.' }),
    flights_7d: a.count({ window: '7d' }),
    late_7d: a.count({
      window: '7d',
      where: { column: 'delay', op: '>', value: 15 },
      description: 'Departures more than 15 min late in the last 7 days.',
    }),
  }),
});

/** Per route: traffic and mean delay over a week. */
export const routeDelays = defineAggregationView({
  name: 'route_delays',
  entities: [route],
  stream: flights,
  owner: 'ml-platform@example.com',
  description: 'Flights and mean departure delay per route over 7 days.',
  tags: { domain: 'flights' },
  features: (a) => ({
    flights_7d: a.count({ window: '7d' }),
    dep_delay_mean_7d: a.mean('delay', { window: '7d' }),
  }),
});

/** The newest flight on each route. */
export const routeFlights = defineFeatureView({
  name: 'route_flights',
  version: 1,
  entities: [route],
  ttl: '1d',
  owner: 'ml-platform@example.com',
  description: 'The latest flight seen on each route.',
  tags: { domain: 'flights' },
  features: {
    distance: field.int64({ description: 'Route distance (miles).' }),
    last_delay: field.int64({
      default: 0,
      description: 'Departure delay of the latest flight on the route (min).',
    }),
  },
});

/** Request-time features: derived per lookup (and per exported row) from the request and features. */
export const departureContext = defineRequestTransform({
  name: 'departure_context',
  description:
    'Hour-of-day signal, how the airport compares with its own hourly mean, and its late share.',
  request: { scheduled_hour: 'int64' },
  inputs: [
    pick(airportDepartures, ['last_delay']),
    pick(airportDelays, ['dep_delay_mean_1h', 'flights_7d', 'late_7d']),
  ],
  outputs: {
    evening_departure: 'bool',
    delay_above_hourly_mean: 'float64',
    late_share_7d: 'float64',
  },
  fn: ({ request, features }) => ({
    evening_departure: request.scheduled_hour === null ? null : request.scheduled_hour >= 18,
    delay_above_hourly_mean:
      features.airport_departures__last_delay - features.airport_delays__dep_delay_mean_1h,
    // Share of departures > 15 min late over 7 days (null before the airport's first flight).
    late_share_7d:
      features.airport_delays__flights_7d === 0
        ? null
        : features.airport_delays__late_7d / features.airport_delays__flights_7d,
  }),
});

export const departureDelayModel = defineFeatureService({
  name: 'departure_delay_model',
  description: 'Inputs of the "departs more than 15 minutes late" classifier.',
  features: [
    airportDepartures,
    airportDelays,
    routeDelays,
    pick(routeFlights, ['distance', 'last_delay']),
  ],
  transforms: [departureContext],
  skew: { psiMax: 0.25, perFeature: { route_flights__distance: { exactMatchMin: 1 } } },
});
