// Our Keras HDF5 read back: the seed's model (and a tiny ResNeXt) written by the exporter and
// opened again matches the built one layer for layer and weight for weight, with ResNeXt's
// hierarchy recognised; and a grouped Conv2D written in Keras's own layout, with known weights,
// gives what a plain reference convolution gives.
import h5wasm from 'h5wasm/node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeModel } from '../../engine/core/describe';
import { openModelFiles } from '../../engine/core/models/openModel';
import { buildResNeXt } from '../../engine/core/resnext';
import { tf } from '../../engine/core/tf';
import { useBackend } from '../../engine/node/backends';
import { diskFileSet, nodeHdf5, saveKerasHdf5 } from '../../engine/node/modelFiles';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { TINY } from './engineFixtures';

const folder = mkdtempSync(path.join(tmpdir(), 'inspector-roundtrip-'));
const open = (file: string) =>
  openModelFiles(diskFileSet({ main: file }), nodeHdf5, { id: 'file-1', maxWeightBytes: 2 ** 31 });

beforeAll(async () => {
  await h5wasm.ready;
  await useBackend('wasm');
});

async function roundTrip(
  config: ModelConfig,
  name: string,
): Promise<{ layers: number; params: number }> {
  const built = buildResNeXt(config);
  const file = path.join(folder, name);
  await saveKerasHdf5(built, file);
  const read = await open(file);
  try {
    const expected = describeModel(built, config);
    const { layers } = read.graph;
    expect(
      layers.map(
        ({
          name: layer,
          className,
          outputShape,
          params,
          trainableParams,
          macs,
          groups,
          path: at,
        }) => ({ layer, className, outputShape, params, trainableParams, macs, groups, at }),
      ),
    ).toEqual(
      expected.layers.map(
        ({
          name: layer,
          className,
          outputShape,
          params,
          trainableParams,
          macs,
          groups,
          path: at,
        }) => ({ layer, className, outputShape, params, trainableParams, macs, groups, at }),
      ),
    );
    expect(read.graph.totals).toEqual(expected.totals);
    expect(read.graph.groups).toEqual(expected.groups);
    built.layers.forEach((layer, index) => {
      const again = read.model.layers[index];
      layer.weights.forEach((weight, w) => {
        const a = weight.read().dataSync();
        const b = again.weights[w].read().dataSync();
        expect(b.length).toBe(a.length);
        expect(
          b.every((value, i) => value === a[i]),
          `${layer.name} ${weight.originalName}`,
        ).toBe(true);
      });
    });
    return { layers: layers.length, params: read.graph.totals.params };
  } finally {
    built.dispose();
    read.model.dispose();
  }
}

describe('the Keras HDF5 we write, read back', () => {
  it('a tiny ResNeXt: the same layers, shapes, parameters, hierarchy and weights', async () => {
    await roundTrip(TINY, 'tiny.h5');
  });

  it("the seed's ResNeXt-101 (32×4d): 345 layers and 44,384,488 parameters, weight for weight", async () => {
    expect(await roundTrip(DEFAULT_CONFIG, 'resnext101.h5')).toEqual({
      layers: 345,
      params: 44_384_488,
    });
  }, 300_000);
});

/** A grouped convolution by its definition: each output channel sums its group's inputs. */
function referenceGroupedConv(
  input: Float32Array,
  [h, w, cin]: [number, number, number],
  kernel: Float32Array,
  [kh, kw, filters]: [number, number, number],
  groups: number,
  bias: Float32Array,
): Float32Array {
  const inPer = cin / groups;
  const outPer = filters / groups;
  const oh = h - kh + 1;
  const ow = w - kw + 1;
  const out = new Float32Array(oh * ow * filters);
  for (let y = 0; y < oh; y += 1) {
    for (let x = 0; x < ow; x += 1) {
      for (let o = 0; o < filters; o += 1) {
        const group = Math.floor(o / outPer);
        let sum = bias[o];
        for (let dy = 0; dy < kh; dy += 1) {
          for (let dx = 0; dx < kw; dx += 1) {
            for (let i = 0; i < inPer; i += 1) {
              const c = group * inPer + i;
              sum +=
                input[((y + dy) * w + (x + dx)) * cin + c] *
                kernel[((dy * kw + dx) * inPer + i) * filters + o];
            }
          }
        }
        out[(y * ow + x) * filters + o] = sum;
      }
    }
  }
  return out;
}

describe('a grouped Conv2D in Keras layout with known weights', () => {
  it('gives the output of a plain reference computation', async () => {
    const [h, w, cin, filters, groups] = [6, 5, 4, 6, 2];
    const kernel = Float32Array.from(
      { length: 3 * 3 * (cin / groups) * filters },
      (_, i) => Math.sin(i) / 3,
    );
    const bias = Float32Array.from({ length: filters }, (_, i) => i / 10);
    const file = path.join(folder, 'grouped.h5');
    const config = {
      class_name: 'Functional',
      config: {
        name: 'grouped',
        layers: [
          {
            class_name: 'InputLayer',
            name: 'x',
            inbound_nodes: [],
            config: { name: 'x', batch_input_shape: [null, h, w, cin], dtype: 'float32' },
          },
          {
            class_name: 'Conv2D',
            name: 'g',
            inbound_nodes: [[['x', 0, 0, {}]]],
            config: {
              name: 'g',
              filters,
              kernel_size: [3, 3],
              strides: [1, 1],
              padding: 'valid',
              groups,
              use_bias: true,
              activation: 'linear',
              data_format: 'channels_last',
              dilation_rate: [1, 1],
            },
          },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['g', 0, 0]],
      },
    };
    const h5 = new h5wasm.File(file, 'w');
    h5.create_attribute('keras_version', '2.6.0');
    h5.create_attribute('model_config', JSON.stringify(config));
    const weights = h5.create_group('model_weights');
    weights.create_attribute('layer_names', ['g']);
    const g = weights.create_group('g');
    g.create_attribute('weight_names', ['g/kernel:0', 'g/bias:0']);
    const inner = g.create_group('g');
    inner.create_dataset({
      name: 'kernel:0',
      data: kernel,
      shape: [3, 3, cin / groups, filters],
      dtype: '<f',
    });
    inner.create_dataset({ name: 'bias:0', data: bias, shape: [filters], dtype: '<f' });
    h5.close();

    const { model, graph } = await open(file);
    expect(graph.layers[1]).toMatchObject({
      className: 'Conv2D',
      groups,
      params: kernel.length + filters,
    });
    const input = Float32Array.from({ length: h * w * cin }, (_, i) => Math.cos(i));
    const output = (model.predict(tf.tensor4d(input, [1, h, w, cin])) as tf.Tensor).dataSync();
    const expected = referenceGroupedConv(
      input,
      [h, w, cin],
      kernel,
      [3, 3, filters],
      groups,
      bias,
    );
    expect(output.length).toBe(expected.length);
    const worst = Math.max(...Array.from(output, (value, i) => Math.abs(value - expected[i])));
    expect(worst).toBeLessThan(1e-5);
  });
});
