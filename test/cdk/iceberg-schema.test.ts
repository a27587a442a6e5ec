import { describe, expect, it } from 'vitest';
import { GLUE } from '../../lib/aws-rules/glue.ts';
import { offlineColumns } from '../../lib/core/columns.ts';
import { ValidationError } from '../../lib/core/errors.ts';
import { icebergTableSpec, icebergType } from '../../lib/cdk/iceberg-schema.ts';
import { DTYPES } from '../../lib/define/dtypes.ts';
import type { PlainRegistryView } from '../../lib/registry/types.ts';

const view: PlainRegistryView = {
  kind: 'plain',
  name: 'embeddings',
  version: 2,
  entities: ['user'],
  joinKeys: [
    { name: 'user_id', dtype: 'int64' },
    { name: 'region', dtype: 'string' },
  ],
  features: [
    { name: 'score', dtype: 'float64', default: 0, description: 'A score.' },
    { name: 'active', dtype: 'bool', default: null, description: 'x'.repeat(300) },
    { name: 'seen_at', dtype: 'timestamp', default: null, description: '' },
    { name: 'tag', dtype: 'string', default: null, description: '' },
  ],
  ttlMs: 3_600_000,
  source: { stream: 'users' },
  owner: 'o',
  description: '',
  tags: {},
};

describe('icebergTableSpec', () => {
  const spec = icebergTableSpec(view);

  it('lists the offline columns in order with ids 1..n', () => {
    expect(spec.schema.fields.map((f) => f.name)).toEqual(offlineColumns(view).map((c) => c.name));
    expect(spec.schema.fields.map((f) => f.id)).toEqual(offlineColumns(view).map((_, i) => i + 1));
  });

  it('maps each dtype to its Iceberg type', () => {
    const types = Object.fromEntries(spec.schema.fields.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      user_id: 'long',
      region: 'string',
      score: 'double',
      active: 'boolean',
      seen_at: 'timestamp',
      tag: 'string',
      event_time: 'timestamp',
      ingested_at: 'timestamp',
      record_id: 'string',
    });
  });

  it('writes only type names CloudFormation documents for a field Type (a String)', () => {
    for (const f of spec.schema.fields)
      expect(GLUE.icebergPrimitiveTypes.value, f.name).toContain(f.type);
    for (const dtype of DTYPES) {
      const type = icebergType(dtype);
      if (type !== null) expect(GLUE.icebergPrimitiveTypes.value).toContain(type);
    }
  });

  it('refuses a float64_list column, naming the view and the column, rather than an unproven JSON string', () => {
    const listView: PlainRegistryView = {
      ...view,
      features: [
        ...view.features,
        { name: 'vector', dtype: 'float64_list', default: null, description: '' },
      ],
    };
    expect(() => icebergTableSpec(listView)).toThrow(ValidationError);
    expect(() => icebergTableSpec(listView)).toThrow(
      /view 'embeddings' column 'vector' is float64_list/,
    );
  });

  it('requires keys and record columns and leaves features nullable', () => {
    const required = spec.schema.fields.filter((f) => f.required).map((f) => f.name);
    expect(required).toEqual(['user_id', 'region', 'event_time', 'ingested_at', 'record_id']);
  });

  it('keeps feature docs within Glue’s 255 characters', () => {
    expect(spec.schema.fields.find((f) => f.name === 'active')!.doc).toHaveLength(255);
  });

  it('partitions by day of event_time', () => {
    const eventTime = spec.schema.fields.find((f) => f.name === 'event_time')!;
    expect(spec.partitionSpec.fields).toEqual([
      { name: 'event_time_day', sourceId: eventTime.id, transform: 'day', fieldId: 1000 },
    ]);
  });
});
