/**
 * The entities the heal checks: for each aggregation view a service reads, the distinct keys of
 * the vectors in the skew check's sample of the day (`SAMPLE_TABLE`, loaded per service by the
 * day's log source). So the heal covers exactly the entities the check sampled: every entity
 * served that day when the day is under the service's cap, its stated sample otherwise.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeEntityKey, type EntityKey, type KeyValue } from '../core/entity-key.ts';
import { getView, isAggregationView } from '../registry/query.ts';
import type { Registry, RegistryService } from '../registry/types.ts';
import { SAMPLE_TABLE } from '../skew/logs.ts';
import { quoteIdentifier as q } from '../sql/literals.ts';
import type { ServedEntities } from './heal.ts';

/** Entities per view, deduplicated by their encoded key. */
export class ServedEntitySet {
  private readonly byView = new Map<string, Map<EntityKey, Record<string, KeyValue>>>();

  /** Adds the aggregation views' entities of the sample loaded for `service`. */
  async addSample(
    duckdb: DuckDBConnection,
    registry: Registry,
    service: RegistryService,
  ): Promise<void> {
    for (const name of service.views) {
      const view = getView(registry, name);
      if (!isAggregationView(view)) continue;
      const keys = view.joinKeys.map((k) => q(k.name));
      const reader = await duckdb.runAndReadAll(
        `SELECT DISTINCT ${keys.join(', ')} FROM ${q(SAMPLE_TABLE)} WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}`,
      );
      const entities = this.byView.get(name) ?? new Map<EntityKey, Record<string, KeyValue>>();
      this.byView.set(name, entities);
      for (const row of reader.getRowObjectsJS()) {
        const values: Record<string, KeyValue> = {};
        for (const k of view.joinKeys) {
          const v = row[k.name];
          values[k.name] = typeof v === 'bigint' ? Number(v) : (v as KeyValue);
        }
        entities.set(encodeEntityKey(view.joinKeys, values), values);
      }
    }
  }

  entities(): ServedEntities {
    return new Map([...this.byView].map(([view, m]) => [view, [...m.values()]]));
  }
}
