/**
 * Stored weights and loading them into the built model: each layer's weights are found by the
 * layer's name (or, in a `.keras` file, by its saved name and order), checked against the shapes
 * the layer needs, and set one layer at a time, so that no second copy of the model is ever held.
 * A missing, extra or mis-shaped weight is an error naming the layer and both shapes.
 */
import type { WeightInfo } from '../../../shared/modelGraph';
import { weightSummary } from '../describe';
import type { tf as Tf } from '../tf';
import type { FlatLayer, FlatModel } from './kerasConfig';
import { fileError } from './modelJson';

/** One stored weight tensor. */
export interface StoredWeight {
  /** How the file names it, for messages (`conv2d/kernel:0`, `layers/conv2d/vars/0`). */
  label: string;
  shape: number[];
  /** Reads its values as float32 (from a shard: asynchronously). */
  read(): Promise<Float32Array>;
  /**
   * Hands its values to `use`, maybe as a view of memory that is reused once `use` returns (so
   * `use` copies what it keeps); where absent, `read` is used.
   */
  withValues?<T>(use: (values: Float32Array) => T): Promise<T>;
}

/** A layer's stored weights: by short name (`kernel`, `moving_mean`) or in the layer's order. */
export type LayerWeights =
  { by: 'name'; weights: Map<string, StoredWeight> } | { by: 'order'; weights: StoredWeight[] };

/** What a reader gives the loader. */
export interface WeightSource {
  /** The stored weights of a layer, or undefined when the file has none for it. */
  weightsOf(layer: FlatLayer): LayerWeights | undefined;
  /** Labels of stored weight groups that `weightsOf` never returned (after loading). */
  unclaimed(): string[];
  /** Total bytes of stored weights (float32), for the memory guard and the report. */
  readonly totalValues: number;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A weight's short name from a tfjs variable (`conv2d_3/kernel` → `kernel`). */
function shortName(originalName: string): string {
  return originalName.split('/').pop() ?? originalName;
}

function storedFor(
  layer: FlatLayer,
  stored: LayerWeights,
  needed: readonly Tf.LayerVariable[],
  fileName: string,
): StoredWeight[] {
  if (stored.by === 'order') {
    if (stored.weights.length !== needed.length) {
      throw fileError(
        fileName,
        `layer ${layer.name} (${layer.className}) has ${count(needed.length, 'weight')}, but the file holds ${stored.weights.length} for it.`,
      );
    }
    return stored.weights;
  }
  const names = needed.map((variable) => shortName(variable.originalName));
  const extra = [...stored.weights.keys()].filter((name) => !names.includes(name));
  if (extra.length > 0) {
    throw fileError(
      fileName,
      `layer ${layer.name} (${layer.className}) has no weight ${extra[0]}, which the file holds for it.`,
    );
  }
  return names.map((name) => {
    const found = stored.weights.get(name);
    if (!found) {
      throw fileError(
        fileName,
        `weight ${name} of layer ${layer.name} (${layer.className}) is missing from the file.`,
      );
    }
    return found;
  });
}

/** Options of loadWeights. */
export interface LoadOptions {
  /**
   * Layers not to load (flat names): those built around a stand-in for an unknown class, whose
   * shapes are guesses. Their stored weights are claimed, not checked; their variables stay unset.
   */
  skip?: ReadonlySet<string>;
  /** Summarise each weight (min, max, mean, std) from the values read, while they are at hand. */
  stats?: boolean;
}

/**
 * Sets every layer's weights from the file, layer by layer; throws INVALID_MODEL_FILE on any
 * missing, extra or mis-shaped weight. Layers of the model are found by their flat names. Returns
 * each layer's weight summaries when asked (from the values as read: no second read of the model).
 */
export async function loadWeights(
  tf: typeof Tf,
  model: Tf.LayersModel,
  flat: FlatModel,
  source: WeightSource,
  fileName: string,
  options: LoadOptions = {},
): Promise<Map<string, WeightInfo[]>> {
  const summaries = new Map<string, WeightInfo[]>();
  for (const layer of flat.layers) {
    if (options.skip?.has(layer.name)) {
      source.weightsOf(layer);
      continue;
    }
    const built = model.getLayer(layer.name);
    const needed = built.weights;
    const stored = source.weightsOf(layer);
    if (needed.length === 0) {
      if (stored && (stored.by === 'order' ? stored.weights.length : stored.weights.size) > 0) {
        throw fileError(
          fileName,
          `layer ${layer.name} (${layer.className}) has no weights, but the file holds some for it.`,
        );
      }
      continue;
    }
    if (!stored) {
      throw fileError(
        fileName,
        `the weights of layer ${layer.name} (${layer.className}) are missing from the file.`,
      );
    }
    const weights = storedFor(layer, stored, needed, fileName);
    weights.forEach((weight, index) => {
      const shape = needed[index].shape;
      const same =
        weight.shape.length === shape.length && weight.shape.every((size, i) => size === shape[i]);
      if (!same) {
        throw fileError(
          fileName,
          `weight ${shortName(needed[index].originalName)} of layer ${layer.name} (${layer.className}) is stored as ${shapeText(weight.shape)}, but the layer needs ${shapeText(shape as number[])}.`,
        );
      }
    });
    // One layer's tensors at a time: set, then freed (the variables keep their own data).
    const tensors: Tf.Tensor[] = [];
    const layerSummaries: WeightInfo[] = [];
    // wasm copies a tensor's values into its heap at once; other backends may keep the array,
    // which must then be the tensor's own, not a lent view.
    const copies = tf.getBackend() === 'wasm';
    for (const [index, weight] of weights.entries()) {
      const take = (values: Float32Array, lent: boolean): void => {
        const owned = lent && !copies ? values.slice() : values;
        tensors.push(tf.tensor(owned, weight.shape, 'float32'));
        if (options.stats) {
          const variable = needed[index];
          layerSummaries.push(
            weightSummary(
              shortName(variable.originalName),
              weight.shape,
              variable.trainable,
              values,
            ),
          );
        }
      };
      if (weight.withValues) {
        await weight.withValues((values) => take(values, true));
      } else {
        take(await weight.read(), false);
      }
    }
    try {
      built.setWeights(tensors);
    } finally {
      tensors.forEach((tensor) => tensor.dispose());
    }
    if (options.stats) {
      summaries.set(layer.name, layerSummaries);
    }
  }
  const extra = source.unclaimed();
  if (extra.length > 0) {
    throw fileError(
      fileName,
      `it holds weights for ${extra[0]}${extra.length > 1 ? ` and ${extra.length - 1} more` : ''}, which the model has no layer for.`,
    );
  }
  return summaries;
}

/** Values of an h5wasm dataset or a decoded shard as float32 (float64 and float16 converted). */
export function toFloat32(values: unknown, label: string, fileName: string): Float32Array {
  if (values instanceof Float32Array) {
    return values;
  }
  if (
    values instanceof Float64Array ||
    values instanceof Int32Array ||
    values instanceof Uint8Array
  ) {
    return Float32Array.from(values);
  }
  if (values instanceof Uint16Array) {
    return float16ToFloat32(values); // h5wasm hands float16 data over as raw 16-bit words
  }
  throw fileError(fileName, `weight ${label} is not stored as numbers the engine can read.`);
}

/** IEEE half-precision words to float32. */
export function float16ToFloat32(words: Uint16Array): Float32Array {
  const out = new Float32Array(words.length);
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i];
    const sign = word & 0x8000 ? -1 : 1;
    const exponent = (word >> 10) & 0x1f;
    const fraction = word & 0x3ff;
    out[i] =
      exponent === 0
        ? sign * 2 ** -14 * (fraction / 1024)
        : exponent === 31
          ? fraction === 0
            ? sign * Infinity
            : NaN
          : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}
