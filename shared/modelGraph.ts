/**
 * The description of a built model that every view draws from: one entry per Keras layer, in
 * topological order, with its shape, parameters, MACs, configuration and place in the hierarchy.
 */
import { configKey, configName, type ModelConfig } from './modelConfig';

/** A tensor shape; `null` is the batch dimension, as Keras prints `None`. */
export type Shape = readonly (number | null)[];

/** Where a layer sits in the ResNeXt hierarchy. */
export interface LayerPath {
  /**
   * `input`, the `stem` (7×7 conv, BN, ReLU, max-pool), one of the four `stage`s, or the `head`;
   * `layer` for a layer of a model without ResNeXt's structure (its groups say where it sits).
   */
  section: 'input' | 'stem' | 'stage' | 'head' | 'layer';
  /** Stage number 1–4 when section is `stage`. */
  stage?: number;
  /** Block number within its stage, from 1, when section is `stage`. */
  block?: number;
  /** Within a block: the residual `main` branch, the projection `shortcut`, or the `merge` (Add, ReLU). */
  branch?: 'main' | 'shortcut' | 'merge';
}

/**
 * A group of layers that the views collapse, frame and sum: ResNeXt's stem, stages and blocks; a
 * model nested in a model file; a run of layers whose names share a repeated prefix.
 */
export interface LayerGroup {
  /** Unique in the graph: `g:stem`, `g:s3`, `g:s3b7`, `g:m:model1`, `g:p:conv2_block1`. */
  id: string;
  kind: 'stem' | 'stage' | 'block' | 'model' | 'prefix';
  /** `stem`, `stage 3`, `block 7`, a nested model's name, a name prefix. */
  label: string;
  /** The enclosing group, if any. */
  parent?: string;
  /** Stage number, for ResNeXt's stages and blocks. */
  stage?: number;
  /** Block number within its stage, for ResNeXt's blocks. */
  block?: number;
}

/** One weight tensor of a layer, with summary statistics of its values. */
export interface WeightInfo {
  /** Keras weight name, e.g. `kernel`, `bias`, `gamma`, `moving_mean`. */
  name: string;
  /** Shape in Keras layout (a kernel is [kh, kw, cin/groups, cout]). */
  shape: readonly number[];
  /** Number of values. */
  count: number;
  /** Whether the optimiser updates it (moving statistics are not trainable). */
  trainable: boolean;
  min: number;
  max: number;
  mean: number;
  std: number;
}

/** One Keras layer of the model. */
export interface LayerInfo {
  /** Position in topological order, from 0; stable for a given config. */
  id: number;
  /** Keras-style name, fresh per build: `conv2d_3`, `batch_normalization_2`, … */
  name: string;
  /** Keras class name; the grouped convolution presents itself as `Conv2D` with its `groups`. */
  className: string;
  /**
   * Output shape with `null` for the batch dimension (and for sizes a model leaves open, as Keras
   * prints None); `null` as a whole when it cannot be inferred (after a layer of unknown class).
   */
  outputShape: Shape | null;
  /** All parameters. */
  params: number;
  /** Parameters the optimiser updates. */
  trainableParams: number;
  /** Multiply-accumulates of one forward pass at batch 1; Conv2D (grouped as grouped) and Dense only. */
  macs: number;
  /** Convolution or pooling window, [height, width]. */
  kernelSize?: readonly [number, number];
  /** Convolution or pooling strides, [height, width]. */
  strides?: readonly [number, number];
  /** `same` or `valid`. */
  padding?: string;
  /** Groups of a convolution (1 for a plain one). */
  groups?: number;
  /** Output channels of a convolution. */
  filters?: number;
  /** Output units of a Dense layer. */
  units?: number;
  /** Whether the layer adds a bias. */
  useBias?: boolean;
  /** Activation function, e.g. `relu`, `softmax`, `linear`. */
  activation?: string;
  /** Names of the layers whose outputs this layer takes, in order. */
  inbound: readonly string[];
  /** The layer's place in the ResNeXt hierarchy. */
  path: LayerPath;
  /** The ids of the groups that hold the layer, outermost first (ModelGraph's `groups`). */
  groupPath: readonly string[];
  /** Set for a layer whose class the engine does not know (described from the file, not runnable). */
  unknownClass?: boolean;
  /** Weight tensors with statistics, when the description was asked to include them. */
  weights?: readonly WeightInfo[];
}

/** Totals over all layers. */
export interface ModelTotals {
  layers: number;
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Multiply-accumulates of Conv2D and Dense layers at batch 1. */
  macs: number;
}

/** The formats a model file can have. */
export type ModelFileFormat = 'keras-h5' | 'keras-v3' | 'tfjs-layers';

/** Where a model read from a file came from, and whether it can run. */
export interface ModelFileInfo {
  /** The engine's id for the opened model: what describe and profile requests name it by. */
  id: string;
  /** The file's name, e.g. `resnet.h5` or `model.json`. */
  fileName: string;
  format: ModelFileFormat;
  /** The Keras (or converter) version that wrote it, where the file says. */
  kerasVersion?: string;
  /** Bytes of the files read (the main file and its shards). */
  bytes: number;
  /** Why it cannot run (a layer of unknown class), or absent when it can. */
  notRunnable?: string;
}

/** A built model, described. */
export interface ModelGraph {
  /** The model's name, as Keras's `Model: "…"` line shows it. */
  name: string;
  /** The config it was built from; absent for a model read from a file. */
  config?: ModelConfig;
  /** The file it was read from; absent for a model built from a config. */
  file?: ModelFileInfo;
  /** Every layer, in topological order (`layers[i].id === i`). */
  layers: readonly LayerInfo[];
  /** Every group, parents before their children, in the order of their first layer. */
  groups: readonly LayerGroup[];
  totals: ModelTotals;
}

/** ResNeXt's groups of a layer path, outermost first: the stem, or a stage and its block. */
function resnextChain(path: LayerPath): LayerGroup[] {
  const { section, stage, block } = path;
  if (section === 'stem') {
    return [{ id: 'g:stem', kind: 'stem', label: 'stem' }];
  }
  if (section !== 'stage' || stage === undefined) {
    return [];
  }
  const stageGroup: LayerGroup = {
    id: `g:s${stage}`,
    kind: 'stage',
    label: `stage ${stage}`,
    stage,
  };
  if (block === undefined) {
    return [stageGroup];
  }
  const blockGroup: LayerGroup = {
    id: `g:s${stage}b${block}`,
    kind: 'block',
    label: `block ${block}`,
    parent: stageGroup.id,
    stage,
    block,
  };
  return [stageGroup, blockGroup];
}

/**
 * Gives layers placed by their ResNeXt paths their groups (stem, stages, blocks) and lists those
 * groups: what describe() and predictGraph() hand the views.
 */
export function groupByPath<L extends Omit<LayerInfo, 'groupPath'>>(
  layers: readonly L[],
): { layers: (L & { groupPath: string[] })[]; groups: LayerGroup[] } {
  const groups = new Map<string, LayerGroup>();
  const grouped = layers.map((layer) => {
    const chain = resnextChain(layer.path);
    for (const group of chain) {
      if (!groups.has(group.id)) {
        groups.set(group.id, group);
      }
    }
    return { ...layer, groupPath: chain.map((group) => group.id) };
  });
  return { layers: grouped, groups: [...groups.values()] };
}

/** A short name for a graph's files (exports): the config's name, or the model file's base name. */
export function graphStem(graph: Pick<ModelGraph, 'config' | 'file' | 'name'>): string {
  if (graph.config) {
    return configName(graph.config);
  }
  const base = (graph.file?.fileName ?? graph.name).replace(/\.[^.]*$/, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'model';
}

/** A key for caches per model (layouts): the config's key, or the opened file's id. */
export function graphKey(graph: Pick<ModelGraph, 'config' | 'file'>): string {
  return graph.config ? configKey(graph.config) : `file=${graph.file?.id ?? 'unknown'}`;
}

/** The totals of a list of layers: counts, parameters (trainable and not) and MACs. */
export function graphTotals(layers: readonly LayerInfo[]): ModelTotals {
  const sum = (pick: (layer: LayerInfo) => number): number =>
    layers.reduce((total, layer) => total + pick(layer), 0);
  const params = sum((layer) => layer.params);
  const trainableParams = sum((layer) => layer.trainableParams);
  return {
    layers: layers.length,
    params,
    trainableParams,
    nonTrainableParams: params - trainableParams,
    macs: sum((layer) => layer.macs),
  };
}

/** Where a layer outside every group of a model file sits, as `topSection` names it. */
export const TOP_LEVEL = 'top level';

/**
 * The section a layer falls in when layers are grouped or timed by part of the model: ResNeXt's
 * `input`, `stem`, `stage n` or `head`; for a model read from a file, its outermost group (a
 * nested model, a name prefix) or TOP_LEVEL.
 */
export function topSection(layer: LayerInfo, graph?: Pick<ModelGraph, 'groups'>): string {
  if (layer.path.section === 'stage') {
    return `stage ${layer.path.stage}`;
  }
  if (layer.path.section !== 'layer') {
    return layer.path.section;
  }
  const outermost = layer.groupPath[0];
  const group = outermost === undefined ? undefined : graph?.groups.find((g) => g.id === outermost);
  return group?.label ?? TOP_LEVEL;
}

/**
 * Where a layer sits, in words: its ResNeXt path (`stage 3 › block 7 › shortcut`), or for a
 * model read from a file the labels of its groups (`sequential_1 › model_2`), empty at the top.
 */
export function placeLabel(layer: LayerInfo, graph: Pick<ModelGraph, 'groups'>): string {
  if (layer.path.section !== 'layer') {
    return pathLabel(layer.path);
  }
  return layer.groupPath
    .map((id) => graph.groups.find((group) => group.id === id)?.label ?? id)
    .join(' › ');
}

/** The label of a layer's hierarchy path, e.g. `stage 3 › block 7 › shortcut`. */
export function pathLabel(path: LayerPath): string {
  if (path.section !== 'stage') {
    return path.section;
  }
  return [`stage ${path.stage}`, `block ${path.block}`, path.branch].filter(Boolean).join(' › ');
}

/** The names of the layers that take each layer's output, keyed by layer name. */
export function outboundByName(graph: ModelGraph): Map<string, string[]> {
  const outbound = new Map<string, string[]>(graph.layers.map((layer) => [layer.name, []]));
  for (const layer of graph.layers) {
    for (const source of layer.inbound) {
      outbound.get(source)?.push(layer.name);
    }
  }
  return outbound;
}
