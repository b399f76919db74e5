/**
 * Describes a model read from a file as the shared ModelGraph. Its hierarchy comes from the file:
 * the nested models that held each layer first, then repeated name prefixes within each; a model
 * with ResNeXt's shape (the seed saved and read back) gets ResNeXt's stem, stages and blocks. A
 * layer of unknown class shows its stored parameter count, and every shape that depends on it is
 * unknown ("?").
 */
import { DEFAULT_CONFIG } from '../../../shared/modelConfig';
import {
  graphTotals,
  groupByPath,
  type LayerGroup,
  type LayerInfo,
  type LayerPath,
  type ModelFileInfo,
  type ModelGraph,
  type WeightInfo,
} from '../../../shared/modelGraph';
import { describeLayer, layerPaths, type DescribeOptions, type LayerFacts } from '../describe';
import type { tf } from '../tf';
import type { FlatLayer, FlatModel } from './kerasConfig';
import { NotRunnable } from './notRunnable';
import { prefixGroups } from './prefixGroups';
import type { WeightSource } from './weights';

/** Blocks of ResNeXt-50, -101 and -152, by their count of residual blocks. */
const DEPTH_BY_BLOCKS = new Map<number, 50 | 101 | 152>([
  [16, 50],
  [33, 101],
  [50, 152],
]);

/**
 * ResNeXt's paths for a model with its structure, or undefined: the count of Add layers gives the
 * depth, and every block placed in a stage must have that stage's output shape.
 */
function resnextPaths(model: tf.LayersModel): LayerPath[] | undefined {
  const adds = model.layers.filter((layer) => layer.getClassName() === 'Add').length;
  const depth = DEPTH_BY_BLOCKS.get(adds);
  if (!depth) {
    return undefined;
  }
  try {
    const paths = layerPaths(model.layers, { ...DEFAULT_CONFIG, depth });
    const shapeByStage = new Map<number, string>();
    const consistent = model.layers.every((layer, id) => {
      const { section, stage, branch } = paths[id];
      if (section !== 'stage' || branch !== 'merge' || stage === undefined) {
        return true;
      }
      const shape = JSON.stringify(layer.outputShape);
      const seen = shapeByStage.get(stage) ?? shape;
      shapeByStage.set(stage, seen);
      return seen === shape;
    });
    return consistent && shapeByStage.size === 4 ? paths : undefined;
  } catch {
    return undefined;
  }
}

/** Layers whose output depends on a layer of unknown class (and those layers themselves). */
export function dependsOnUnknown(model: tf.LayersModel): Set<string> {
  const tainted = new Set<string>();
  for (const layer of model.layers) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (layer instanceof NotRunnable || inbound.some((source) => tainted.has(source.name))) {
      tainted.add(layer.name);
    }
  }
  return tainted;
}

/** Parameters a layer's stored weights hold, and how many of them are trainable (Keras's rules). */
function storedParams(
  flat: FlatLayer,
  source: WeightSource | undefined,
): { params: number; trainable: number } {
  const stored = source?.weightsOf(flat);
  if (!stored) {
    return { params: 0, trainable: 0 };
  }
  const entries =
    stored.by === 'name'
      ? [...stored.weights].map(([name, weight]) => ({ name, weight }))
      : stored.weights.map((weight) => ({ name: weight.label, weight }));
  let params = 0;
  let trainable = 0;
  for (const { name, weight } of entries) {
    const count = weight.shape.reduce((total, size) => total * size, 1);
    params += count;
    if (flat.config.trainable !== false && !/moving_(mean|variance)/.test(name)) {
      trainable += count;
    }
  }
  return { params, trainable };
}

/** Each layer's group path and the groups: nested models, then name prefixes within each. */
function fileGroups(
  flatLayers: readonly FlatLayer[],
  flat: FlatModel,
): { paths: string[][]; groups: LayerGroup[] } {
  const groups: LayerGroup[] = flat.groups.map((group) => ({
    id: group.id,
    kind: 'model',
    label: group.label,
    ...(group.parent ? { parent: group.parent } : {}),
  }));
  const paths = flatLayers.map((layer) =>
    layer.scope.map((_, depth) => `g:m:${layer.scope.slice(0, depth + 1).join('/')}`),
  );
  const scopes = new Map<string, number[]>();
  flatLayers.forEach((layer, position) => {
    const key = layer.scope.join('/');
    scopes.set(key, [...(scopes.get(key) ?? []), position]);
  });
  for (const [scope, positions] of scopes) {
    const names = positions.map((position) => flatLayers[position].originalName);
    const modelGroup = scope === '' ? undefined : `g:m:${scope}`;
    for (const group of prefixGroups(names)) {
      const id = `g:p:${scope}|${group.prefix}`;
      const parent = group.parent === undefined ? modelGroup : `g:p:${scope}|${group.parent}`;
      groups.push({ id, kind: 'prefix', label: group.prefix, ...(parent ? { parent } : {}) });
      group.members.forEach((member) => paths[positions[member]].push(id));
    }
  }
  // Parents before children, in the order of their first layer.
  const first = new Map<string, number>();
  paths.forEach((path, position) =>
    path.forEach((id) => first.set(id, Math.min(first.get(id) ?? position, position))),
  );
  const depth = (group: LayerGroup): number =>
    group.parent ? 1 + depth(groups.find((g) => g.id === group.parent)!) : 0;
  groups.sort((a, b) => (first.get(a.id) ?? 0) - (first.get(b.id) ?? 0) || depth(a) - depth(b));
  return { paths, groups };
}

/** Options of describeFileModel. */
export interface DescribeFileOptions extends DescribeOptions {
  /**
   * Each loaded layer's weight summaries, made while its values were read (loadWeights): used
   * instead of reading every weight back from the backend when `weights` is asked for.
   */
  summaries?: ReadonlyMap<string, WeightInfo[]>;
}

/** Describes a model built from a file (unknown classes as NotRunnable stand-ins). */
export function describeFileModel(
  model: tf.LayersModel,
  flat: FlatModel,
  file: ModelFileInfo,
  source: WeightSource | undefined,
  options: DescribeFileOptions = {},
): ModelGraph {
  const byName = new Map(flat.layers.map((layer) => [layer.name, layer]));
  const tainted = dependsOnUnknown(model);
  const flatLayers = model.layers.map((layer) => byName.get(layer.name)!);
  const resnext = file.notRunnable === undefined ? resnextPaths(model) : undefined;
  const facts: LayerFacts[] = model.layers.map((layer, id) => {
    const flatLayer = flatLayers[id];
    const runnable = !tainted.has(layer.name);
    const summary = options.summaries?.get(layer.name);
    const info = describeLayer(layer, id, {
      weights: options.weights && runnable && summary === undefined,
    });
    const shown: LayerFacts = {
      ...info,
      className: flatLayer.className,
      ...(options.weights && runnable && summary ? { weights: summary } : {}),
    };
    if (runnable) {
      return shown;
    }
    // Built around a stand-in: its shapes are guesses. The file's weights say the parameters.
    const stored = storedParams(flatLayer, source);
    return {
      ...shown,
      outputShape: null,
      params: stored.params,
      trainableParams: stored.trainable,
      macs: 0,
      ...(layer instanceof NotRunnable ? { unknownClass: true } : {}),
    };
  });
  if (resnext) {
    const { layers, groups } = groupByPath(
      facts.map((info, id) => ({ ...info, path: resnext[id] })),
    );
    return { name: model.name, file, layers, groups, totals: graphTotals(layers) };
  }
  const { paths, groups } = fileGroups(flatLayers, flat);
  const layers: LayerInfo[] = facts.map((info, id) => ({
    ...info,
    path: { section: info.className === 'InputLayer' ? 'input' : 'layer' },
    groupPath: paths[id],
  }));
  return { name: flat.name, file, layers, groups, totals: graphTotals(layers) };
}
