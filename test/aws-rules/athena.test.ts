/**
 * The Athena rules module: each rule names the AWS page it comes from, and the SQL builders take
 * their spellings from it (the Iceberg timestamp type Athena reads, the type every UNLOAD writes,
 * the DDL quote), so changing a rule changes what they render.
 */
import { describe, expect, it } from 'vitest';
import {
  ATHENA_RULES,
  queryStringBytes,
  UNLOAD_TIMESTAMP_TYPE,
} from '../../lib/aws-rules/athena.ts';
import { hiveIdentifier, unloadSql } from '../../lib/export/athena-sql.ts';
import { trinoType } from '../../lib/sql/dialect.ts';

describe('ATHENA_RULES', () => {
  it.each(Object.entries(ATHENA_RULES))('%s cites an AWS page', (_name, rule) => {
    for (const source of rule.source.split(' ; '))
      expect(source).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|repost\.aws)\//);
    expect(rule.rule.length).toBeGreaterThan(20);
  });

  it('drives the SQL builders: Iceberg reads timestamp(6), UNLOAD writes timestamp(3)', () => {
    expect(trinoType('timestamp')).toBe('timestamp(6)');
    expect(UNLOAD_TIMESTAMP_TYPE).toBe('timestamp(3)');
    expect(ATHENA_RULES.unloadTimestampPrecision.value).toBeLessThan(
      ATHENA_RULES.icebergTimestampPrecision.value,
    );
    const sql = unloadSql('SELECT 1', [{ name: 't', timestamp: true }], 's3://b/p/');
    expect(sql).toContain('CAST("t" AS timestamp(3)) AS "t"');
    expect(hiveIdentifier('a`b')).toBe('`a``b`');
  });

  it('counts a query string in UTF-8 bytes, as Athena limits it', () => {
    expect(queryStringBytes("SELECT 'é'")).toBe(11);
    expect(ATHENA_RULES.queryStringMaxBytes.value).toBe(262_144);
  });
});
