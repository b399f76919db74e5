// A container's graph (its layers and child groups as items, between a virtual entry and exit)
// read as nested series and parallel parts: a chain of items, where an item with several
// successors forks into branches that meet again at the fork's immediate post-dominator. Most
// networks read so (residual and inception blocks, encoder-decoder skips); a graph that does not
// (a dense block, an edge across branches) gets null, and the caller falls back to ELK.

/** A part of a sequence: an item, or branches that run side by side from the item before. */
export type Part = { kind: 'item'; index: number } | { kind: 'fork'; branches: Part[][] };

/**
 * Decomposes a DAG on items `0 … count-1` (`successors` deduplicated) from `source` to `sink` into
 * the sequence of parts from the source to the sink, both included; null if the graph is cyclic,
 * has an item the source cannot reach, or is not series-parallel.
 */
export function decompose(
  count: number,
  successors: readonly (readonly number[])[],
  source: number,
  sink: number,
): Part[] | null {
  const order = topologicalOrder(count, successors);
  if (!order || order[0] !== source) {
    return null;
  }
  const rank = new Int32Array(count);
  order.forEach((item, index) => {
    rank[item] = index;
  });
  const post = postDominators(order, rank, successors, sink);
  if (!post) {
    return null;
  }
  const visited = new Uint8Array(count);
  let seen = 0;
  // Walks from `start` until `stop` (not included); every item entered at most once.
  const walk = (start: number, stop: number): Part[] | null => {
    const parts: Part[] = [];
    let current = start;
    while (current !== stop) {
      if (visited[current]) {
        return null;
      }
      visited[current] = 1;
      seen += 1;
      parts.push({ kind: 'item', index: current });
      const next = successors[current];
      if (current === sink) {
        return stop === -1 ? parts : null;
      }
      if (next.length === 1) {
        current = next[0];
        continue;
      }
      const join = post[current];
      const branches: Part[][] = [];
      for (const first of next) {
        const branch = first === join ? [] : walk(first, join);
        if (!branch) {
          return null;
        }
        branches.push(branch);
      }
      parts.push({ kind: 'fork', branches });
      current = join;
    }
    return parts;
  };
  const parts = walk(source, -1);
  return parts && seen === count ? parts : null;
}

/** Kahn's order, stable for equal ranks (lowest index first); null on a cycle. */
function topologicalOrder(
  count: number,
  successors: readonly (readonly number[])[],
): number[] | null {
  const incoming = new Int32Array(count);
  for (const list of successors) {
    for (const next of list) {
      incoming[next] += 1;
    }
  }
  const ready: number[] = [];
  for (let item = count - 1; item >= 0; item -= 1) {
    if (incoming[item] === 0) {
      ready.push(item);
    }
  }
  const order: number[] = [];
  while (ready.length > 0) {
    const item = ready.pop()!;
    order.push(item);
    // Pushed in reverse so the lowest index pops first: the order follows the model's own.
    const list = successors[item];
    for (let index = list.length - 1; index >= 0; index -= 1) {
      const next = list[index];
      incoming[next] -= 1;
      if (incoming[next] === 0) {
        ready.push(next);
      }
    }
  }
  return order.length === count ? order : null;
}

/**
 * The immediate post-dominator of every item (Cooper, Harvey and Kennedy's intersection, on the
 * reversed DAG in reverse topological order); null if an item cannot reach the sink.
 */
function postDominators(
  order: readonly number[],
  rank: Int32Array,
  successors: readonly (readonly number[])[],
  sink: number,
): Int32Array | null {
  const post = new Int32Array(order.length).fill(-1);
  post[sink] = sink;
  const meet = (a: number, b: number): number => {
    while (a !== b) {
      if (rank[a] < rank[b]) {
        a = post[a];
      } else {
        b = post[b];
      }
    }
    return a;
  };
  for (let index = order.length - 1; index >= 0; index -= 1) {
    const item = order[index];
    if (item === sink) {
      continue;
    }
    let found = -1;
    for (const next of successors[item]) {
      if (post[next] !== -1) {
        found = found === -1 ? next : meet(found, next);
      }
    }
    if (found === -1) {
      return null;
    }
    post[item] = found;
  }
  return post;
}
