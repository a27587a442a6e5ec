/**
 * The catalog's view of the registry as a graph: which definition feeds which (lineage), and so
 * where each one is used. Data flows stream → view → transform → service; a plain view's
 * source is its Kinesis stream, drawn as a node of its own. Derived from the compiled registry
 * only, so the catalog never restates a definition.
 */
import type { Registry } from '../registry/types.ts';

export const NODE_KINDS = ['stream', 'source', 'view', 'transform', 'service'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The column a kind is drawn in, left to right in the order data flows. */
export const LAYER_OF: Readonly<Record<NodeKind, number>> = {
  stream: 0,
  source: 0,
  view: 1,
  transform: 2,
  service: 3,
};

export interface GraphNode {
  /** `<kind>:<name>`. */
  readonly id: string;
  readonly kind: NodeKind;
  readonly name: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
}

export interface LineageGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export function nodeId(kind: NodeKind, name: string): string {
  return `${kind}:${name}`;
}

/** The whole registry's lineage. */
export function lineageOf(registry: Registry): LineageGraph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const node = (kind: NodeKind, name: string) => {
    const id = nodeId(kind, name);
    if (!nodes.has(id)) nodes.set(id, { id, kind, name });
    return id;
  };
  for (const s of registry.eventStreams ?? []) node('stream', s.name);
  for (const v of registry.featureViews) {
    const from =
      v.kind === 'aggregation'
        ? node('stream', v.aggregation.stream)
        : node('source', v.source.stream);
    edges.push({ from, to: node('view', v.name) });
  }
  const viewOfOutput = (output: string) => output.slice(0, output.indexOf('__'));
  for (const t of registry.requestTransforms) {
    const to = node('transform', t.name);
    for (const view of new Set(t.inputs.map(viewOfOutput))) {
      edges.push({ from: nodeId('view', view), to });
    }
  }
  for (const s of registry.featureServices) {
    const to = node('service', s.name);
    for (const view of s.views) edges.push({ from: nodeId('view', view), to });
    for (const t of s.transforms) edges.push({ from: nodeId('transform', t), to });
  }
  return { nodes: [...nodes.values()], edges: edges.filter((e) => nodes.has(e.from)) };
}

/** The part of the graph one node belongs to: everything upstream and downstream of it. */
export function neighbourhood(graph: LineageGraph, id: string): LineageGraph {
  const keep = new Set([id]);
  const walk = (next: (e: GraphEdge) => [string, string]) => {
    const queue = [id];
    while (queue.length > 0) {
      const at = queue.pop()!;
      for (const e of graph.edges) {
        const [here, there] = next(e);
        if (here === at && !keep.has(there)) {
          keep.add(there);
          queue.push(there);
        }
      }
    }
  };
  walk((e) => [e.from, e.to]);
  const downstream = new Set(keep);
  keep.clear();
  keep.add(id);
  walk((e) => [e.to, e.from]);
  for (const d of downstream) keep.add(d);
  return {
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}

/** Where each definition is used: the nodes directly downstream of it. */
export function usersOf(graph: LineageGraph, id: string): GraphNode[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return graph.edges.filter((e) => e.from === id).map((e) => byId.get(e.to)!);
}
