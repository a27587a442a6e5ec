/**
 * The heal's entities come from the skew check's sample of the day: per aggregation view a
 * service reads, the distinct keys of the sampled vectors (rows missing a key left out), each
 * entity once across services; plain views are not healed.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import * as flights from '../../feature_defs/index.ts';
import { ServedEntitySet } from '../../lib/heal/served.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { getService } from '../../lib/registry/query.ts';
import { SAMPLE_TABLE } from '../../lib/skew/logs.ts';

const { registry } = registryFromModule(flights as Record<string, unknown>);

describe('the entities the heal checks', () => {
  it("are the sample's distinct keys per aggregation view", async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const duckdb = await instance.connect();
    try {
      await duckdb.run(
        `CREATE TABLE ${SAMPLE_TABLE} AS SELECT * FROM (VALUES ('SFO', 'LAX'), ('SFO', 'LAX'), ('SFO', 'JFK'), ('BOS', NULL), (NULL, 'SEA')) AS v(origin, destination)`,
      );
      const served = new ServedEntitySet();
      const service = getService(registry, 'departure_delay_model');
      await served.addSample(duckdb, registry, service);
      await served.addSample(duckdb, registry, service); // a second service with the same sample
      const entities = served.entities();
      expect([...entities.keys()].sort()).toEqual(['airport_delays', 'route_delays']);
      expect(entities.get('airport_delays')).toEqual(
        expect.arrayContaining([{ origin: 'SFO' }, { origin: 'BOS' }]),
      );
      expect(entities.get('airport_delays')).toHaveLength(2);
      expect(entities.get('route_delays')).toEqual(
        expect.arrayContaining([
          { origin: 'SFO', destination: 'LAX' },
          { origin: 'SFO', destination: 'JFK' },
        ]),
      );
      expect(entities.get('route_delays')).toHaveLength(2);
    } finally {
      duckdb.closeSync();
      instance.closeSync();
    }
  });
});
