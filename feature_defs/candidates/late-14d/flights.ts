/**
 * A candidate change to the flights example, shipped to show `skewless plan --replay`: the late
 * departures of `airport_delays` counted over 14 days instead of 7 (`late_7d`'s window; its name
 * kept, as a quick edit keeps it). Everything else is the example's own definitions, imported:
 * only the view that changes and the transform and service that read it are defined again.
 *
 *   skewless plan --defs feature_defs/candidates/late-14d --applied feature_defs/applied-registry.json --replay <day>
 */
import {
  defineAggregationView,
  defineFeatureService,
  defineRequestTransform,
  pick,
} from '../../../lib/define/index.ts';
import * as example from '../../flights.ts';

export const { airport, route, airportDepartures, flights, routeDelays, routeFlights } = example;

export const airportDelays = defineAggregationView({
  name: 'airport_delays',
  entities: [airport],
  stream: flights,
  owner: example.airportDelays.owner,
  description: example.airportDelays.description,
  tags: { ...example.airportDelays.tags },
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
      window: '14d', // the change: was 7d
      where: { column: 'delay', op: '>', value: 15 },
      description: 'Departures more than 15 min late in the last 7 days.',
    }),
  }),
});

export const departureContext = defineRequestTransform({
  name: example.departureContext.name,
  description: example.departureContext.description,
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
  fn: example.departureContext.fn,
});

export const departureDelayModel = defineFeatureService({
  name: example.departureDelayModel.name,
  description: example.departureDelayModel.description,
  features: [
    airportDepartures,
    airportDelays,
    routeDelays,
    pick(routeFlights, ['distance', 'last_delay']),
  ],
  transforms: [departureContext],
  skew: example.departureDelayModel.skew,
});
