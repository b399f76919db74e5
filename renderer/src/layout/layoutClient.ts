// ELK layered in a Web Worker: elkjs's own worker script (a classic worker, no eval, so it runs
// under `script-src 'self'`), driven through elk-api. Layouts are cached per config key,
// direction and label sizes; collapse states derive from the cached full layout (derive.ts).
import ELK from 'elkjs/lib/elk-api';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { ModelGraph } from '../../../shared/modelGraph';
import { InspectorError } from '../../../shared/errors';
import type { Hierarchy } from '../graph/hierarchy';
import { buildElkGraph, readElkLayout, rootOptions } from './elkGraph';
import { loadLayout, saveLayout, sizesKey } from './layoutStore';
import type { Direction, Layout } from './types';

type ElkInstance = InstanceType<typeof ELK>;

let elk: ElkInstance | undefined;
let workerFailure: Promise<never> | undefined;

function engine(): { elk: ElkInstance; failure: Promise<never> } {
  if (!elk || !workerFailure) {
    let fail: (error: Error) => void = () => {};
    workerFailure = new Promise<never>((_, reject) => {
      fail = reject;
    });
    workerFailure.catch(() => {});
    elk = new ELK({
      workerFactory: () => {
        const worker = new Worker(elkWorkerUrl, { name: 'elk-layout' });
        worker.addEventListener('error', (event) => {
          fail(
            new InspectorError(
              'INTERNAL',
              `The layout worker failed: ${event.message || 'it did not load'}.`,
            ),
          );
          elk = undefined;
        });
        return worker;
      },
    });
  }
  return { elk, failure: workerFailure };
}

/**
 * Starts the layout worker and lays out a small graph shaped like ResNeXt (a stage of blocks with
 * skip connections, compound parents, orthogonal routes), so ELK's code is compiled by the time
 * the engine has described the model. The first real layout then runs warm (0.3 s, not 1 s).
 */
export function warmUpLayout(): void {
  const { elk: instance } = engine();
  const blocks = [1, 2, 3].map((block) => ({
    id: `b${block}`,
    layoutOptions: { 'elk.padding': '[top=30,left=14,bottom=14,right=14]' },
    children: Array.from({ length: 10 }, (_, i) => ({
      id: `b${block}n${i}`,
      width: 300,
      height: 42,
    })),
  }));
  const edges = blocks.flatMap((block, index) => {
    const ids = block.children.map((child) => child.id);
    const chain = ids
      .slice(1, 9)
      .map((id, i) => ({ id: `${id}e`, sources: [ids[i]], targets: [id] }));
    const skip = { id: `${block.id}s`, sources: [ids[0]], targets: [ids[9]] };
    const next = blocks[index + 1];
    const link = next ? [{ id: `${block.id}l`, sources: [ids[9]], targets: [`${next.id}n0`] }] : [];
    return [...chain, skip, { id: `${block.id}m`, sources: [ids[8]], targets: [ids[9]] }, ...link];
  });
  void instance
    .layout({
      id: 'warm',
      layoutOptions: rootOptions('DOWN'),
      children: [
        {
          id: 'stage',
          layoutOptions: { 'elk.padding': '[top=30,left=14,bottom=14,right=14]' },
          children: blocks,
        },
      ],
      edges,
    })
    .catch(() => {});
}

const cache = new Map<string, Promise<Layout>>();
const CACHE_LIMIT = 12;

/**
 * The layout with every group expanded, for a graph: from this session's cache, else from
 * localStorage, else from ELK in the worker (then kept in both).
 */
export function fullLayout(
  key: string,
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  direction: Direction,
): Promise<Layout> {
  const cacheKey = `${key}|${direction}|${sizesKey(sizes)}`;
  let layout = cache.get(cacheKey);
  const stored = layout ? undefined : loadLayout(cacheKey);
  if (stored) {
    layout = Promise.resolve(stored);
    cache.set(cacheKey, layout);
  } else if (!layout) {
    const { elk: instance, failure } = engine();
    const input = buildElkGraph(graph, hierarchy, sizes, direction);
    layout = Promise.race([instance.layout(input), failure]).then((result) => {
      const read = readElkLayout(result, direction, sizes);
      saveLayout(cacheKey, read);
      return read;
    });
    layout.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, layout);
    if (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) {
        cache.delete(oldest);
      }
    }
  }
  return layout;
}
