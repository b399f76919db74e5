// The size of every layer's box, from its label measured in the view's font: what the layout
// reserves. As steps, so a 10,000-layer model is measured in slices of the main thread's time.
import type { ModelGraph } from '../../../shared/modelGraph';
import { boxSize, layerLabelLines, type MeasureText } from '../graph/labels';
import type { Steps } from '../lib/slices';

/** Each layer's box size by layer id, yielding every few hundred layers. */
export function* layerSizeSteps(
  graph: ModelGraph,
  measure: MeasureText,
): Steps<Map<number, { w: number; h: number }>> {
  const sizes = new Map<number, { w: number; h: number }>();
  for (const layer of graph.layers) {
    sizes.set(layer.id, boxSize(layerLabelLines(layer), measure));
    if ((layer.id & 255) === 255) {
      yield;
    }
  }
  return sizes;
}
