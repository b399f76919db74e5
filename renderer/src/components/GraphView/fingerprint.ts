// A short hash of everything a layout depends on: names are fresh per build, so a layout cached
// for one build must not be reused for another whose labels (and sizes), edges or hierarchy
// differ; and a layout started from a predicted graph is used only if the described one matches.
import type { ModelGraph } from '../../../../shared/modelGraph';
import { layerTypeLabel } from '../../graph/labels';

/** FNV-1a over every layer's name, type as shown, shape, parameters, inbound layers, path and groups. */
export function graphFingerprint(graph: ModelGraph): string {
  let hash = 0x811c9dc5;
  for (const layer of graph.layers) {
    const { path } = layer;
    const text = [
      layer.name,
      layerTypeLabel(layer),
      layer.outputShape?.join(',') ?? '?',
      layer.params,
      layer.inbound.join(','),
      `${path.section}/${path.stage ?? ''}/${path.block ?? ''}/${path.branch ?? ''}`,
      `${layer.groupPath.join('>')};`,
    ].join('|');
    for (let i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return `${graph.layers.length}-${hash.toString(16)}`;
}
