import { describe, expectTypeOf, it } from 'vitest';
import type {
  Entity,
  EventStream,
  FeatureService,
  FeatureView,
  InferEntityKeys,
  InferFeatures,
  InferRequest,
  RequestTransform,
} from '../../lib/define/index.ts';
import { defineEntity, defineEventStream } from '../../lib/define/index.ts';
import type { departureDelayModel } from '../../feature_defs/flights.ts';
import type { makeDefinitions } from '../registry/fixtures.ts';

type Model = typeof departureDelayModel;
type Fraud = ReturnType<typeof makeDefinitions>['fraud'];

describe('types flow from the definitions', () => {
  it('types a service lookup from its definition', () => {
    expectTypeOf<InferFeatures<Model>>().toEqualTypeOf<{
      airport_departures__last_delay: number;
      airport_departures__last_destination: string | null;
      airport_departures__last_departed_late: boolean;
      airport_delays__dep_delay_mean_1h: number;
      airport_delays__dep_delay_mean_24h: number;
      airport_delays__flights_24h: number;
      airport_delays__dep_delay_max_24h: number | null;
      airport_delays__flights_7d: number;
      airport_delays__late_7d: number;
      route_delays__flights_7d: number;
      route_delays__dep_delay_mean_7d: number | null;
      route_flights__distance: number | null;
      route_flights__last_delay: number;
      evening_departure: boolean | null;
      delay_above_hourly_mean: number | null;
      late_share_7d: number | null;
    }>();
  });

  it('types the entity keys and request fields a lookup takes', () => {
    expectTypeOf<InferEntityKeys<Model>>().toEqualTypeOf<{ origin: string; destination: string }>();
    expectTypeOf<InferRequest<Model>>().toEqualTypeOf<{ scheduled_hour: number | null }>();
  });

  it('types int64 keys as numbers and lists as number[]', () => {
    expectTypeOf<InferEntityKeys<Fraud>>().toEqualTypeOf<{
      user_id: number;
      merchant_id: string;
    }>();
    expectTypeOf<InferFeatures<Fraud>>()
      .toHaveProperty('pair_stats__visits')
      .toEqualTypeOf<number>();
  });
});

describe('owner and tags', () => {
  it('are optional on entities, event streams, transforms and services, required owner on views', () => {
    type Kinds = Entity | EventStream | RequestTransform | FeatureService;
    expectTypeOf<Kinds['owner']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Kinds['tags']>().toEqualTypeOf<Readonly<Record<string, string>> | undefined>();
    expectTypeOf<FeatureView['owner']>().toEqualTypeOf<string>();
    expectTypeOf(defineEntity).parameter(0).toHaveProperty('owner');
    expectTypeOf(defineEventStream).parameter(0).toHaveProperty('tags');
  });
});
