// The summary table's columns: Keras's four, then what torchinfo adds. A column is data, so a
// profile view appends its time columns (median, p95, % of total) without touching the table.
import type { LayerInfo, ModelGraph } from '../../../../shared/modelGraph';
import { cardinalityOf, cardinalityText } from '../../lib/cardinality';
import { formatInteger, formatPair, formatPercent, formatShapeKeras } from '../../lib/format';

/** What a column may read besides the layer. */
export interface TableContext {
  graph: ModelGraph;
}

/** One column of the summary table. */
export interface TableColumn {
  id: string;
  label: string;
  /** A CSS grid track, e.g. `96px` or `minmax(180px, 2fr)`. */
  width: string;
  align: 'left' | 'right';
  /** The value a sort compares; numbers sort numerically. */
  sortValue: (layer: LayerInfo, context: TableContext) => number | string;
  /** The text of a cell. */
  text: (layer: LayerInfo, context: TableContext) => string;
  /** The text of the totals row, if the column has a total. */
  total?: (context: TableContext) => string;
  /** A tooltip for the header. */
  title?: string;
}

const share = (layer: LayerInfo, { graph }: TableContext): number =>
  graph.totals.params === 0 ? 0 : layer.params / graph.totals.params;

/** The base columns, in order. */
export const BASE_COLUMNS: readonly TableColumn[] = [
  {
    id: 'layer',
    label: 'Layer (type)',
    width: 'minmax(220px, 2.2fr)',
    align: 'left',
    sortValue: (layer) => layer.id,
    text: (layer) => `${layer.name} (${layer.className})`,
    total: ({ graph }) => `Total: ${formatInteger(graph.totals.layers)} layers`,
  },
  {
    id: 'shape',
    label: 'Output Shape',
    width: 'minmax(140px, 1.2fr)',
    align: 'left',
    sortValue: (layer) =>
      layer.outputShape?.reduce<number>((product, dim) => product * (dim ?? 1), 1) ?? -1,
    text: (layer) => formatShapeKeras(layer.outputShape),
  },
  {
    id: 'params',
    label: 'Param #',
    width: '112px',
    align: 'right',
    sortValue: (layer) => layer.params,
    text: (layer) => formatInteger(layer.params),
    total: ({ graph }) => formatInteger(graph.totals.params),
  },
  {
    id: 'inbound',
    label: 'Connected to',
    width: 'minmax(180px, 1.6fr)',
    align: 'left',
    sortValue: (layer) => layer.inbound.join(', '),
    text: (layer) => layer.inbound.join(', '),
  },
  {
    id: 'kernel',
    label: 'Kernel',
    width: '64px',
    align: 'right',
    sortValue: (layer) => (layer.kernelSize ? layer.kernelSize[0] * layer.kernelSize[1] : 0),
    text: (layer) => formatPair(layer.kernelSize),
  },
  {
    id: 'strides',
    label: 'Strides',
    width: '64px',
    align: 'right',
    sortValue: (layer) => (layer.strides ? layer.strides[0] * layer.strides[1] : 0),
    text: (layer) => formatPair(layer.strides),
  },
  {
    id: 'groups',
    label: 'Cardinality',
    width: '88px',
    align: 'right',
    title: 'Groups × channels per group (C × d) of a convolution; 1 for a plain one',
    sortValue: (layer) => {
      const cardinality = cardinalityOf(layer);
      // Groups first, then the width of a group: 32 × 4d before 32 × 8d before 64 × 4d.
      return cardinality ? cardinality.groups * 1e6 + cardinality.width : 0;
    },
    text: cardinalityText,
  },
  {
    id: 'macs',
    label: 'MACs',
    width: '120px',
    align: 'right',
    title: 'Multiply-accumulates of one forward pass at batch 1',
    sortValue: (layer) => layer.macs,
    text: (layer) => (layer.macs ? formatInteger(layer.macs) : ''),
    total: ({ graph }) => formatInteger(graph.totals.macs),
  },
  {
    id: 'share',
    label: '% params',
    width: '80px',
    align: 'right',
    sortValue: share,
    text: (layer, context) => formatPercent(share(layer, context)),
    total: () => formatPercent(1),
  },
  {
    id: 'trainable',
    label: 'Trainable',
    width: '112px',
    align: 'right',
    title: 'Trainable parameters',
    sortValue: (layer) => layer.trainableParams,
    text: (layer) => formatInteger(layer.trainableParams),
    total: ({ graph }) => formatInteger(graph.totals.trainableParams),
  },
];
