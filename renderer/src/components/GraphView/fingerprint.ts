// A short hash of a graph's layer names and shapes: names are fresh per build, so a layout cached
// for one build must not be reused for another whose labels (and sizes) differ.
import type { ModelGraph } from '../../../../shared/modelGraph';

/** FNV-1a over the names and output shapes of every layer. */
export function graphFingerprint(graph: ModelGraph): string {
  let hash = 0x811c9dc5;
  for (const layer of graph.layers) {
    const text = `${layer.name}|${layer.className}|${layer.outputShape.join(',')}|${layer.params};`;
    for (let i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return `${graph.layers.length}-${hash.toString(16)}`;
}
