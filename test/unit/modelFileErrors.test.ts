// Bad model files, each made here from a real one or from scratch, and the exact one-line message
// each must give (INVALID_MODEL_FILE naming the file). Nothing is allocated for the bombs: the
// declared sizes are refused before inflating or reading.
import { strToU8, unzipSync, zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openModelFiles } from '../../engine/core/models/openModel';
import { buildResNeXt } from '../../engine/core/resnext';
import { useBackend } from '../../engine/node/backends';
import { writeKerasHdf5, type H5Writable } from '../../engine/core/models/kerasHdf5Writer';
import { diskFileSet, nodeHdf5 } from '../../engine/node/modelFiles';
import type { InspectorError } from '../../shared/errors';
import { TINY } from './engineFixtures';
import { REAL } from './modelFixtures';

const folder = mkdtempSync(path.join(tmpdir(), 'inspector-bad-models-'));
const at = (name: string): string => path.join(folder, name);
const resnet8 = readFileSync(path.join(REAL, 'keras-h5/mlcommons-tiny_pretrainedResnet.h5'));
const mnistKeras = readFileSync(path.join(REAL, 'keras-zip/AKSHATV25-mnist-cnn_model.keras'));
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** A zip whose central directory claims `size` bytes for the entry named `name`. */
function withDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const bytes = zip.slice();
  const view = new DataView(bytes.buffer);
  for (let at = 0; at + 46 < bytes.length; at += 1) {
    if (view.getUint32(at, true) !== 0x02014b50) {
      continue;
    }
    const nameLength = view.getUint16(at + 28, true);
    if (new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)) === name) {
      view.setUint32(at + 24, size, true);
    }
  }
  return bytes;
}

function tfjsModel(dir: string, manifestBytes: number, shardBytes: number): void {
  const topology = { class_name: 'Sequential', config: { name: 's', layers: [] } };
  const json = {
    format: 'layers-model',
    modelTopology: topology,
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [{ name: 'dense/kernel', shape: [manifestBytes / 4], dtype: 'float32' }],
      },
    ],
  };
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  if (shardBytes >= 0) {
    writeFileSync(path.join(dir, 'group1-shard1of1.bin'), new Uint8Array(shardBytes));
  }
}

/** Writes through `file`, but gives layer `layer`'s kernel the shape [3, 3, 3, 64]. */
function misshaping(file: H5Writable, layer: string, where: string[] = []): H5Writable {
  return {
    create_group: (name) => misshaping(file.create_group(name), layer, [...where, name]),
    create_attribute: (name, data) => file.create_attribute(name, data),
    create_dataset: (args) =>
      where.join('/') === `model_weights/${layer}/${layer}` && args.name === 'kernel:0'
        ? file.create_dataset({
            ...args,
            data: new Float32Array(3 * 3 * 3 * 64),
            shape: [3, 3, 3, 64],
          })
        : file.create_dataset(args),
  };
}

/** Fixtures: a file made in the test folder, and the exact message it must give. */
const FIXTURES: [string, () => string | Promise<string>, string][] = [
  [
    'an empty file',
    () => (writeFileSync(at('empty.h5'), ''), at('empty.h5')),
    'empty.h5: the file is empty.',
  ],
  [
    'a truncated HDF5 file',
    () => (writeFileSync(at('truncated.h5'), resnet8.subarray(0, 500_000)), at('truncated.h5')),
    'truncated.h5: the HDF5 file is truncated: it is 500000 bytes, but its header says 1116712.',
  ],
  [
    'a PNG renamed .h5',
    () => (writeFileSync(at('photo.h5'), PNG), at('photo.h5')),
    'photo.h5: it is a PNG image, not a Keras HDF5 model.',
  ],
  [
    'text named .keras',
    () => (writeFileSync(at('notes.keras'), 'my model is great\n'), at('notes.keras')),
    'notes.keras: it is plain text, not a Keras .keras archive.',
  ],
  [
    'a .keras zip without model.weights.h5',
    () => {
      writeFileSync(
        at('noweights.keras'),
        zipSync({ 'config.json': strToU8('{}'), 'metadata.json': strToU8('{}') }),
      );
      return at('noweights.keras');
    },
    'noweights.keras: the archive has no model.weights.h5: it holds an architecture without weights.',
  ],
  [
    'a zip bomb that declares its size',
    () => {
      const zip = zipSync(
        { 'config.json': strToU8('{}'), 'model.weights.h5': new Uint8Array(1000) },
        { level: 9 },
      );
      writeFileSync(at('bomb.keras'), withDeclaredSize(zip, 'model.weights.h5', 4_000_000_000));
      return at('bomb.keras');
    },
    'bomb.keras: model.weights.h5 would inflate to 4000000000 bytes, above the 2147483648 the engine allows; refused as a possible zip bomb.',
  ],
  [
    'a zip bomb that hides its size',
    () => {
      const zip = zipSync(
        { 'config.json': strToU8('{}'), 'model.weights.h5': new Uint8Array(5_000_000) },
        { level: 9 },
      );
      writeFileSync(at('liar.keras'), withDeclaredSize(zip, 'model.weights.h5', 1000));
      return at('liar.keras');
    },
    'liar.keras: model.weights.h5 inflates past the 1000 bytes it declares; refused as a zip bomb.',
  ],
  [
    'model.json with a missing shard',
    () => {
      const dir = mkdtempSync(at('missing-'));
      tfjsModel(dir, 400, -1);
      return path.join(dir, 'model.json');
    },
    'model.json: weight file group1-shard1of1.bin is missing; open model.json together with its shards.',
  ],
  [
    'a shard shorter than its manifest',
    () => {
      const dir = mkdtempSync(at('short-'));
      tfjsModel(dir, 400, 100);
      return path.join(dir, 'model.json');
    },
    'model.json: weight file group1-shard1of1.bin holds 100 bytes, shorter than the 400 its manifest declares.',
  ],
  [
    'a manifest declaring a 100 GB tensor',
    () => {
      const dir = mkdtempSync(at('huge-'));
      tfjsModel(dir, 100e9, 16);
      return path.join(dir, 'model.json');
    },
    'model.json: weight file group1-shard1of1.bin holds 16 bytes, shorter than the 100000000000 its manifest declares.',
  ],
  [
    'JSON that is not a model',
    () => (writeFileSync(at('settings.json'), '{"theme": "dark"}'), at('settings.json')),
    'settings.json: it is JSON but not a TF.js layers model (no modelTopology).',
  ],
  [
    'JSON carrying __proto__',
    () => (
      writeFileSync(at('proto.json'), '{"modelTopology": {"__proto__": {"polluted": true}}}'),
      at('proto.json')
    ),
    'proto.json: it carries a "__proto__" key, which no model file has; it is refused.',
  ],
  [
    'JSON carrying constructor',
    () => (writeFileSync(at('ctor.json'), '{"constructor": {"prototype": {}}}'), at('ctor.json')),
    'ctor.json: it carries a "prototype" key, which no model file has; it is refused.',
  ],
  [
    'a weights-only HDF5 (save_weights)',
    async () => {
      await h5wasm.ready;
      const file = new h5wasm.File(at('weights.h5'), 'w');
      file.create_attribute('layer_names', ['dense']);
      file.create_attribute('backend', 'tensorflow');
      file.create_group('dense').create_attribute('weight_names', ['dense/kernel:0']);
      file.close();
      return at('weights.h5');
    },
    'weights.h5: it holds weights but no architecture (saved with save_weights); open the file that model.save() wrote.',
  ],
  [
    'mis-shaped weights',
    async () => {
      // The seed's first kernel written with the wrong shape, through the writer's own interface.
      const file = new h5wasm.File(at('tiny.h5'), 'w');
      writeKerasHdf5(buildResNeXt(TINY), misshaping(file as unknown as H5Writable, 'conv2d'));
      file.close();
      return at('tiny.h5');
    },
    'tiny.h5: weight kernel of layer conv2d (Conv2D) is stored as [3, 3, 3, 64], but the layer needs [7, 7, 3, 64].',
  ],
  [
    'a .keras archive with one layer too few weights',
    () => {
      const entries = readZip(mnistKeras);
      entries['config.json'] = strToU8(
        new TextDecoder()
          .decode(entries['config.json'])
          .replace('"use_bias": true', '"use_bias": false'),
      );
      writeFileSync(at('nobias.keras'), zipSync(entries, { level: 0 }));
      return at('nobias.keras');
    },
    'nobias.keras: layer conv2d (Conv2D) has 1 weight, but the file holds 2 for it.',
  ],
];

const readZip = (bytes: Uint8Array): Record<string, Uint8Array> => unzipSync(bytes);

beforeAll(async () => {
  await h5wasm.ready;
  await useBackend('cpu');
});

describe('bad model files give one message naming the file and the problem', () => {
  it.each(FIXTURES)('%s', async (_name, make, message) => {
    const file = await make();
    let error: InspectorError | undefined;
    try {
      await openModelFiles(diskFileSet({ main: file }), nodeHdf5, {
        id: 'file-1',
        maxWeightBytes: 2 ** 30,
      });
    } catch (caught) {
      error = caught as InspectorError;
    }
    expect({ code: error?.code, message: error?.message }).toEqual({
      code: 'INVALID_MODEL_FILE',
      message,
    });
  });
});
