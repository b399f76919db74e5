/**
 * Opens a model file: tells its format from its first bytes (never from its name alone), reads
 * its architecture and indexes its weights, builds the tfjs model (one flat Functional model,
 * GroupedConv2D for grouped convolutions, a NotRunnable stand-in for a layer of unknown class),
 * loads the file's weights into it layer by layer, and describes it. Every problem is one
 * INVALID_MODEL_FILE message naming the file.
 */
import type {
  ModelFileFormat,
  ModelFileInfo,
  ModelGraph,
  WeightInfo,
} from '../../../shared/modelGraph';
import { InspectorError } from '../../../shared/errors';
import { GroupedConv2D } from '../groupedConv2d';
import { tf } from '../tf';
import { dependsOnUnknown, describeFileModel } from './describeFile';
import type { Hdf5Bytes, Hdf5Handle, Hdf5Opener, ModelFile, ModelFileSet } from './files';
import { readKeras2, readKeras3Weights } from './hdf5Weights';
import { flattenKerasModel, functionalTopology, type FlatModel } from './kerasConfig';
import { fileError, isObject, parseModelJson, utf8, type Json } from './modelJson';
import { NotRunnable, notRunnableMessage } from './notRunnable';
import { readTfjsLayers } from './tfjsLayers';
import { loadWeights, type WeightSource } from './weights';
import { readZipDirectory, zipEntryBytes } from './zip';

/** A model opened from a file. */
export interface OpenedModel {
  graph: ModelGraph;
  /** The tfjs model, its weights the file's (stand-ins for unknown classes when not runnable). */
  model: tf.LayersModel;
  /** The model's input per image, [height, width, channels]; null sizes are left open by the model. */
  inputShape: (number | null)[];
}

/** Limits of opening. */
export interface OpenOptions {
  /** The engine's id for the model (ModelFileInfo.id). */
  id: string;
  /** The most bytes of weights (float32) the model may hold: the memory budget. */
  maxWeightBytes: number;
  /** Describe with weight statistics. */
  weights?: boolean;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Where an HDF5 superblock may start (the library's user-block sizes). */
const HDF5_OFFSETS = [0, 512, 1024, 2048];

/** What the first bytes say a file is. */
type Kind = 'hdf5' | 'zip' | 'json' | 'png' | 'jpeg' | 'text' | 'other';

function kindOf(head: Uint8Array): Kind {
  const starts = (bytes: readonly number[]): boolean => bytes.every((byte, i) => head[i] === byte);
  if (starts(HDF5_SIGNATURE)) {
    return 'hdf5';
  }
  if (starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06])) {
    return 'zip';
  }
  if (starts([0x89, 0x50, 0x4e, 0x47])) {
    return 'png';
  }
  if (starts([0xff, 0xd8, 0xff])) {
    return 'jpeg';
  }
  const text = new TextDecoder()
    .decode(head.subarray(0, 64))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('{')) {
    return 'json';
  }
  // Printable characters and ordinary whitespace only: text, not a binary format.
  // eslint-disable-next-line no-control-regex
  return /^[^\u0000-\u0008\u000e-\u001f\ufffd]*$/.test(text) ? 'text' : 'other';
}

const KIND_WORDS: Record<Kind, string> = {
  hdf5: 'an HDF5 file',
  zip: 'a zip archive',
  json: 'JSON text',
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  text: 'plain text',
  other: 'a file of another kind',
};

/** The format a file's name promises, to name the mismatch when its bytes say otherwise. */
function promised(name: string): { kind: Kind; words: string } | undefined {
  if (/\.(h5|hdf5|keras2)$/i.test(name)) {
    return { kind: 'hdf5', words: 'a Keras HDF5 model' };
  }
  if (/\.keras$/i.test(name)) {
    return { kind: 'zip', words: 'a Keras .keras archive' };
  }
  if (/\.json$/i.test(name)) {
    return { kind: 'json', words: 'a TF.js model.json' };
  }
  return undefined;
}

/** Refuses an HDF5 file shorter than the end address its superblock records (truncated). */
async function checkHdf5Length(file: ModelFile): Promise<void> {
  for (const offset of HDF5_OFFSETS) {
    const block = await file.slice(offset, 48);
    if (block.length < 48 || !HDF5_SIGNATURE.every((byte, i) => block[i] === byte)) {
      continue;
    }
    const data = new DataView(block.buffer, block.byteOffset, block.byteLength);
    const version = block[8];
    const offsetSize = version <= 1 ? block[13] : block[9];
    if (offsetSize !== 8) {
      return; // unusual address size: leave the check to the HDF5 library
    }
    const at = version === 0 ? 40 : version === 1 ? 44 : 28;
    if (at + 8 > block.length) {
      return;
    }
    const end = data.getUint32(at, true) + data.getUint32(at + 4, true) * 2 ** 32;
    if (end > file.size + offset) {
      throw fileError(
        file.name,
        `the HDF5 file is truncated: it is ${file.size} bytes, but its header says ${end}.`,
      );
    }
    return;
  }
}

/** tfjs can build a Keras class (GroupedConv2D is ours; NotRunnable is never a Keras class). */
function tfjsKnows(className: string): boolean {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  return Object.hasOwn(known, className) && className !== NotRunnable.className;
}

interface Contents {
  format: ModelFileFormat;
  modelConfig: Json;
  kerasVersion?: string;
  weights: WeightSource;
  handles: Hdf5Handle[];
}

async function openHdf5Checked(
  openHdf5: Hdf5Opener,
  source: ModelFile | Hdf5Bytes,
  fileName: string,
): Promise<Hdf5Handle> {
  try {
    return await openHdf5(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw fileError(fileName, `the HDF5 library cannot read it (${reason}); it may be damaged.`);
  }
}

async function readKerasZip(
  file: ModelFile,
  openHdf5: Hdf5Opener,
  maxBytes: number,
): Promise<Contents> {
  const entries = await readZipDirectory(file);
  const find = (name: string) =>
    entries.find((entry) => entry.name === name || entry.name.endsWith(`/${name}`));
  const configEntry = find('config.json');
  if (!configEntry) {
    throw fileError(file.name, 'the archive has no config.json; it is not a Keras .keras file.');
  }
  const weightsEntry = find('model.weights.h5');
  if (!weightsEntry) {
    throw fileError(
      file.name,
      'the archive has no model.weights.h5: it holds an architecture without weights.',
    );
  }
  const modelConfig = parseModelJson(
    utf8(await zipEntryBytes(file, configEntry, 64 * 2 ** 20), file.name),
    file.name,
  );
  const metadataEntry = find('metadata.json');
  const metadata = metadataEntry
    ? parseModelJson(utf8(await zipEntryBytes(file, metadataEntry, 2 ** 20), file.name), file.name)
    : null;
  const bytes = await zipEntryBytes(file, weightsEntry, maxBytes * 2);
  const handle = await openHdf5Checked(
    openHdf5,
    { name: 'model.weights.h5', data: bytes },
    file.name,
  );
  return {
    format: 'keras-v3',
    modelConfig,
    kerasVersion:
      isObject(metadata) && typeof metadata.keras_version === 'string'
        ? metadata.keras_version
        : undefined,
    weights: readKeras3Weights(handle.root, file.name, handle.lendFloat32),
    handles: [handle],
  };
}

async function readContents(
  files: ModelFileSet,
  openHdf5: Hdf5Opener,
  maxBytes: number,
): Promise<Contents> {
  const { main } = files;
  if (main.size === 0) {
    throw fileError(main.name, 'the file is empty.');
  }
  const kind = kindOf(await main.slice(0, 64));
  const expected = promised(main.name);
  if (expected && expected.kind !== kind) {
    throw fileError(main.name, `it is ${KIND_WORDS[kind]}, not ${expected.words}.`);
  }
  switch (kind) {
    case 'hdf5': {
      await checkHdf5Length(main);
      const handle = await openHdf5Checked(openHdf5, main, main.name);
      try {
        return {
          format: 'keras-h5',
          ...readKeras2(handle.root, main.name, handle.lendFloat32),
          handles: [handle],
        };
      } catch (error) {
        handle.close();
        throw error;
      }
    }
    case 'zip':
      return readKerasZip(main, openHdf5, maxBytes);
    case 'json': {
      const contents = await readTfjsLayers(files);
      return { format: 'tfjs-layers', ...contents, handles: [] };
    }
    default:
      throw fileError(
        main.name,
        `it is ${KIND_WORDS[kind]}; open a Keras .h5 or .keras file, or a TF.js model.json.`,
      );
  }
}

/** Builds the flat model; a class tfjs lacks becomes a NotRunnable stand-in. */
async function build(flat: FlatModel, fileName: string): Promise<tf.LayersModel> {
  const topology = functionalTopology(flat);
  const layers = (
    topology.config as { layers: { class_name: string; config: Record<string, Json> }[] }
  ).layers;
  flat.layers.forEach((layer, index) => {
    if (layer.tfjsClass === undefined) {
      layers[index].class_name = NotRunnable.className;
      layers[index].config = { name: layer.name, kerasClass: layer.className };
    }
  });
  try {
    return await tf.models.modelFromJSON({
      modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'],
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw fileError(fileName, `its model cannot be built in TensorFlow.js: ${reason}`);
  }
}

/** Opens a model file (with its shards) and describes it; see the module comment. */
export async function openModelFiles(
  files: ModelFileSet,
  openHdf5: Hdf5Opener,
  options: OpenOptions,
): Promise<OpenedModel> {
  void GroupedConv2D; // registered with tfjs's serialization when its module loads
  const fileName = files.main.name;
  const contents = await readContents(files, openHdf5, options.maxWeightBytes);
  try {
    const weightBytes = contents.weights.totalValues * 4;
    if (weightBytes > options.maxWeightBytes) {
      throw new InspectorError(
        'MEMORY_BUDGET',
        `${fileName}: its weights take ${weightBytes} bytes, above the engine's memory budget of ${options.maxWeightBytes}.`,
      );
    }
    const flat = flattenKerasModel(contents.modelConfig, fileName, tfjsKnows);
    const unknown = flat.layers.find((layer) => layer.tfjsClass === undefined);
    const model = await build(flat, fileName);
    let summaries: Map<string, WeightInfo[]>;
    try {
      // Every layer but those built around an unknown class's stand-in (their shapes are
      // guesses) gets the file's weights: the inspector's statistics are the file's own.
      summaries = await loadWeights(tf, model, flat, contents.weights, fileName, {
        skip: dependsOnUnknown(model),
        stats: options.weights,
      });
    } catch (error) {
      model.dispose();
      throw error;
    }
    const file: ModelFileInfo = {
      id: options.id,
      fileName,
      format: contents.format,
      ...(contents.kerasVersion ? { kerasVersion: contents.kerasVersion } : {}),
      bytes: files.main.size,
      ...(unknown ? { notRunnable: notRunnableMessage(unknown.name, unknown.className) } : {}),
    };
    const graph = describeFileModel(model, flat, file, contents.weights, {
      weights: options.weights,
      summaries,
    });
    const input = model.inputs[0]?.shape ?? [];
    return { graph, model, inputShape: input.slice(1) as (number | null)[] };
  } finally {
    contents.handles.forEach((handle) => handle.close());
  }
}
