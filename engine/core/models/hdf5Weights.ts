/**
 * Keras's two HDF5 layouts. A Keras 2 full-model file (`model.save('m.h5')`) keeps the model's
 * JSON in the root attribute `model_config` and the weights under `model_weights/<layer>/`, each
 * named (`conv2d/kernel:0`). A Keras 3 `.keras` archive's `model.weights.h5` keeps them under
 * `layers/<saved name>/vars/<n>` in the layer's order (Keras 2.14 wrote
 * `_layer_checkpoint_dependencies\<name>`, with a Windows backslash when saved there).
 */
import type { FlatLayer } from './kerasConfig';
import { isGroup, type Float32Lender, type H5Dataset, type H5Group } from './files';
import { fileError, parseModelJson, type Json } from './modelJson';
import { toFloat32, type LayerWeights, type StoredWeight, type WeightSource } from './weights';

/** What a Keras 2 HDF5 file holds. */
export interface Keras2Contents {
  modelConfig: Json;
  kerasVersion?: string;
  weights: WeightSource;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : value instanceof Uint8Array
      ? new TextDecoder().decode(value)
      : undefined;

/** A string-list attribute (h5wasm gives an empty list back as an empty Float64Array). */
function stringList(group: H5Group, name: string): string[] {
  const value = group.attrs[name]?.value;
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function entityAt(group: H5Group, path: string): H5Group | H5Dataset | null {
  let entity: H5Group | H5Dataset | null = group;
  for (const part of path.split('/').filter(Boolean)) {
    entity = isGroup(entity) ? entity.get(part) : null;
  }
  return entity;
}

function storedWeight(
  dataset: H5Dataset,
  label: string,
  fileName: string,
  lend: Float32Lender | undefined,
): StoredWeight {
  const read = async (): Promise<Float32Array> => toFloat32(dataset.value, label, fileName);
  return {
    label,
    shape: dataset.shape ?? [],
    read,
    withValues: async (use) => {
      const lent = lend?.(dataset, use);
      return lent ? lent.result : use(await read());
    },
  };
}

/** Counts float values (for the memory guard) without reading them. */
const valuesOf = (shape: readonly number[]): number =>
  shape.reduce((total, size) => total * size, 1);

/**
 * Reads the model config and indexes the weights of a Keras 2 full-model HDF5 file; `lend` is the
 * host's way of reading float32 values without an array per weight, where it has one.
 */
export function readKeras2(root: H5Group, fileName: string, lend?: Float32Lender): Keras2Contents {
  const configText = text(root.attrs.model_config?.value);
  if (configText === undefined) {
    if (root.attrs.layer_names !== undefined || root.attrs.weight_names !== undefined) {
      throw fileError(
        fileName,
        'it holds weights but no architecture (saved with save_weights); open the file that model.save() wrote.',
      );
    }
    throw fileError(fileName, 'it is an HDF5 file but not a Keras model (it has no model_config).');
  }
  const modelConfig = parseModelJson(configText, fileName);
  const weightsGroup = root.get('model_weights');
  if (!isGroup(weightsGroup)) {
    throw fileError(fileName, 'it holds an architecture but no weights (no model_weights group).');
  }
  return {
    modelConfig,
    kerasVersion: text(root.attrs.keras_version?.value),
    weights: keras2Weights(weightsGroup, fileName, lend),
  };
}

function keras2Weights(
  weightsGroup: H5Group,
  fileName: string,
  lend: Float32Lender | undefined,
): WeightSource {
  // top-level layer → layer name inside it → weight short name → weight
  const index = new Map<string, Map<string, Map<string, StoredWeight>>>();
  let totalValues = 0;
  for (const top of stringList(weightsGroup, 'layer_names')) {
    const group = weightsGroup.get(top);
    if (!isGroup(group)) {
      throw fileError(
        fileName,
        `its weights list layer ${top}, but it has no weights group for it.`,
      );
    }
    const byLayer = new Map<string, Map<string, StoredWeight>>();
    for (const weightName of stringList(group, 'weight_names')) {
      const dataset = entityAt(group, weightName);
      if (dataset === null || isGroup(dataset)) {
        throw fileError(fileName, `weight ${top}/${weightName} is listed but not stored.`);
      }
      const parts = weightName.split('/');
      const short = (parts.pop() ?? weightName).replace(/:\d+$/, '');
      const layer = parts.pop() ?? top;
      const weights = byLayer.get(layer) ?? new Map<string, StoredWeight>();
      const weight = storedWeight(dataset, `${top}/${weightName}`, fileName, lend);
      totalValues += valuesOf(weight.shape);
      weights.set(short, weight);
      byLayer.set(layer, weights);
    }
    index.set(top, byLayer);
  }
  const claimed = new Set<string>();
  return {
    totalValues,
    weightsOf(layer: FlatLayer): LayerWeights | undefined {
      const weights = index.get(layer.topName)?.get(layer.originalName);
      if (!weights) {
        return undefined;
      }
      claimed.add(`${layer.topName}|${layer.originalName}`);
      return { by: 'name', weights };
    },
    unclaimed(): string[] {
      return [...index].flatMap(([top, byLayer]) =>
        [...byLayer.keys()]
          .filter((layer) => !claimed.has(`${top}|${layer}`))
          .map((layer) => (layer === top ? `layer ${layer}` : `layer ${layer} (in ${top})`)),
      );
    },
  };
}

/** Path parts that only hold containers in a `.keras` weights file. */
const CONTAINERS = new Set(['layers', '_layer_checkpoint_dependencies']);
/** Top-level groups of a `.keras` weights file that hold no layer weights. */
const NOT_LAYERS = /^(optimizer|_optimizer|metrics|_metrics|compile|loss)/;
/** The deepest a `.keras` weights file's groups are walked. */
const MAX_DEPTH = 32;

/** Indexes the weights of a Keras 3 `.keras` archive's `model.weights.h5` by saved layer path. */
export function readKeras3Weights(
  root: H5Group,
  fileName: string,
  lend?: Float32Lender,
): WeightSource {
  const index = new Map<string, StoredWeight[]>();
  let totalValues = 0;
  const walk = (group: H5Group, parts: string[], depth: number): void => {
    if (depth > MAX_DEPTH) {
      throw fileError(fileName, `its weights nest deeper than ${MAX_DEPTH} groups.`);
    }
    for (const key of group.keys()) {
      // Keras 2.14 saved on Windows joined paths with "\": one group name holds two parts.
      const keyParts = key.split('\\');
      if (depth === 0 && NOT_LAYERS.test(keyParts[0])) {
        continue;
      }
      const entity = group.get(key);
      if (isGroup(entity)) {
        walk(entity, [...parts, ...keyParts], depth + 1);
      } else if (entity && parts[parts.length - 1] === 'vars' && /^\d+$/.test(key)) {
        const layerKey = parts
          .slice(0, -1)
          .filter((part) => !CONTAINERS.has(part))
          .join('/');
        const list = index.get(layerKey) ?? [];
        const weight = storedWeight(entity, [...parts, key].join('/'), fileName, lend);
        list[Number(key)] = weight;
        totalValues += valuesOf(weight.shape);
        index.set(layerKey, list);
      }
    }
  };
  walk(root, [], 0);
  const claimed = new Set<string>();
  return {
    totalValues,
    weightsOf(layer: FlatLayer): LayerWeights | undefined {
      const key = layer.savedPath.join('/');
      const weights = index.get(key);
      if (!weights) {
        return undefined;
      }
      if (weights.some((weight) => weight === undefined)) {
        throw fileError(
          fileName,
          `the weights of layer ${layer.name} skip a number in ${key}/vars.`,
        );
      }
      claimed.add(key);
      return { by: 'order', weights };
    },
    unclaimed: () =>
      [...index.keys()].filter((key) => !claimed.has(key)).map((key) => `saved layer ${key}`),
  };
}
