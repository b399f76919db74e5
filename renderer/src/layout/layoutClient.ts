// ELK layered in a Web Worker: elkjs's own worker script (a classic worker, no eval, so it runs
// under `script-src 'self'`), driven through elk-api. Layouts are cached per config key,
// direction and label sizes; collapse states derive from the cached full layout (derive.ts).
import ELK from 'elkjs/lib/elk-api';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { ModelGraph } from '../../../shared/modelGraph';
import { InspectorError } from '../../../shared/errors';
import type { Hierarchy } from '../graph/hierarchy';
import { buildElkGraph, readElkLayout } from './elkGraph';
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
 * Starts the layout worker, so its script loads and compiles while the app connects. The first
 * layout it runs is the graph predicted for the config being loaded (prefetch.ts), which also
 * warms ELK's code: a separate warm-up layout would only make that one wait.
 */
export function startLayoutWorker(): void {
  engine();
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
