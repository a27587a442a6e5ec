/**
 * One timed skew check in its own process, so its peak memory is its own: `tsx
 * bench/children/skew-check.ts <request.json>` runs `runLocalSkewCheck` over a prepared data
 * folder and prints one JSON line (seconds, peak RSS, the report's figures).
 */
import { readFile } from 'node:fs/promises';
import * as definitions from '../../feature_defs/index.ts';
import { localAlertSink } from '../../lib/local/skew-alerts.ts';
import { runLocalSkewCheck } from '../../lib/local/skew-check.ts';
import { registryFromModule } from '../../lib/registry/load.ts';
import { parseBaseline } from '../../lib/skew/baseline.ts';
import { withSample } from '../parts/with-sample.ts';

export interface ChildRequest {
  readonly dataDir: string;
  readonly date: string;
  readonly service: string;
  readonly baselineFile: string;
  readonly duckdbConfig: Record<string, string>;
  /** The service's sample for this run (the bench's 1M day is checked whole). */
  readonly sample?: { readonly rate: number; readonly maxVectorsPerDay: number };
}

const request = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as ChildRequest;
const runtime = withSample(
  registryFromModule(definitions as Record<string, unknown>),
  request.service,
  request.sample,
);
const { baseline } = parseBaseline(
  JSON.parse(await readFile(request.baselineFile, 'utf8')),
  request.baselineFile,
);
const start = Date.now();
const result = await runLocalSkewCheck({
  dataDir: request.dataDir,
  duckdbConfig: request.duckdbConfig,
  runtime,
  date: request.date,
  services: [request.service],
  baselines: new Map([[request.service, baseline]]),
  alerts: localAlertSink(request.dataDir, () => undefined),
});
const seconds = (Date.now() - start) / 1000;
const report = result.reports[0]!;
console.log(
  JSON.stringify({
    seconds,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    vectors: report.vectors,
    sample: report.sample,
    timings: report.timings,
    verdicts: Object.fromEntries(report.outputs.map((o) => [o.output, o.verdict])),
    kinds: report.kinds,
    outputs: report.outputs.map((o) => ({
      output: o.output,
      exactMatchRate: o.exactMatchRate,
      causes: o.causes.map((c) => [c.cause, c.count]),
    })),
    alerts: result.alerts.length,
  }),
);
