// The full layout of a graph: composed from its groups on the main thread in milliseconds
// (compose.ts), or, for a graph that does not read as series and parallel parts, ELK layered in a
// Web Worker: elkjs's own worker script (a classic worker, no eval, so it runs under
// `script-src 'self'`), driven through elk-api. Layouts are cached per config key, direction and
// label sizes; collapse states derive from the cached full layout (derive.ts).
import ELK from 'elkjs/lib/elk-api';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { ModelGraph } from '../../../shared/modelGraph';
import { InspectorError } from '../../../shared/errors';
import type { Hierarchy } from '../graph/hierarchy';
import { canvasMeasure, frameTitleFont, type MeasureText } from '../graph/labels';
import { expandedGroupTitle } from '../graph/viewModel';
import { runSliced } from '../lib/slices';
import { composeSteps } from './compose';
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

const cache = new Map<string, Promise<Layout>>();
const CACHE_LIMIT = 12;

const titleMeasures = new Map<string, MeasureText>();

/** The width of each group's title as its expanded frame shows it, in the view's fonts. */
export function titleWidths(hierarchy: Hierarchy): Map<string, number> {
  const widths = new Map<string, number>();
  for (const group of hierarchy.groups.values()) {
    const { weight, size } = frameTitleFont(group.kind);
    const key = `${weight}/${size}`;
    let measure = titleMeasures.get(key);
    if (!measure) {
      measure = canvasMeasure(weight, size);
      titleMeasures.set(key, measure);
    }
    widths.set(group.id, Math.ceil(measure(expandedGroupTitle(group))));
  }
  return widths;
}

/**
 * The layout with every group expanded, for a graph: from this session's cache, else composed
 * from its groups, else (ELK's) from localStorage, else from ELK in the worker (then kept in both).
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
  if (!layout) {
    // Composed in slices of the main thread's time (ResNeXt-101: one or two, ~10–40 ms of CPU in
    // all; a 10,000-layer model a few hundred milliseconds): a slice given back costs a frame, or
    // more on a busy machine. ELK only where groups do not compose.
    layout = runSliced(
      composeSteps(graph, hierarchy, sizes, titleWidths(hierarchy), direction),
      LAYOUT_SLICE_MS,
    ).then((composed) => composed ?? elkLayout(cacheKey, graph, hierarchy, sizes, direction));
    layout.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, layout);
  }
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) {
      cache.delete(oldest);
    }
  }
  return layout;
}

/**
 * The time a slice of layout work may take: every graph is sliced, so no task passes ~50 ms and
 * input and painting stay free. Not shorter: a slice given back costs a frame's wait, or more on a
 * busy machine; at 10 ms a 10,000-layer model's work gave back ~50 times (2 s under load).
 */
export const LAYOUT_SLICE_MS = 30;

/** ELK's layout of a graph, from localStorage if it was laid out before, else from the worker. */
function elkLayout(
  cacheKey: string,
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  direction: Direction,
): Promise<Layout> {
  const stored = loadLayout(cacheKey);
  if (stored) {
    return Promise.resolve(stored);
  }
  const { elk: instance, failure } = engine();
  const input = buildElkGraph(graph, hierarchy, sizes, direction);
  return Promise.race([instance.layout(input), failure]).then((result) => {
    const read = readElkLayout(result, direction, sizes);
    saveLayout(cacheKey, read);
    return read;
  });
}
