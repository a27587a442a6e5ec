/**
 * The lineage graph as inline SVG: a layered layout computed here (one column per kind, in the
 * order data flows; rows ordered by the mean position of each node's neighbours, swept a few
 * times to untangle edges), nodes linking to their pages. No script, no external asset.
 */
import { escapeHtml as e } from '../skew/html.ts';
import { LAYER_OF, type GraphNode, type LineageGraph, type NodeKind } from './graph.ts';

const NODE = { width: 190, height: 30, rowGap: 12, columnGap: 90, pad: 16, label: 26 } as const;
const FILL: Readonly<Record<NodeKind, string>> = {
  stream: '#e0f2fe',
  source: '#f1f5f9',
  view: '#dcfce7',
  transform: '#fef9c3',
  service: '#ede9fe',
};
const COLUMN_TITLES = ['streams', 'feature views', 'request transforms', 'services'] as const;

export interface PlacedNode extends GraphNode {
  readonly x: number;
  readonly y: number;
}

/** Column and row of every node; rows by the barycentre of neighbours, down then up, 4 sweeps. */
export function layoutLineage(graph: LineageGraph): {
  nodes: PlacedNode[];
  width: number;
  height: number;
} {
  const columns: GraphNode[][] = COLUMN_TITLES.map(() => []);
  for (const n of [...graph.nodes].sort((a, b) => a.name.localeCompare(b.name)))
    columns[LAYER_OF[n.kind]]!.push(n);
  const position = new Map<string, number>();
  const index = () => columns.forEach((column) => column.forEach((n, i) => position.set(n.id, i)));
  index();
  const up = adjacency(graph, 'up');
  const down = adjacency(graph, 'down');
  const order = (column: GraphNode[], neighbours: Map<string, string[]>) => {
    const key = new Map(
      column.map((n, i) => {
        const around = (neighbours.get(n.id) ?? []).map((id) => position.get(id) ?? 0);
        return [n.id, around.length ? around.reduce((a, b) => a + b, 0) / around.length : i];
      }),
    );
    column.sort((a, b) => key.get(a.id)! - key.get(b.id)!);
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let c = 1; c < columns.length; c++) {
      order(columns[c]!, up);
      index();
    }
    for (let c = columns.length - 2; c >= 0; c--) {
      order(columns[c]!, down);
      index();
    }
  }
  const used = columns.map((column, c) => ({ column, c })).filter((x) => x.column.length > 0);
  const nodes = used.flatMap(({ column }, slot) =>
    column.map((n, row) => ({
      ...n,
      x: NODE.pad + slot * (NODE.width + NODE.columnGap),
      y: NODE.pad + NODE.label + row * (NODE.height + NODE.rowGap),
    })),
  );
  const rows = Math.max(1, ...used.map((x) => x.column.length));
  return {
    nodes,
    width: NODE.pad * 2 + Math.max(1, used.length) * (NODE.width + NODE.columnGap) - NODE.columnGap,
    height: NODE.pad * 2 + NODE.label + rows * (NODE.height + NODE.rowGap) - NODE.rowGap,
  };
}

function adjacency(graph: LineageGraph, direction: 'up' | 'down'): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const [at, other] = direction === 'up' ? [edge.to, edge.from] : [edge.from, edge.to];
    map.set(at, [...(map.get(at) ?? []), other]);
  }
  return map;
}

/**
 * The SVG. `href(node)` gives each node's link (or null: a Kinesis source has no page);
 * `focus` is drawn emphasised.
 */
export function lineageSvg(
  graph: LineageGraph,
  href: (node: GraphNode) => string | null,
  focus?: string,
): string {
  const { nodes, width, height } = layoutLineage(graph);
  const at = new Map(nodes.map((n) => [n.id, n]));
  const edges = graph.edges
    .map((edge) => {
      const a = at.get(edge.from);
      const b = at.get(edge.to);
      if (!a || !b) return '';
      return `<path class="edge" d="${edgePath(a, b, nodes)}" fill="none" stroke="#94a3b8" stroke-width="1.3" marker-end="url(#arrow)"/>`;
    })
    .join('');
  const titles = [...new Set(nodes.map((n) => LAYER_OF[n.kind]))].map(
    (layer, slot) =>
      `<text class="column" x="${NODE.pad + slot * (NODE.width + NODE.columnGap)}" y="${NODE.pad + 12}">${COLUMN_TITLES[layer]}</text>`,
  );
  const boxes = nodes.map((n) => nodeSvg(n, href(n), n.id === focus)).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="lineage">` +
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L8 4 L0 8 z" fill="#94a3b8"/></marker></defs>` +
    `${titles.join('')}${edges}${boxes}</svg>`
  );
}

/**
 * A curve from `a`'s right side to `b`'s left; an edge that skips a column (view → service past
 * the transforms) crosses it through the gap nearest its straight line, never through a box.
 */
function edgePath(a: PlacedNode, b: PlacedNode, nodes: readonly PlacedNode[]): string {
  const mid = NODE.height / 2;
  let [x, y] = [a.x + NODE.width, a.y + mid];
  const [x2, y2] = [b.x, b.y + mid];
  const curve = (tx: number, ty: number) => {
    const m = (x + tx) / 2;
    const d = `C${m} ${y} ${m} ${ty} ${tx} ${ty}`;
    [x, y] = [tx, ty];
    return d;
  };
  const parts = [`M${x} ${y}`];
  const between = [...new Set(nodes.filter((n) => n.x > a.x && n.x < b.x).map((n) => n.x))];
  for (const cx of between.sort((p, q) => p - q)) {
    let wy = y + ((y2 - y) * (cx - x)) / (x2 - x);
    const boxes = nodes.filter((n) => n.x === cx);
    const half = NODE.rowGap / 2;
    const hit = boxes.find((n) => wy > n.y - half && wy < n.y + NODE.height + half);
    if (hit) wy = wy < hit.y + mid ? hit.y - half : hit.y + NODE.height + half;
    parts.push(curve(cx, wy), `L${cx + NODE.width} ${wy}`);
    x = cx + NODE.width;
  }
  parts.push(curve(x2 - 4, y2));
  return parts.join(' ');
}

function nodeSvg(n: PlacedNode, href: string | null, focused: boolean): string {
  const label = n.name.length > 24 ? `${n.name.slice(0, 23)}…` : n.name;
  const box =
    `<rect x="${n.x}" y="${n.y}" width="${NODE.width}" height="${NODE.height}" rx="6" fill="${FILL[n.kind]}" stroke="${focused ? '#0f172a' : '#64748b'}" stroke-width="${focused ? 2.5 : 1}"/>` +
    `<text x="${n.x + 10}" y="${n.y + 19}" class="node-label">${e(label)}</text>` +
    `<title>${e(`${n.kind} ${n.name}`)}</title>`;
  const group = `<g class="node ${n.kind}" data-node="${e(n.id)}">${box}</g>`;
  return href ? `<a href="${e(href)}">${group}</a>` : group;
}
