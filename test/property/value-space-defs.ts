/** One view holding every dtype, for the value-space property test. */
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  field,
} from '../../lib/define/index.ts';

export const thing = defineEntity({
  name: 'thing',
  description: 'Anything with an id.',
  keys: { id: 'string' },
});

export const allTypes = defineFeatureView({
  name: 'all_types',
  version: 1,
  entities: [thing],
  // Long enough that every instant of years 0001-9999 is still fresh at the read time.
  ttl: '4000000d',
  owner: 'test@example.com',
  description: 'One feature of each dtype, no defaults (a stored value reads back as itself).',
  features: {
    i: field.int64({ description: 'int64' }),
    f: field.float64({ description: 'float64' }),
    s: field.string({ description: 'string' }),
    b: field.bool({ description: 'bool' }),
    ts: field.timestamp({ description: 'timestamp' }),
    list: field.float64List({ description: 'float64_list' }),
  },
});

export const allTypesService = defineFeatureService({
  name: 'all_types_service',
  description: 'Every feature of all_types.',
  features: [allTypes],
});
