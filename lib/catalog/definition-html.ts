/**
 * A definition as the registry holds it, drawn as tables: keys, columns, features with their
 * types and defaults, windows, tiles and filters (as data), request fields, outputs, thresholds.
 * Every text is escaped; values show as JSON.
 */
import { canonicalJson } from '../core/canonical-json.ts';
import { escapeHtml as e } from '../skew/html.ts';
import type {
  RegistryColumn,
  RegistryEntity,
  RegistryEventStream,
  RegistryAggregateFeature,
  RegistryFeature,
  RegistryKey,
  RegistryService,
  RegistryTransform,
  RegistryView,
} from '../registry/types.ts';

type Cell = string;

/** A table from rows of already-escaped cells. */
export function table(cls: string, head: readonly string[], rows: readonly Cell[][]): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  return (
    `<table class="${e(cls)}"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`
  );
}

const code = (text: string) => `<code>${e(text)}</code>`;
const json = (value: unknown) => code(JSON.stringify(value) ?? 'null');

function columnsTable(cls: string, what: string, columns: readonly RegistryColumn[]): string {
  return table(
    cls,
    [what, 'type'],
    columns.map((c) => [code(c.name), e(c.dtype)]),
  );
}

function keysTable(keys: readonly RegistryKey[]): string {
  return columnsTable('keys', 'join key', keys);
}

/** The registry's own JSON of a definition, for whoever wants the exact data. */
export function rawJson(value: unknown): string {
  return `<details><summary>Registry JSON</summary><pre>${e(canonicalJson(value, 2))}</pre></details>`;
}

export function entityDefinition(entity: RegistryEntity): string {
  return `<h2>Definition</h2>${keysTable(entity.keys)}${rawJson(entity)}`;
}

export function streamDefinition(stream: RegistryEventStream): string {
  return (
    `<h2>Definition</h2><p>Partition key: ${stream.partitionKey.map(code).join(', ')} · event id: ${stream.eventId ? code(stream.eventId) : 'none'}</p>` +
    keysTable(stream.keys) +
    columnsTable('columns', 'column', stream.columns) +
    rawJson(stream)
  );
}

/** A window or tile as declared: `7d`, `1h`, `5m`, `30s`. */
export function spanText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}

function aggregateText(f: RegistryFeature | RegistryAggregateFeature): string {
  if (!('aggregate' in f)) return '';
  const a = f.aggregate;
  const where = a.where
    ? ` where ${a.where.column} ${a.where.op} ${JSON.stringify(a.where.value)}`
    : '';
  return `${a.fn}(${a.column ?? '*'}) over ${spanText(a.windowMs)} in ${spanText(a.tileMs)} tiles${where}`;
}

export function viewDefinition(view: RegistryView): string {
  const stream = view.kind === 'aggregation' ? view.aggregation.stream : null;
  const aggregated = stream !== null;
  const rows = view.features.map((f) => [
    `<a id="feature-${e(f.name)}"></a>${code(f.name)}`,
    e(f.dtype),
    json(f.default),
    ...(aggregated ? [e(aggregateText(f))] : []),
    `<span class="description">${e(f.description)}</span>`,
  ]);
  const facts = [
    `version ${view.version}`,
    aggregated
      ? `aggregates event stream ${code(stream)} (an aggregate never expires: its window is its freshness; item ttl ${spanText(view.ttlMs)})`
      : `ttl ${spanText(view.ttlMs)}`,
    `Kinesis source ${code(view.source.stream)}`,
  ];
  return (
    `<h2>Definition</h2><p class="facts">${facts.join(' · ')}</p>` +
    keysTable(view.joinKeys) +
    table(
      'features',
      ['feature', 'type', 'default', ...(aggregated ? ['aggregation'] : []), 'description'],
      rows,
    ) +
    rawJson(view)
  );
}

export function transformDefinition(t: RegistryTransform): string {
  return (
    `<h2>Definition</h2><h3>Request fields</h3>${columnsTable('request', 'field', t.request)}` +
    `<h3>Inputs</h3>${table(
      'inputs',
      ['feature'],
      t.inputs.map((i) => [code(i)]),
    )}` +
    `<h3>Outputs</h3>${columnsTable('outputs', 'output', t.outputs)}` +
    '<p class="muted">The function itself is TypeScript in the definitions; lookups and exports run the same one.</p>' +
    rawJson(t)
  );
}

export function serviceDefinition(s: RegistryService): string {
  const thresholds = Object.entries({ '(service)': s.skew.defaults, ...s.skew.perFeature }).map(
    ([name, t]) => [
      code(name),
      ...(['exactMatchMin', 'nullMismatchMax', 'staleMax', 'psiMax', 'ksMax'] as const).map(
        (k) => `${t[k]}`,
      ),
    ],
  );
  const shadow = s.shadowOf
    ? `<p class="meta">A shadow of <a href="${e(encodeURIComponent(s.shadowOf))}.html">${e(s.shadowOf)}</a>: stored, never served; each night its log is replayed under this service and reported under this name.</p>`
    : '';
  return (
    `<h2>Definition</h2>${shadow}${keysTable(s.joinKeys)}` +
    `<h3>Outputs</h3>${table(
      'outputs',
      ['output', 'type', 'from', 'default'],
      s.outputs.map((o) => {
        const f = s.features.find((x) => x.output === o.name);
        return [
          code(o.name),
          e(o.dtype),
          f ? `view ${e(f.view)} v${f.version}` : 'transform',
          f ? json(f.default) : '',
        ];
      }),
    )}` +
    `<h3>Request fields</h3>${columnsTable('request', 'field', s.request)}` +
    `<h3>Skew thresholds</h3>${table('thresholds', ['applies to', 'exact match ≥', 'null mismatch ≤', 'stale ≤', 'PSI ≤', 'KS ≤'], thresholds)}` +
    (s.skew.sample
      ? `<p>Sample: rate ${s.skew.sample.rate}, at most ${s.skew.sample.maxVectorsPerDay} vectors a day.</p>`
      : '') +
    rawJson(s)
  );
}
