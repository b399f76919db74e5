/**
 * Writes a model as a Keras 2 full-model HDF5 file (what `model.save('m.h5')` writes and
 * `keras.models.load_model` reads): the architecture as JSON in the root attribute `model_config`,
 * every layer's weights under `model_weights/<layer>/<layer>/<weight>:0` with the `layer_names` and
 * `weight_names` attributes Keras reads them by. Our GroupedConv2D is written as what it stands
 * for, a Keras Conv2D with `groups`. The host opens the file for writing (h5wasm).
 */
import type { tf } from '../tf';
import { isObject, type Json, type JsonObject } from './modelJson';

/** The part of an h5wasm group (or file) opened for writing that the writer uses. */
export interface H5Writable {
  create_group(name: string): H5Writable;
  create_dataset(args: {
    name: string;
    data: Float32Array;
    shape: number[];
    dtype: string;
  }): unknown;
  create_attribute(name: string, data: string | string[]): void;
}

/** The Keras version the file says wrote it (the schema it follows). */
export const WRITTEN_KERAS_VERSION = '2.4.0';

/** tfjs's Keras JSON of a layer, made what Keras itself writes. */
function kerasLayer(layer: JsonObject): JsonObject {
  if (layer.class_name !== 'GroupedConv2D' || !isObject(layer.config)) {
    return layer;
  }
  const { kernel_seed: _seed, ...config } = layer.config;
  return {
    ...layer,
    class_name: 'Conv2D',
    config: {
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'linear',
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      ...config,
    },
  };
}

/** The model's architecture as Keras's `model.to_json()` gives it. */
export function kerasModelConfig(model: tf.LayersModel): JsonObject {
  const json = model.toJSON(null, false) as unknown as JsonObject;
  const config = json.config as JsonObject;
  const layers = (config.layers as Json[]).map((layer) => kerasLayer(layer as JsonObject));
  // Keras 2.4+ names a functional model `Functional`; tfjs writes the older `Model`.
  return { class_name: 'Functional', config: { ...config, layers } };
}

/** Writes the architecture and weights of a model into an HDF5 file opened for writing. */
export function writeKerasHdf5(model: tf.LayersModel, file: H5Writable): void {
  file.create_attribute('keras_version', WRITTEN_KERAS_VERSION);
  file.create_attribute('backend', 'tensorflow');
  file.create_attribute('model_config', JSON.stringify(kerasModelConfig(model)));
  const weights = file.create_group('model_weights');
  weights.create_attribute('keras_version', WRITTEN_KERAS_VERSION);
  weights.create_attribute('backend', 'tensorflow');
  weights.create_attribute(
    'layer_names',
    model.layers.map((layer) => layer.name),
  );
  for (const layer of model.layers) {
    const group = weights.create_group(layer.name);
    const names = layer.weights.map(
      (weight) => `${layer.name}/${weight.originalName.split('/').pop()}:0`,
    );
    group.create_attribute('weight_names', names);
    if (layer.weights.length === 0) {
      continue;
    }
    const inner = group.create_group(layer.name);
    layer.weights.forEach((weight, index) => {
      const values = weight.read().dataSync() as Float32Array;
      inner.create_dataset({
        name: names[index].split('/').pop() as string,
        data: values,
        shape: [...weight.shape] as number[],
        dtype: '<f',
      });
    });
  }
}
