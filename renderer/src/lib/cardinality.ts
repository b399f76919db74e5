// The cardinality of a convolution: its groups and the channels of each group (C × d), the
// paper's "32×4d". Shared by the summary table's column and filter and by the inspector.
import type { LayerInfo } from '../../../shared/modelGraph';

type ConvFields = Pick<LayerInfo, 'className' | 'groups' | 'filters'>;

/** Groups and output channels per group of a convolution; null for any other layer. */
export function cardinalityOf(layer: ConvFields): { groups: number; width: number } | null {
  if (layer.className !== 'Conv2D' || layer.filters === undefined) {
    return null;
  }
  const groups = layer.groups ?? 1;
  return { groups, width: layer.filters / groups };
}

/** Whether a layer is a grouped convolution (more than one group). */
export function isGroupedConv(layer: ConvFields): boolean {
  return (cardinalityOf(layer)?.groups ?? 1) > 1;
}

/** `32 × 4d` for a grouped convolution, `1` for a plain one, empty for other layers. */
export function cardinalityText(layer: ConvFields): string {
  const cardinality = cardinalityOf(layer);
  if (!cardinality) {
    return '';
  }
  return cardinality.groups > 1 ? `${cardinality.groups} × ${cardinality.width}d` : '1';
}
