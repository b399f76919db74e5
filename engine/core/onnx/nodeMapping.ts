/**
 * Maps the nodes of the graph ORT actually ran (its optimised graph, saved by the session) back to
 * Keras layers. Generated names change between sessions at the fastest level, so names are only
 * hints; the data flow of the original graph decides the rest:
 *
 * 1. A node is anchored to a layer when its name (less ORT's `_nchwc` / `_token_N` suffixes) is an
 *    original node or tensor name, or when one of its outputs is an original tensor.
 * 2. A layer no node anchors was fused: it goes to the node that anchors the next layer of its
 *    single-consumer chain (a conv fused with the BN and ReLU after it), else to the node of its
 *    input (a BN or ReLU after a fused conv); an Add goes to the node that takes the other branch
 *    as an extra input (ORT's Conv+Add fusion), else to its latest input's node.
 * 3. Each node charges its time to the first of its layers in topological order (its conv); its
 *    other layers are "fused into" that one. Layout nodes ORT inserts (ReorderInput/Output,
 *    Transpose, Memcpy) are charged to the layer whose output they convert.
 */
import type { OnnxNode } from './onnxProto';

/** What the exporter knows of the original graph. */
export interface OriginalGraph {
  /** Keras layer names, topological. */
  layers: readonly string[];
  /** Producer layer names of each layer's inputs. */
  inbound: Readonly<Record<string, readonly string[]>>;
  /** Original node name → layer name. */
  nodeLayers: Readonly<Record<string, string>>;
  /** Original tensor name → the layer whose node produced it (graph inputs → the input layer). */
  tensorLayers: Readonly<Record<string, string>>;
  /** Keras class name of each layer. */
  classes: Readonly<Record<string, string>>;
}

/** Where each optimised node's time goes, and which layers were fused into which. */
export interface NodeMapping {
  /** Optimised node name → the layer its time is charged to. */
  chargedTo: Record<string, string>;
  /** Layers no node is charged to → the timed layer they were fused into. */
  fusedInto: Record<string, string>;
  /** Layers charged by at least one node. */
  timed: string[];
}

/** Keras classes ORT fuses into the node before them (Conv+BN, Conv+ReLU, Conv+Add). */
const ABSORBED_CLASSES = new Set(['BatchNormalization', 'Activation', 'ReLU', 'Add']);

const LAYOUT_OPS = new Set([
  'ReorderInput',
  'ReorderOutput',
  'Transpose',
  'MemcpyToHost',
  'MemcpyFromHost',
]);

/** Removes the suffixes ORT appends to the names of the nodes it rewrites. */
export function stripGenerated(name: string): string {
  let previous: string;
  let current = name;
  do {
    previous = current;
    current = current.replace(/_token_\d+$/, '').replace(/_nchwc$/, '');
  } while (current !== previous);
  return current;
}

function anchorsOf(node: OnnxNode, original: OriginalGraph): string[] {
  const anchors = new Set<string>();
  const direct = original.nodeLayers[node.name];
  if (direct) {
    anchors.add(direct);
  } else {
    const stripped = stripGenerated(node.name);
    const layer = original.nodeLayers[stripped] ?? original.tensorLayers[stripped];
    if (layer) {
      anchors.add(layer);
    }
  }
  for (const output of node.output) {
    const layer = original.tensorLayers[output];
    if (layer) {
      anchors.add(layer);
    }
  }
  return [...anchors];
}

class Mapper {
  private readonly consumers = new Map<string, string[]>();
  private readonly order = new Map<string, number>();
  /** layer → optimised node names that anchor or absorbed it. */
  readonly owners = new Map<string, string[]>();
  /** tensor → optimised node that produced it. */
  private readonly producers = new Map<string, OnnxNode>();
  private readonly layout = new Set<string>();

  constructor(
    private readonly original: OriginalGraph,
    private readonly nodes: readonly OnnxNode[],
  ) {
    original.layers.forEach((layer, index) => {
      this.order.set(layer, index);
      this.consumers.set(layer, []);
    });
    for (const layer of original.layers) {
      for (const source of original.inbound[layer] ?? []) {
        this.consumers.get(source)?.push(layer);
      }
    }
    for (const node of nodes) {
      node.output.forEach((tensor) => this.producers.set(tensor, node));
      if (!original.nodeLayers[node.name] && LAYOUT_OPS.has(node.opType)) {
        this.layout.add(node.name);
      }
    }
  }

  own(layer: string, node: string): void {
    const list = this.owners.get(layer) ?? [];
    if (!list.includes(node)) {
      list.push(node);
    }
    this.owners.set(layer, list);
  }

  anchor(): void {
    for (const node of this.nodes) {
      if (!this.layout.has(node.name)) {
        anchorsOf(node, this.original).forEach((layer) => this.own(layer, node.name));
      }
    }
  }

  /** Follows a single-consumer chain down to the first anchored layer. */
  private forward(layer: string): string | undefined {
    let current = layer;
    for (;;) {
      const next = this.consumers.get(current) ?? [];
      if (next.length !== 1 || (this.original.inbound[next[0]] ?? []).length !== 1) {
        return undefined;
      }
      current = next[0];
      const owner = this.owners.get(current)?.[0];
      if (owner) {
        return owner;
      }
    }
  }

  /** The nodes whose outputs a node reads, looking through layout nodes. */
  private sources(node: OnnxNode, seen = new Set<string>()): Set<string> {
    const found = new Set<string>();
    for (const tensor of node.input) {
      const producer = this.producers.get(tensor);
      if (!producer || seen.has(producer.name)) {
        continue;
      }
      seen.add(producer.name);
      if (this.layout.has(producer.name)) {
        this.sources(producer, seen).forEach((name) => found.add(name));
      } else {
        found.add(producer.name);
      }
    }
    return found;
  }

  private backward(layer: string): string | undefined {
    const inputs = this.original.inbound[layer] ?? [];
    const candidates = inputs
      .map((input) => this.owners.get(input)?.[0])
      .filter((owner): owner is string => owner !== undefined);
    if (candidates.length <= 1) {
      return candidates[0];
    }
    const byName = new Map(this.nodes.map((node) => [node.name, node]));
    for (const candidate of candidates) {
      const node = byName.get(candidate);
      const reads = node ? this.sources(node) : new Set<string>();
      if (candidates.some((other) => other !== candidate && reads.has(other))) {
        return candidate;
      }
    }
    const latest = [...inputs].sort((a, b) => (this.order.get(b) ?? 0) - (this.order.get(a) ?? 0));
    return this.owners.get(latest[0])?.[0];
  }

  /** Whether a node reads, through layout nodes, the output of every node that owns an input of `layer`. */
  private readsInputsOf(node: string, layer: string): boolean {
    const found = this.nodes.find((candidate) => candidate.name === node);
    const reads = found ? this.sources(found) : new Set<string>();
    return (this.original.inbound[layer] ?? []).every((input) => {
      const owner = this.owners.get(input)?.[0];
      return owner === undefined || owner === node || reads.has(owner);
    });
  }

  /**
   * Layers no node anchors, in topological order. ORT fuses BN, activations and Add into the node
   * before them, so those look back first; anything else (a conv whose node is named after the
   * ReLU it absorbed) looks forward first, to a node that reads what the layer reads.
   */
  assignFused(): void {
    for (const layer of this.original.layers) {
      if (this.owners.has(layer)) {
        continue;
      }
      const absorbable = ABSORBED_CLASSES.has(this.original.classes[layer] ?? '');
      const ahead = (): string | undefined => {
        const owner = this.forward(layer);
        return owner && this.readsInputsOf(owner, layer) ? owner : undefined;
      };
      const owner = absorbable
        ? (this.backward(layer) ?? ahead())
        : (ahead() ?? this.backward(layer));
      if (owner) {
        this.own(layer, owner);
      }
    }
  }

  /** The first layer (topologically) each compute node owns. */
  charges(): Map<string, string> {
    const charged = new Map<string, string>();
    for (const layer of this.original.layers) {
      for (const node of this.owners.get(layer) ?? []) {
        if (!charged.has(node)) {
          charged.set(node, layer);
        }
      }
    }
    return charged;
  }

  layoutCharge(
    node: OnnxNode,
    charged: Map<string, string>,
    fusedInto: Record<string, string>,
  ): string | undefined {
    for (const tensor of node.input) {
      const layer = this.original.tensorLayers[tensor];
      if (layer) {
        return fusedInto[layer] ?? layer;
      }
      const producer = this.producers.get(tensor);
      if (producer) {
        return (
          charged.get(producer.name) ??
          (this.layout.has(producer.name)
            ? this.layoutCharge(producer, charged, fusedInto)
            : undefined)
        );
      }
    }
    return undefined;
  }
}

/** Maps an optimised graph's nodes to the original Keras layers. */
export function mapNodesToLayers(original: OriginalGraph, nodes: readonly OnnxNode[]): NodeMapping {
  const mapper = new Mapper(original, nodes);
  mapper.anchor();
  mapper.assignFused();
  const charged = mapper.charges();
  const timedSet = new Set(charged.values());
  const fusedInto: Record<string, string> = {};
  for (const layer of original.layers) {
    const owner = mapper.owners.get(layer)?.[0];
    if (!timedSet.has(layer) && owner) {
      fusedInto[layer] = charged.get(owner) as string;
    }
  }
  const chargedTo: Record<string, string> = Object.fromEntries(charged);
  for (const node of nodes) {
    if (!(node.name in chargedTo)) {
      const layer = mapper.layoutCharge(node, charged, fusedInto);
      if (layer) {
        chargedTo[node.name] = layer;
        if (!(layer in fusedInto)) {
          timedSet.add(layer);
        }
      }
    }
  }
  return {
    chargedTo,
    fusedInto,
    timed: original.layers.filter((layer) => timedSet.has(layer)),
  };
}
