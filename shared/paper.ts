/**
 * The paper beside the model: the paper's Table 1 generated from a ModelGraph (one row per stage
 * with its output size and block template), and the reconciliation of the model's parameters and
 * MACs with the published figures, term by term. Pure: the CLI prints it, the renderer draws and
 * exports it. Nothing here is hard-coded about the model: every number comes from its graph.
 */
import type { LayerInfo, ModelGraph } from './modelGraph';
import { referenceFor, REFERENCE_INPUT, type PaperReference } from './paperReferences';

/** One layer of a stage's template, as the paper's Table 1 writes it. */
export interface TemplateLayer {
  op: 'conv' | 'max-pool' | 'global-avg-pool' | 'dense';
  /** Kernel side (7, 3, 1); null for global pooling and dense layers. */
  kernel: number | null;
  /** Output channels or units. */
  width: number;
  /** Groups of a convolution: the cardinality C of a grouped 3×3; 1 elsewhere. */
  groups: number;
  /** Stride, in the stage's first block. */
  stride: number;
}

/** One row of Table 1. */
export interface PaperStage {
  /** `conv1` (the stem), `conv2`–`conv5` (the stages), `head`. */
  name: string;
  /** The row's output, [height, width, channels]. */
  output: [number, number, number];
  /** Times the template repeats (the blocks of a stage; 1 for conv1 and the head). */
  blocks: number;
  /** The layers that repeat: a block's main branch, or the stem's and head's layers. */
  template: TemplateLayer[];
  /** Layers before the repeated template in the same row: conv2's max pool. */
  lead: TemplateLayer[];
  /** Whether every block of the stage has the first block's template. */
  uniform: boolean;
  /** Where the first block strides: `first 1×1`, `3×3`, or null when it does not. */
  downsampling: string | null;
  params: number;
  macs: number;
}

/** Table 1 of the open model. */
export interface PaperTable {
  stages: PaperStage[];
  totals: { params: number; macs: number };
}

/** The names of the reconciliation terms. */
export type DeviationId =
  'conv-bias' | 'bn-moving-statistics' | 'stride-placement' | 'flops-vs-macs';

/** One term of the reconciliation: what the open model has beyond the reference convention. */
export interface Deviation {
  id: DeviationId;
  /** Parameters the model counts that the reference does not (subtract to compare). */
  params: number;
  /** MACs the model has beyond the reference convention (negative: fewer). */
  macs: number;
  note: string;
}

/** The open model's figures next to the reference's, after the terms. */
export interface Reconciliation {
  deviations: Deviation[];
  /** The model's parameters minus every term's. */
  params: number;
  /** The model's MACs minus every term's. */
  macs: number;
  /** Reconciled params − the reference's exact count; 0 when they agree; null without one. */
  paramsGap: number | null;
  /** Reconciled MACs ÷ the reference's multiply-adds − 1; null without them. */
  macsGap: number | null;
  /** Why the MACs comparison is only approximate, when it is. */
  macsCaveat: string | null;
}

const count = (value: number): string => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const percent = (fraction: number): string =>
  `${fraction >= 0 ? '+' : '−'}${Math.abs(fraction * 100).toFixed(1)} %`;
const sum = (layers: readonly LayerInfo[], pick: (layer: LayerInfo) => number): number =>
  layers.reduce((total, layer) => total + pick(layer), 0);

function shape3(layer: LayerInfo | undefined): [number, number, number] {
  const dims = (layer?.outputShape ?? []).slice(1).map((dim) => dim ?? 1);
  if (dims.length === 1) {
    return [1, 1, dims[0]];
  }
  return [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
}

function templateOf(layer: LayerInfo): TemplateLayer | null {
  const stride = layer.strides?.[0] ?? 1;
  const kernel = layer.kernelSize?.[0] ?? null;
  const width = shape3(layer)[2];
  switch (layer.className) {
    case 'Conv2D':
      return { op: 'conv', kernel, width, groups: layer.groups ?? 1, stride };
    case 'MaxPooling2D':
      return { op: 'max-pool', kernel, width, groups: 1, stride };
    case 'GlobalAveragePooling2D':
      return { op: 'global-avg-pool', kernel: null, width, groups: 1, stride: 1 };
    case 'Dense':
      return { op: 'dense', kernel: null, width: layer.units ?? width, groups: 1, stride: 1 };
    default:
      return null;
  }
}

const templates = (layers: readonly LayerInfo[]): TemplateLayer[] =>
  layers.map(templateOf).filter((entry): entry is TemplateLayer => entry !== null);

const sameShape = (a: TemplateLayer[], b: TemplateLayer[]): boolean =>
  a.length === b.length &&
  a.every(
    (entry, index) =>
      entry.kernel === b[index].kernel &&
      entry.width === b[index].width &&
      entry.groups === b[index].groups,
  );

function stageRow(graph: ModelGraph, stage: number, lead: LayerInfo[]): PaperStage {
  const layers = graph.layers.filter(
    (layer) => layer.path.section === 'stage' && layer.path.stage === stage,
  );
  const blockNumbers = [...new Set(layers.map((layer) => layer.path.block ?? 0))];
  const mainOf = (block: number) =>
    templates(
      layers.filter(
        (layer) =>
          layer.path.block === block &&
          layer.path.branch === 'main' &&
          layer.className === 'Conv2D',
      ),
    );
  const template = mainOf(blockNumbers[0]);
  const strided = template.findIndex((entry) => entry.stride > 1);
  const downsampling =
    strided < 0
      ? null
      : strided === 0
        ? `first ${template[0].kernel}×${template[0].kernel}`
        : '3×3';
  const rowLayers = [...lead, ...layers];
  return {
    name: `conv${stage + 1}`,
    output: shape3(layers.at(-1)),
    blocks: blockNumbers.length,
    template,
    lead: templates(lead),
    uniform: blockNumbers.every((block) => sameShape(mainOf(block), template)),
    downsampling,
    params: sum(rowLayers, (layer) => layer.params),
    macs: sum(rowLayers, (layer) => layer.macs),
  };
}

/**
 * Table 1 of a graph: conv1 (the stem up to its pooling), conv2 (the stem's max pool and stage 1),
 * conv3–conv5, the head. Null when the graph has no ResNeXt stages (a model file of another kind).
 */
export function paperTable(graph: ModelGraph): PaperTable | null {
  const stages = [
    ...new Set(
      graph.layers.flatMap((layer) =>
        layer.path.section === 'stage' && layer.path.stage !== undefined ? [layer.path.stage] : [],
      ),
    ),
  ].sort((a, b) => a - b);
  if (stages.length === 0) {
    return null;
  }
  const stem = graph.layers.filter((layer) => layer.path.section === 'stem');
  const poolAt = stem.findIndex((layer) => layer.className === 'MaxPooling2D');
  const stemConvs = poolAt < 0 ? stem : stem.slice(0, poolAt);
  const stemPool = poolAt < 0 ? [] : stem.slice(poolAt);
  const head = graph.layers.filter((layer) => layer.path.section === 'head');
  const rows: PaperStage[] = [
    {
      name: 'conv1',
      output: shape3(stemConvs.at(-1)),
      blocks: 1,
      template: templates(stemConvs),
      lead: [],
      uniform: true,
      downsampling: null,
      params: sum(stemConvs, (layer) => layer.params),
      macs: sum(stemConvs, (layer) => layer.macs),
    },
    ...stages.map((stage, index) => stageRow(graph, stage, index === 0 ? stemPool : [])),
    {
      name: 'head',
      output: shape3(head.at(-1)),
      blocks: 1,
      template: templates(head),
      lead: [],
      uniform: true,
      downsampling: null,
      params: sum(head, (layer) => layer.params),
      macs: sum(head, (layer) => layer.macs),
    },
  ];
  return { stages: rows, totals: { params: graph.totals.params, macs: graph.totals.macs } };
}

/** A template layer as the paper writes it: `3×3, 128, C=32`, `3×3 max pool, stride 2`, `1000-d fc`. */
export function templateText(entry: TemplateLayer, withStride: boolean): string {
  const stride = withStride && entry.stride > 1 ? `, stride ${entry.stride}` : '';
  switch (entry.op) {
    case 'conv':
      return `${entry.kernel}×${entry.kernel}, ${entry.width}${entry.groups > 1 ? `, C=${entry.groups}` : ''}${stride}`;
    case 'max-pool':
      return `${entry.kernel}×${entry.kernel} max pool${stride}`;
    case 'global-avg-pool':
      return 'global average pool';
    case 'dense':
      return `${entry.width}-d fc`;
  }
}

/** A row's template as the paper writes it: `[1×1, 128; 3×3, 128, C=32; 1×1, 256] × 3`. */
export function stageTemplateText(stage: PaperStage, graph?: ModelGraph): string {
  const lead = stage.lead.map((entry) => `${templateText(entry, true)}; `).join('');
  if (stage.name === 'conv1' || stage.name === 'head') {
    const parts = stage.template.map((entry) => templateText(entry, stage.name === 'conv1'));
    const softmax = graph?.layers.at(-1)?.activation === 'softmax' ? ', softmax' : '';
    return parts.join(', ') + (stage.name === 'head' ? softmax : '');
  }
  const block = stage.template.map((entry) => templateText(entry, false)).join('; ');
  return `${lead}[${block}] × ${stage.blocks}${stage.uniform ? '' : ' (blocks differ)'}`;
}

function biasTerm(graph: ModelGraph): Deviation {
  const convs = graph.layers.filter((layer) => layer.className === 'Conv2D' && layer.useBias);
  const params = sum(convs, (layer) => layer.filters ?? 0);
  return {
    id: 'conv-bias',
    params,
    macs: 0,
    note:
      params === 0
        ? 'No convolution has a bias, as in the paper and torchvision.'
        : `${convs.length} Conv2D layers keep a bias (Keras's default, as in the seed) right before a BatchNormalization that makes it redundant; the paper's and torchvision's convolutions have none.`,
  };
}

function movingStatisticsTerm(graph: ModelGraph): Deviation {
  const norms = graph.layers.filter((layer) => layer.className === 'BatchNormalization');
  const params = sum(norms, (layer) => layer.params - layer.trainableParams);
  return {
    id: 'bn-moving-statistics',
    params,
    macs: 0,
    note: `Keras counts the moving mean and variance of ${norms.length} BatchNormalization layers as non-trainable parameters; PyTorch keeps them as buffers, outside its parameter count.`,
  };
}

/**
 * The MACs the model would have with stride 2 on the 3×3 rather than the first 1×1 of each
 * downsampling block, from its graph: that 1×1 then runs at its input's resolution.
 */
function strideTerm(graph: ModelGraph): Deviation {
  const byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
  const moved = graph.layers.filter((layer) => {
    // The first convolution of a main branch: its input comes from outside its block.
    const source = byName.get(layer.inbound[0] ?? '');
    const first =
      source?.path.stage !== layer.path.stage || source?.path.block !== layer.path.block;
    return (
      first &&
      layer.className === 'Conv2D' &&
      layer.path.branch === 'main' &&
      layer.kernelSize?.[0] === 1 &&
      (layer.strides?.[0] ?? 1) > 1
    );
  });
  let extra = 0;
  for (const layer of moved) {
    const [inH, inW] = shape3(byName.get(layer.inbound[0]));
    const [outH, outW] = shape3(layer);
    extra += (layer.macs / (outH * outW)) * (inH * inW) - layer.macs;
  }
  return {
    id: 'stride-placement',
    params: 0,
    macs: -extra,
    note:
      moved.length === 0
        ? 'Stride 2 sits on the 3×3 convolution, as in the paper’s released code and torchvision: nothing to reconcile.'
        : `${moved.length} downsampling blocks stride in their first 1×1 convolution (the seed); the paper's released code and torchvision stride in the 3×3, where the first 1×1 runs at its input's resolution: ${count(extra)} more MACs, the same parameters.`,
  };
}

const FLOPS_NOTE =
  'The paper\'s "FLOPs" are multiply-adds, the MACs counted here: Conv2D (grouped as grouped) and Dense only; BatchNormalization, ReLU, pooling and the residual additions are not counted. One multiply-add is two floating-point operations in the other convention.';

/**
 * The reconciliation of a graph with a reference, term by term. The terms are computed from the
 * graph; the model's count minus them is what the reference's convention counts.
 */
export function reconcile(graph: ModelGraph, reference: PaperReference | null): Reconciliation {
  const deviations: Deviation[] = [
    biasTerm(graph),
    movingStatisticsTerm(graph),
    strideTerm(graph),
    { id: 'flops-vs-macs', params: 0, macs: 0, note: FLOPS_NOTE },
  ];
  const params = deviations.reduce((total, term) => total - term.params, graph.totals.params);
  const macs = deviations.reduce((total, term) => total - term.macs, graph.totals.macs);
  // A model read from a file has no config: its input layer says its size.
  const inputSize = graph.config?.inputSize ?? graph.layers[0]?.outputShape?.[1];
  const otherSize = inputSize !== REFERENCE_INPUT.inputSize;
  const gflops = reference?.gflops?.value;
  return {
    deviations,
    params,
    macs,
    paramsGap: reference?.params ? params - reference.params.value : null,
    macsGap: gflops ? macs / (gflops * 1e9) - 1 : null,
    macsCaveat: !gflops
      ? null
      : otherSize
        ? `The reference is at ${REFERENCE_INPUT.inputSize}×${REFERENCE_INPUT.inputSize}; this model's input is ${inputSize}×${inputSize}, so its MACs do not compare.`
        : `${reference?.gflops?.source} gives ${gflops} G, rounded; after the terms this model has ${(macs / 1e9).toFixed(2)} G MACs (${percent(macs / (gflops * 1e9) - 1)}), a remainder no term explains.`,
  };
}

/** Everything the paper view and `cli paper` show, apart from a measured block. */
export interface PaperReport {
  table: PaperTable;
  reference: PaperReference | null;
  reconciliation: Reconciliation;
}

/** The paper view of a graph, or null when the graph has no ResNeXt stages. */
export function paperReport(graph: ModelGraph): PaperReport | null {
  const table = paperTable(graph);
  if (!table) {
    return null;
  }
  const reference = graph.config ? referenceFor(graph.config) : null;
  return { table, reference, reconciliation: reconcile(graph, reference) };
}
