// Laying out ahead of describe: the engine takes seconds to build and describe a model, and ELK
// takes about one (cold) to lay it out. Both start at once: the graph the config will be described
// as is predicted by arithmetic and laid out meanwhile, under the same key the described graph
// gets (names, shapes, parameters, edges, hierarchy and label sizes), so the graph view finds the
// layout ready, or running, when the graph arrives. A graph that differs gets its own layout.
import type { ModelConfig } from '../../../shared/modelConfig';
import { graphKey, type ModelGraph } from '../../../shared/modelGraph';
import { graphFingerprint } from '../components/GraphView/fingerprint';
import { buildHierarchy } from '../graph/hierarchy';
import { boxSize, canvasMeasure, layerLabelLines, type MeasureText } from '../graph/labels';
import { predictGraph } from '../../../shared/predictGraph';
import { yieldToMain } from '../lib/slices';
import { fullLayout } from './layoutClient';

/** The size of every layer's box in the view, by layer id. */
export function layerSizes(
  graph: ModelGraph,
  measure: MeasureText,
): Map<number, { w: number; h: number }> {
  return new Map(graph.layers.map((layer) => [layer.id, boxSize(layerLabelLines(layer), measure)]));
}

/** The key of a graph's layouts: its config and everything of it a layout depends on. */
export function layoutKey(graph: ModelGraph): string {
  return `${graphKey(graph)}|${graphFingerprint(graph)}`;
}

let measure: MeasureText | undefined;

/** Starts laying out the graph a config is expected to be described as (top to bottom). */
export function prefetchLayout(config: ModelConfig): void {
  if (typeof Worker === 'undefined') {
    return;
  }
  // In a task of its own: the call comes with the page's first render of the model's load, and
  // predicting, measuring and composing (~55 ms of CPU for ResNeXt-101 here) would lengthen it.
  void yieldToMain().then(() => {
    try {
      measure ??= canvasMeasure();
      const graph = predictGraph(config);
      fullLayout(layoutKey(graph), graph, buildHierarchy(graph), layerSizes(graph, measure), 'DOWN')
        .then(() => performance.mark('inspector:layout-prefetched'))
        .catch(() => {});
    } catch {
      // A prediction is only a head start; the described graph is laid out either way.
    }
  });
}
