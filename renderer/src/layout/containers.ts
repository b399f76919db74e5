// The containers of a model for the composed layout: the model itself and each group, with its
// items (the layers directly inside it and its child groups) between a virtual entry and exit,
// the edges between those items, and a shape key, equal for containers that lay out alike (the
// same item sizes, child shapes, edges and title): ResNeXt's identity blocks share one.
import type { ModelGraph } from '../../../shared/modelGraph';
import type { Hierarchy } from '../graph/hierarchy';
import { runNow, type Steps } from '../lib/slices';
import type { ItemSize } from './stack';
import type { Direction } from './types';

/** The id of the container that is the whole model. */
export const ROOT = '';

/** Sizes are rounded up to this many pixels for the shape key, so near-equal layers share it. */
const QUANTUM = 16;

/** One container: its items, their sizes and edges, and its shape. */
export interface Container {
  id: string;
  /** Index 0 is the entry and the last index the exit; between them layer ids and group ids. */
  items: (number | string | null)[];
  /** Per item, what the layout needs (group entries are filled in from the child's shape). */
  sizes: ItemSize[];
  /** Per layer item, its own size (the layout reserves the rounded-up one). */
  real: { w: number; h: number }[];
  /** Per item, the items it feeds, without repeats. */
  successors: number[][];
  /** The title width the layout reserves, rounded up, and the measured one. */
  title: number;
  titleWidth: number;
  /** Equal for containers of the same shape. */
  shape: number;
  indexOf(item: number | string): number;
}

const quantize = (value: number): number => Math.ceil(value / QUANTUM) * QUANTUM;

/** The containers of a graph with the order to lay them out in: children before parents. */
export interface Containers {
  containers: Map<string, Container>;
  order: Container[];
}

/**
 * The containers of a graph, children before their parents; null if a layer's group path does not
 * follow the groups' parents (the composed layout needs a tree).
 */
export function containersOf(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  titles: ReadonlyMap<string, number>,
  direction: Direction,
): Containers | null {
  return runNow(containerSteps(graph, hierarchy, sizes, titles, direction));
}

/** `containersOf` as steps that yield every few hundred layers. */
export function* containerSteps(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  titles: ReadonlyMap<string, number>,
  direction: Direction,
): Steps<Containers | null> {
  const containers = new Map<string, Container>();
  const indices = new Map<string, Map<number | string, number>>();
  const make = (id: string): Container => {
    const index = new Map<number | string, number>();
    indices.set(id, index);
    const measured = titles.get(id) ?? 0;
    const container: Container = {
      id,
      items: [null],
      sizes: [{ kind: 'in', along: 0, left: 0, right: 0 }],
      real: [{ w: 0, h: 0 }],
      successors: [],
      title: quantize(measured),
      titleWidth: measured,
      shape: -1,
      indexOf: (item) => index.get(item) ?? -1,
    };
    containers.set(id, container);
    return container;
  };
  make(ROOT);
  for (const group of hierarchy.groups.values()) {
    make(group.id);
  }
  const down = direction === 'DOWN';
  for (const layer of graph.layers) {
    if ((layer.id & 255) === 0) {
      yield;
    }
    const chain = hierarchy.chains[layer.id] ?? [];
    for (let depth = 0; depth <= chain.length; depth += 1) {
      const containerId = depth === 0 ? ROOT : chain[depth - 1];
      const item = depth < chain.length ? chain[depth] : layer.id;
      const container = containers.get(containerId);
      const parent = typeof item === 'string' ? hierarchy.groups.get(item)?.parent : undefined;
      if (!container || (typeof item === 'string' && (parent ?? ROOT) !== containerId)) {
        return null;
      }
      const index = indices.get(containerId)!;
      if (index.has(item)) {
        continue;
      }
      index.set(item, container.items.length);
      container.items.push(item);
      if (typeof item === 'number') {
        const size = sizes.get(item) ?? { w: 160, h: 40 };
        const across = down ? quantize(size.w) : size.h;
        container.sizes.push({
          kind: 'layer',
          along: down ? size.h : size.w,
          left: across / 2,
          right: across / 2,
        });
        container.real.push(size);
      } else {
        container.sizes.push({ kind: 'group', along: 0, left: 0, right: 0 });
        container.real.push({ w: 0, h: 0 });
      }
    }
  }
  for (const container of containers.values()) {
    container.items.push(null);
    container.sizes.push({ kind: 'out', along: 0, left: 0, right: 0 });
    container.real.push({ w: 0, h: 0 });
    container.successors = container.items.map(() => []);
  }
  const edges = new Map<string, Set<number>>();
  const link = (container: Container, from: number, to: number): void => {
    let set = edges.get(container.id);
    if (!set) {
      set = new Set();
      edges.set(container.id, set);
    }
    const key = from * container.items.length + to;
    if (from !== to && !set.has(key)) {
      set.add(key);
      container.successors[from].push(to);
    }
  };
  const idByName = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
  for (const layer of graph.layers) {
    if ((layer.id & 255) === 0) {
      yield;
    }
    const target = hierarchy.chains[layer.id] ?? [];
    for (const name of layer.inbound) {
      const sourceId = idByName.get(name);
      if (sourceId === undefined) {
        continue;
      }
      const source = hierarchy.chains[sourceId] ?? [];
      let shared = 0;
      while (
        shared < source.length &&
        shared < target.length &&
        source[shared] === target[shared]
      ) {
        shared += 1;
      }
      for (let depth = source.length; depth > shared; depth -= 1) {
        const container = containers.get(source[depth - 1])!;
        const item = depth < source.length ? source[depth] : sourceId;
        link(container, container.indexOf(item), container.items.length - 1);
      }
      const lca = containers.get(shared === 0 ? ROOT : source[shared - 1])!;
      link(
        lca,
        lca.indexOf(shared < source.length ? source[shared] : sourceId),
        lca.indexOf(shared < target.length ? target[shared] : layer.id),
      );
      for (let depth = shared + 1; depth <= target.length; depth += 1) {
        const container = containers.get(target[depth - 1])!;
        link(container, 0, container.indexOf(depth < target.length ? target[depth] : layer.id));
      }
    }
  }
  // Items nothing inside feeds hang from the entry; items that feed nothing inside, from the exit.
  for (const container of containers.values()) {
    const last = container.items.length - 1;
    const fed = new Uint8Array(container.items.length);
    container.successors.forEach((list) => list.forEach((next) => (fed[next] = 1)));
    for (let index = 1; index < last; index += 1) {
      if (!fed[index]) {
        link(container, 0, index);
      }
      if (container.successors[index].length === 0) {
        link(container, index, last);
      }
    }
  }
  // Deepest first, so that every child's shape is known before its parent's.
  const depthOf = (id: string): number => {
    let depth = 0;
    // Bounded: a cycle of parents in a malformed file must not hang the view.
    for (let group = hierarchy.groups.get(id); group?.parent && depth < 64; depth += 1) {
      group = hierarchy.groups.get(group.parent);
    }
    return depth;
  };
  const order = [...hierarchy.groups.keys()]
    .map((id) => ({ container: containers.get(id)!, depth: depthOf(id) }))
    .filter(({ container }) => container.items.length > 2)
    .sort((a, b) => b.depth - a.depth)
    .map(({ container }) => container);
  order.push(containers.get(ROOT)!);
  const keys = new Map<string, number>();
  for (const container of order) {
    const items = container.items.map((item, index) => {
      if (typeof item === 'string') {
        return `g${containers.get(item)!.shape}`;
      }
      const size = container.sizes[index];
      return `${size.kind[0]}${size.along},${size.left}`;
    });
    const links = container.successors.map((list) => list.join(',')).join(';');
    const key = `${container.id === ROOT ? 'root' : container.title}|${items.join(' ')}|${links}`;
    let shape = keys.get(key);
    if (shape === undefined) {
      shape = keys.size;
      keys.set(key, shape);
    }
    container.shape = shape;
  }
  return { containers, order };
}
