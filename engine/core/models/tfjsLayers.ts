/**
 * A TensorFlow.js layers model: `model.json` (its Keras topology and a weights manifest) with the
 * weight shards beside it. Current files say `"format": "layers-model"`; 2018 ones carry only
 * `modelTopology` and name their shards without `.bin`. The manifest is checked against the shards
 * before anything is read: every shard must be there, and hold exactly the bytes its weights
 * declare, so a manifest declaring a 100 GB tensor is refused without allocating it.
 */
import type { FlatLayer } from './kerasConfig';
import type { ModelFile, ModelFileSet } from './files';
import { fileError, isObject, parseModelJson, utf8, type Json, type JsonObject } from './modelJson';
import {
  float16ToFloat32,
  type LayerWeights,
  type StoredWeight,
  type WeightSource,
} from './weights';

/** What a TF.js layers model holds. */
export interface TfjsContents {
  modelConfig: Json;
  kerasVersion?: string;
  /** `layers-model` or `legacy` (2018, before the format field). */
  flavour: 'layers-model' | 'legacy';
  weights: WeightSource;
}

/** The largest model.json read (its weights are in the shards). */
export const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

interface ManifestWeight {
  name: string;
  shape: number[];
  /** The stored type (the quantised one where quantised). */
  stored: string;
  quantization?: { scale?: number; min?: number; dtype: string };
  /** Where it starts in its group's bytes, and how many bytes it takes. */
  offset: number;
  bytes: number;
  group: number;
}

interface ShardGroup {
  shards: ModelFile[];
}

function checkedShape(shape: Json | undefined, name: string, fileName: string): number[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((size) => Number.isInteger(size) && (size as number) >= 0)
  ) {
    throw fileError(fileName, `weight ${name} has no valid shape in the manifest.`);
  }
  return shape as number[];
}

function manifestWeight(
  raw: Json,
  group: number,
  offset: number,
  fileName: string,
): ManifestWeight {
  if (!isObject(raw) || typeof raw.name !== 'string') {
    throw fileError(fileName, 'its weights manifest has an entry without a name.');
  }
  const name = raw.name;
  const shape = checkedShape(raw.shape, name, fileName);
  const quantization = isObject(raw.quantization) ? raw.quantization : undefined;
  const stored = String(quantization?.dtype ?? raw.dtype ?? 'float32');
  const size = BYTES_PER[stored];
  if (size === undefined) {
    throw fileError(
      fileName,
      `weight ${name} is stored as ${stored}, which the engine cannot read.`,
    );
  }
  const count = shape.reduce((total, dim) => total * dim, 1);
  return {
    name,
    shape,
    stored,
    quantization: quantization
      ? {
          dtype: stored,
          scale: Number(quantization.scale ?? 1),
          min: Number(quantization.min ?? 0),
        }
      : undefined,
    offset,
    bytes: count * size,
    group,
  };
}

/** A shard name must name a file beside model.json: no folders, no way out of it. */
function shardFile(files: ModelFileSet, path: Json, fileName: string): ModelFile {
  if (typeof path !== 'string' || path === '' || /[\\/]|^\.\.?$/.test(path)) {
    throw fileError(
      fileName,
      `its manifest names a weight file "${String(path)}" outside its folder.`,
    );
  }
  const file = files.sibling(path);
  if (!file) {
    throw fileError(
      fileName,
      `weight file ${path} is missing; open model.json together with its shards.`,
    );
  }
  return file;
}

function readManifest(manifest: Json, files: ModelFileSet, fileName: string) {
  if (!Array.isArray(manifest)) {
    throw fileError(fileName, 'it has no weightsManifest; it is not a TF.js layers model.');
  }
  const groups: ShardGroup[] = [];
  const weights: ManifestWeight[] = [];
  manifest.forEach((entry, group) => {
    if (!isObject(entry) || !Array.isArray(entry.paths) || !Array.isArray(entry.weights)) {
      throw fileError(fileName, 'its weights manifest has a group without paths and weights.');
    }
    const shards = entry.paths.map((path) => shardFile(files, path, fileName));
    let offset = 0;
    for (const raw of entry.weights) {
      const weight = manifestWeight(raw, group, offset, fileName);
      weights.push(weight);
      offset += weight.bytes;
    }
    const held = shards.reduce((total, shard) => total + shard.size, 0);
    if (held !== offset) {
      const names = shards.map((shard) => shard.name).join(', ');
      throw fileError(
        fileName,
        held < offset
          ? `weight file ${names} holds ${held} bytes, shorter than the ${offset} its manifest declares.`
          : `weight file ${names} holds ${held} bytes, more than the ${offset} its manifest declares.`,
      );
    }
    groups.push({ shards });
  });
  return { groups, weights };
}

/** Reads `length` bytes at `offset` of a group whose shards follow one another. */
async function groupSlice(group: ShardGroup, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let start = 0;
  let filled = 0;
  for (const shard of group.shards) {
    const end = start + shard.size;
    if (offset + filled < end && filled < length) {
      const from = offset + filled - start;
      const take = Math.min(length - filled, shard.size - from);
      out.set(await shard.slice(from, take), filled);
      filled += take;
    }
    start = end;
  }
  return out;
}

function decode(weight: ManifestWeight, bytes: Uint8Array): Float32Array {
  const buffer = bytes.slice().buffer; // aligned copy of this one weight
  const q = weight.quantization;
  switch (weight.stored) {
    case 'float32':
      return new Float32Array(buffer);
    case 'int32':
      return Float32Array.from(new Int32Array(buffer));
    case 'float16':
      return float16ToFloat32(new Uint16Array(buffer));
    default: {
      const raw = weight.stored === 'uint8' ? new Uint8Array(buffer) : new Uint16Array(buffer);
      return Float32Array.from(raw, (value) => value * (q?.scale ?? 1) + (q?.min ?? 0));
    }
  }
}

/** Reads model.json, checks its manifest against its shards, and indexes the weights. */
export async function readTfjsLayers(files: ModelFileSet): Promise<TfjsContents> {
  const { main } = files;
  if (main.size > MAX_MODEL_JSON_BYTES) {
    throw fileError(
      main.name,
      `it is ${main.size} bytes, too large for a model.json (weights belong in shards).`,
    );
  }
  const json = parseModelJson(utf8(await main.bytes(), main.name), main.name);
  if (!isObject(json) || !isObject(json.modelTopology)) {
    throw fileError(main.name, 'it is JSON but not a TF.js layers model (no modelTopology).');
  }
  const topology: JsonObject = json.modelTopology;
  const modelConfig = isObject(topology.model_config) ? topology.model_config : topology;
  const { groups, weights } = readManifest(json.weightsManifest, files, main.name);
  const byLayer = new Map<string, Map<string, StoredWeight>>();
  let totalValues = 0;
  for (const weight of weights) {
    const parts = weight.name.split('/');
    const short = parts.pop() ?? weight.name;
    const layer = parts.pop() ?? '';
    const group = groups[weight.group];
    totalValues += weight.shape.reduce((total, size) => total * size, 1);
    const map = byLayer.get(layer) ?? new Map<string, StoredWeight>();
    map.set(short, {
      label: weight.name,
      shape: weight.shape,
      read: async () => decode(weight, await groupSlice(group, weight.offset, weight.bytes)),
    });
    byLayer.set(layer, map);
  }
  const claimed = new Set<string>();
  return {
    modelConfig,
    kerasVersion: typeof topology.keras_version === 'string' ? topology.keras_version : undefined,
    flavour: json.format === 'layers-model' ? 'layers-model' : 'legacy',
    weights: {
      totalValues,
      weightsOf(layer: FlatLayer): LayerWeights | undefined {
        const found = byLayer.get(layer.originalName);
        if (found) {
          claimed.add(layer.originalName);
        }
        return found ? { by: 'name', weights: found } : undefined;
      },
      unclaimed: () =>
        [...byLayer.keys()].filter((layer) => !claimed.has(layer)).map((layer) => `layer ${layer}`),
    },
  };
}
