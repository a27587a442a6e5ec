/**
 * Derived AWS names are unique by construction: a name cut to fit ends in a hash of the whole
 * name (lib/core/naming.ts), so two long view names sharing their head get two delivery streams,
 * and the local Firehose keeps their records apart.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { defineEntity, defineFeatureView, field } from '../../lib/define/index.ts';
import { derivedNameProblems, fitName, offlineDeliveryStreamName } from '../../lib/core/naming.ts';
import { nameProblems } from '../../lib/aws-rules/names.ts';
import { offlineRecordData } from '../../lib/ingest/offline-row.ts';
import { LocalFirehose, localOfflineDir } from '../../lib/local/firehose.ts';
import { compileRegistry } from '../../lib/registry/compile.ts';

const head = 'a'.repeat(60);
const user = defineEntity({ name: 'user', keys: { user_id: 'string' } });
const longView = (name: string) =>
  defineFeatureView({
    name,
    entities: [user],
    ttl: '1d',
    owner: 'o@example.com',
    source: { stream: 'users' },
    features: { score: field.float64() },
  });
const { registry } = compileRegistry([user, longView(`${head}_x1`), longView(`${head}_x2`)]);
const names = { prefix: 'skewless-production-east' };
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('derived names', () => {
  it('gives two long views that share 60 characters two valid delivery streams', () => {
    const [a, b] = registry.featureViews.map((v) => offlineDeliveryStreamName(names, v));
    expect(a).not.toBe(b);
    for (const n of [a!, b!]) {
      expect(nameProblems('AWS::KinesisFirehose::DeliveryStream', n)).toEqual([]);
      expect(n).toMatch(/^skewless-production-east-aaaa+-[0-9a-f]{8}$/);
    }
    expect(derivedNameProblems(registry, names)).toEqual([]);
  });

  it('keeps a name that fits as it is', () => {
    expect(fitName('skewless-users', 64)).toBe('skewless-users');
  });

  it('never gives two names one cut name, nor one longer than the limit', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{50,90}$/), { minLength: 2, maxLength: 20 }),
        (fulls) => {
          const cut = fulls.map((f) => fitName(f, 64));
          expect(new Set(cut).size).toBe(fulls.length);
          for (const c of cut) expect(c.length).toBeLessThanOrEqual(64);
        },
      ),
    );
  });

  it('names a prefix AWS would refuse', () => {
    expect(derivedNameProblems(registry, { prefix: 'Prod!' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^stream 'users': AWS::Kinesis::Stream name 'Prod!-users' does not match/,
        ),
      ]),
    );
  });

  it('lands each long view’s records in its own table in the local Firehose', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-names-'));
    dirs.push(dataDir);
    const firehose = await LocalFirehose.create({ registry, names, dataDir });
    for (const [i, view] of registry.featureViews.entries()) {
      const data = offlineRecordData(view, {
        keys: { user_id: `u${i}` },
        values: { score: i },
        eventTime: 0,
        ingestedAt: 1,
        recordId: `r${i}`,
      });
      await firehose.putRecordBatch({
        DeliveryStreamName: offlineDeliveryStreamName(names, view),
        Records: [{ Data: data }],
      });
    }
    await firehose.close();
    for (const view of registry.featureViews)
      expect(await readdir(localOfflineDir(dataDir, view), { recursive: true })).toEqual(
        expect.arrayContaining([expect.stringMatching(/\.parquet$/)]),
      );
  });
});
