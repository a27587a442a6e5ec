/**
 * Example definitions on real data: US flights of 2001 (`vega-datasets`, flights-3m.parquet:
 * date, delay, distance, origin, destination). A model predicts whether a flight will depart
 * more than 15 minutes late from what was known about its airport and route at departure time.
 */
import {
  defineEntity,
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

/** Hourly aggregates per airport, computed by a batch producer and pushed at the end of each hour. */
export const airportHourly = defineFeatureView({
  name: 'airport_hourly',
  version: 1,
  entities: [airport],
  ttl: '3h',
  owner: 'ml-platform@example.com',
  description: 'Departure delay statistics per origin airport over the previous hour.',
  tags: { domain: 'flights' },
  features: {
    dep_delay_mean_1h: field.float64({ default: 0, description: 'Mean departure delay (min).' }),
    flights_1h: field.int64({ default: 0, description: 'Departures in the hour.' }),
    late_share_1h: field.float64({ description: 'Share of departures > 15 min late.' }),
  },
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
  description: 'Hour-of-day signal and how the airport compares with its own hourly mean.',
  request: { scheduled_hour: 'int64' },
  inputs: [pick(airportDepartures, ['last_delay']), pick(airportHourly, ['dep_delay_mean_1h'])],
  outputs: { evening_departure: 'bool', delay_above_hourly_mean: 'float64' },
  fn: ({ request, features }) => ({
    evening_departure: request.scheduled_hour === null ? null : request.scheduled_hour >= 18,
    delay_above_hourly_mean:
      features.airport_departures__last_delay - features.airport_hourly__dep_delay_mean_1h,
  }),
});

export const departureDelayModel = defineFeatureService({
  name: 'departure_delay_model',
  description: 'Inputs of the "departs more than 15 minutes late" classifier.',
  features: [airportDepartures, airportHourly, pick(routeFlights, ['distance', 'last_delay'])],
  transforms: [departureContext],
  skew: { psiMax: 0.25, perFeature: { route_flights__distance: { exactMatchMin: 1 } } },
});
