/**
 * One definition drives everything: a registry with one more view (on a new source) has one
 * more Glue table, stream, event source mapping, Firehose stream and freshness alarm, and the
 * ingest and query roles reach them, with no other code change.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/flights.ts';
import { defineFeatureView, field } from '../../lib/define/index.ts';
import { collectDefinitions } from '../../lib/registry/load.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { synthStore } from './synth.ts';
import { flightsRuntime } from '../replay/fixtures/flights-defs.ts';

const routeWeather = defineFeatureView({
  name: 'route_weather',
  version: 1,
  entities: [flights.route],
  ttl: '6h',
  owner: 'ml-platform@example.com',
  source: { stream: 'weather_events' },
  features: { headwind_kts: field.float64({ default: 0 }) },
});

let before: Template;
let after: Template;

beforeAll(() => {
  const base = collectDefinitions(flights);
  before = synthStore(compileRegistry(base).registry).template;
  after = synthStore(compileRegistry([...base, routeWeather]).registry).template;
});

const count = (t: Template, type: string): number => Object.keys(t.findResources(type)).length;

function ingestStatements(t: Template): { Action: string | string[]; Resource: unknown }[] {
  const policies = Object.entries(t.findResources('AWS::IAM::Policy'));
  const [, policy] = policies.find(([id]) => id.startsWith('FeatureStoreIngestionIngestRole'))!;
  return (policy as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties
    .PolicyDocument.Statement;
}

describe('adding a feature view', () => {
  it.each([
    ['AWS::Glue::Table', 1],
    ['AWS::Kinesis::Stream', 1],
    ['AWS::Lambda::EventSourceMapping', 1],
    ['AWS::KinesisFirehose::DeliveryStream', 1],
    ['AWS::IAM::Role', 1],
    ['AWS::CloudWatch::Alarm', 2],
    ['AWS::Lambda::Function', 0],
    ['AWS::DynamoDB::Table', 0],
  ])('changes the count of %s by %i', (type, delta) => {
    expect(count(after, type) - count(before, type)).toBe(delta);
  });

  it('creates its Iceberg table, stream and Firehose stream under derived names', () => {
    after.hasResourceProperties('AWS::Glue::Table', { Name: 'route_weather_v1' });
    after.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'skewless-weather-events' });
    after.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'skewless-route-weather-v1',
    });
  });

  it('lets the ingest Lambda read the new stream and feed the new Firehose stream', () => {
    const statements = ingestStatements(after);
    const reach = (action: string) =>
      statements
        .filter((s) => ([] as string[]).concat(s.Action).includes(action))
        .flatMap((s) => ([] as unknown[]).concat(s.Resource))
        .map((r) => JSON.stringify(r))
        .join('\n');
    expect(reach('kinesis:GetRecords')).toContain('Streamweatherevents');
    expect(reach('firehose:PutRecordBatch')).toContain('Deliveryrouteweatherv1');
  });

  it('lets the export Lambda read the new table', () => {
    const policies = Object.entries(after.findResources('AWS::IAM::Policy'));
    const [, exportPolicy] = policies.find(([id]) =>
      id.startsWith('FeatureStoreExportsExportRole'),
    )!;
    expect(JSON.stringify(exportPolicy)).toContain('table/skewless_offline/route_weather_v1');
  });
});

describe('a candidate version of a served view (read by a shadow)', () => {
  let shadowed: Template;
  beforeAll(() => {
    shadowed = synthStore(flightsRuntime({ shadowRouteWindow: '14d' }).registry).template;
  });

  it('gets its own Iceberg table and Firehose stream, fed by the same ingest', () => {
    shadowed.hasResourceProperties('AWS::Glue::Table', { Name: 'route_delays_v2' });
    shadowed.hasResourceProperties('AWS::Glue::Table', { Name: 'route_delays_v1' });
    shadowed.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'skewless-route-delays-v2',
    });
    const reach = ingestStatements(shadowed)
      .filter((s) => ([] as string[]).concat(s.Action).includes('firehose:PutRecordBatch'))
      .flatMap((s) => ([] as unknown[]).concat(s.Resource))
      .map((r) => JSON.stringify(r))
      .join('\n');
    expect(reach).toContain('Deliveryroutedelaysv2');
    expect(reach).toContain('Deliveryroutedelaysv1');
  });

  it('adds no stream, function or table beyond its own', () => {
    const base = synthStore(flightsRuntime().registry).template;
    expect(count(shadowed, 'AWS::Kinesis::Stream')).toBe(count(base, 'AWS::Kinesis::Stream'));
    expect(count(shadowed, 'AWS::Lambda::Function')).toBe(count(base, 'AWS::Lambda::Function'));
    expect(count(shadowed, 'AWS::Glue::Table') - count(base, 'AWS::Glue::Table')).toBe(1);
  });
});
