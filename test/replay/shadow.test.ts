/**
 * Shadow services: the flights example with a shadow of its served service (its transform fixed
 * under a new name). The nightly check replays the served service's sample under the shadow and
 * reports it with the brute-force oracle's figures; the shadow is never served and never alerts;
 * a shadow whose keys the served log lacks is refused when the definitions compile.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  field,
} from '../../lib/define/index.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';
import { getService } from '../../lib/registry/query.ts';
import { buildLookupPlans } from '../../lib/serve/plan.ts';
import { flightsRuntime } from './fixtures/flights-defs.ts';
import { runCli, writeDefsFolder } from './fixtures/cli.ts';
import { EXIT } from '../../lib/cli/context.ts';
import { expectOracleFigures, nightlyCheck, useReplayWorld } from './fixtures/expect.ts';
import { DAY } from './fixtures/world.ts';

const runtime = flightsRuntime({ shadowEveningFrom: 17 });
const world = useReplayWorld(runtime, { vectors: 300 });

describe('shadow services', () => {
  it('the nightly check reports the shadow against the served values, by the oracle', async () => {
    const { result, alerts } = await nightlyCheck(world, runtime);
    expect(result.reports.map((r) => r.service)).toEqual(['departure_delay_model']);
    expect(result.shadows).toHaveLength(1);
    const shadow = result.shadows[0]!;
    expect([shadow.shadow, shadow.service]).toEqual([
      'departure_delay_model_next',
      'departure_delay_model',
    ]);
    expect(shadow.sample.checked).toBe(world.vectors.length);
    const served = getService(runtime.registry, 'departure_delay_model');
    expectOracleFigures(world, shadow, { eveningFrom: 17 }, served);
    const moved = shadow.outputs.filter((o) => o.matches < o.rows).map((o) => o.output);
    expect(moved).toEqual(['evening_departure']);
    // The transform is named as the change (its spec differs: another transform).
    expect(shadow.changes.map((c) => c.output).sort()).toEqual([
      'delay_above_hourly_mean',
      'evening_departure',
      'late_share_7d',
    ]);
    expect(shadow.report.service).toBe('departure_delay_model_next');
    expect(shadow.report.reportLocation).toMatch(/2026-03-15\/departure_delay_model_next\.html$/);
    const html = await readFile(shadow.report.reportLocation!, 'utf8');
    expect(html).toContain('Skew report: departure_delay_model_next, 2026-03-15');
    // The served service's own check is clean, and nothing alerted for the shadow.
    expect(result.reports[0]!.alert).toBe(false);
    expect(result.alerts).toEqual([]);
    expect(alerts).toEqual([]);
  });

  it('skew-check prints the shadow after the summaries', async () => {
    const defs = await writeDefsFolder(path.join(world.dataDir, 'defs'), { shadowEveningFrom: 17 });
    const r = await runCli(['skew-check', '--defs', defs, '--data', world.dataDir, '--date', DAY]);
    expect(r.exit).toBe(EXIT.ok);
    expect(r.out).toMatch(
      /^Shadow departure_delay_model_next of departure_delay_model, 2026-03-15: 300 logged vectors/m,
    );
    expect(r.out).toMatch(/^evening_departure\s+transform 'departure_context' as defined/m);
  });

  it('is never served', () => {
    const plans = buildLookupPlans(runtime);
    expect([...plans.services.keys()]).toEqual(['departure_delay_model']);
  });

  it('is refused when the served log lacks its keys', () => {
    const a = defineEntity({ name: 'a', keys: { a_id: 'string' } });
    const b = defineEntity({ name: 'b', keys: { b_id: 'string' } });
    const va = defineFeatureView({
      name: 'va',
      entities: [a],
      ttl: '1h',
      owner: 'x',
      features: { f: field.int64() },
    });
    const vb = defineFeatureView({
      name: 'vb',
      entities: [b],
      ttl: '1h',
      owner: 'x',
      features: { f: field.int64() },
    });
    const served = defineFeatureService({ name: 'served', features: [va] });
    const shadow = defineFeatureService({ name: 'next', features: [vb], shadowOf: served });
    expect(() => compileRegistry([a, b, va, vb, served, shadow])).toThrow(
      /feature service 'next': \[shadow-keys\] join key 'b_id' \(string\) is not a join key of 'served'/,
    );
    const loop = defineFeatureService({ name: 'again', features: [va], shadowOf: shadow });
    expect(() => compileRegistry([a, b, va, vb, served, shadow, loop])).toThrow(/itself a shadow/);
  });
});
