// ELK layered in a Web Worker: elkjs's own worker script (a classic worker, no eval, so it runs
// under `script-src 'self'`), driven through elk-api. Layouts are cached per config key,
// direction and label sizes; collapse states derive from the cached full layout (derive.ts).
import ELK from 'elkjs/lib/elk-api';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { ModelGraph } from '../../../shared/modelGraph';
import { InspectorError } from '../../../shared/errors';
import type { Hierarchy } from '../graph/hierarchy';
import { buildElkGraph, readElkLayout } from './elkGraph';
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

/** Starts the layout worker and compiles ELK's hot paths on a small graph, while the model is built. */
export function warmUpLayout(): void {
  const { elk: instance } = engine();
  const chain = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, width: 100, height: 30 }));
  const edges = chain
    .slice(1)
    .map((node, i) => ({ id: `e${i}`, sources: [`n${i}`], targets: [node.id] }));
  const group = {
    id: 'g',
    children: chain,
    layoutOptions: { 'elk.padding': '[top=20,left=10,bottom=10,right=10]' },
  };
  void instance
    .layout({
      id: 'warm',
      layoutOptions: { 'elk.algorithm': 'layered', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN' },
      children: [group],
      edges,
    })
    .catch(() => {});
}

const cache = new Map<string, Promise<Layout>>();
const CACHE_LIMIT = 12;

/** The layout with every group expanded, for a graph, computed once per key and direction. */
export function fullLayout(
  key: string,
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  direction: Direction,
): Promise<Layout> {
  const cacheKey = `${key}|${direction}`;
  let layout = cache.get(cacheKey);
  if (!layout) {
    const { elk: instance, failure } = engine();
    const input = buildElkGraph(graph, hierarchy, sizes, direction);
    layout = Promise.race([instance.layout(input), failure]).then((result) =>
      readElkLayout(result, direction, sizes),
    );
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
