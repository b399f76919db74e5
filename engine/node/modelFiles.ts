/**
 * Model files for the engine process: paths on disk as the readers' ModelFiles (read in slices,
 * never whole unless asked), and HDF5 opened by h5wasm's Node build straight from the path, so a
 * large weights file is never copied into memory. Bytes (a `.keras` archive's weights, when
 * deflated) go through a private temporary file, removed when the file is closed.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InspectorError } from '../../shared/errors';
import type * as H5Module from 'h5wasm/node';
import type {
  Float32Lender,
  Hdf5Handle,
  Hdf5Opener,
  ModelFile,
  ModelFileSet,
} from '../core/models/files';
import { writeKerasHdf5, type H5Writable } from '../core/models/kerasHdf5Writer';
import type { tf } from '../core/tf';

/** The path of each ModelFile made by `diskFile`, so that HDF5 opens it in place. */
const pathsOf = new WeakMap<ModelFile, string>();

/** The files of a model as the host names them: the main file and those beside it. */
export interface ModelPaths {
  main: string;
  /** Files beside the main one (a TF.js model's shards); by default, the main file's folder. */
  others?: string[];
}

/** A file on disk as a ModelFile; `name` is what the person sees (an upload keeps its own). */
export function diskFile(filePath: string, name = path.basename(filePath)): ModelFile {
  let stat;
  try {
    stat = statSync(filePath);
  } catch {
    throw new InspectorError('NOT_FOUND', `${name}: no such file.`);
  }
  if (!stat.isFile()) {
    throw new InspectorError('INVALID_MODEL_FILE', `${name}: it is not a file.`);
  }
  const size = stat.size;
  const file: ModelFile = {
    name,
    size,
    bytes: async () => new Uint8Array(await readFile(filePath)),
    slice: async (offset, length) => {
      const take = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(take);
      const fd = openSync(filePath, 'r');
      try {
        let read = 0;
        while (read < take) {
          const got = readSync(fd, out, read, take - read, offset + read);
          if (got === 0) {
            break;
          }
          read += got;
        }
        return out.subarray(0, read);
      } finally {
        closeSync(fd);
      }
    },
  };
  pathsOf.set(file, filePath);
  return file;
}

/**
 * The files of a model on disk. Siblings are looked up in `others` by their base name, or, when
 * none are given, in the main file's folder (a TF.js model.json beside its shards).
 */
export function diskFileSet(paths: ModelPaths, names?: Map<string, string>): ModelFileSet {
  const main = diskFile(paths.main, names?.get(paths.main));
  const byName = new Map<string, string>();
  for (const other of paths.others ?? []) {
    byName.set(names?.get(other) ?? path.basename(other), other);
  }
  return {
    main,
    sibling: (name) => {
      const found = paths.others ? byName.get(name) : path.join(path.dirname(paths.main), name);
      if (!found) {
        return undefined;
      }
      try {
        return diskFile(found, name);
      } catch {
        return undefined;
      }
    },
  };
}

type H5 = typeof H5Module.default;
let loading: Promise<H5> | undefined;

/** What lendFloat32 reads of an h5wasm Dataset and its module (h5wasm 0.10's own fields). */
interface H5Internals {
  file_id: bigint;
  path: string;
  metadata: {
    type: number;
    size: number;
    littleEndian: boolean;
    vlen: boolean;
    total_size: number;
  };
}
interface H5ModuleInternals {
  HEAPU8: Uint8Array;
  H5T_class_t: { H5T_FLOAT: { value: number } };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  get_dataset_data(
    file: bigint,
    path: string,
    count: null,
    offset: null,
    strides: null,
    pointer: bigint,
  ): number;
}

/**
 * Reads a float32 dataset into h5wasm's own heap and lends `use` a view of it, freed afterwards:
 * the library's `value` copies each dataset out into a new array, ~50 MB of garbage over a
 * 45 M-parameter model while it opened. Other types (float16, float64, big-endian) are read by
 * `value` (undefined here).
 */
function lender(module: H5ModuleInternals): Float32Lender {
  return (dataset, use) => {
    const { file_id: file, path: where, metadata } = dataset as unknown as H5Internals;
    const float32 =
      metadata.type === module.H5T_class_t.H5T_FLOAT.value &&
      metadata.size === 4 &&
      metadata.littleEndian &&
      !metadata.vlen;
    if (!float32) {
      return undefined;
    }
    const count = metadata.total_size;
    const pointer = count > 0 ? module._malloc(count * 4) : 0;
    if (count > 0 && pointer === 0) {
      return undefined; // its heap is full: `value` says why
    }
    try {
      if (count > 0) {
        module.get_dataset_data(file, where, null, null, null, BigInt(pointer));
      }
      // A view made after the read: reading may have grown (and so replaced) the heap's buffer.
      return { result: use(new Float32Array(module.HEAPU8.buffer, pointer, count)) };
    } finally {
      if (pointer !== 0) {
        module._free(pointer);
      }
    }
  };
}

async function h5wasm(): Promise<H5> {
  loading ??= import('h5wasm/node').then(async (module) => {
    await module.default.ready;
    return module.default;
  });
  return loading;
}

/** Opens HDF5 from a file on disk in place, or from bytes through a private temporary file. */
export const nodeHdf5: Hdf5Opener = async (source) => {
  const h5 = await h5wasm();
  let filePath = 'data' in source ? undefined : pathsOf.get(source);
  let folder: string | undefined;
  if (filePath === undefined) {
    folder = mkdtempSync(path.join(tmpdir(), 'resnext-inspector-h5-'));
    filePath = path.join(folder, 'weights.h5');
    const bytes = 'data' in source ? source.data : await source.bytes();
    writeFileSync(filePath, bytes, { mode: 0o600 });
  }
  const remove = (): void => {
    if (folder) {
      rmSync(folder, { recursive: true, force: true });
    }
  };
  let file;
  try {
    file = new h5.File(filePath, 'r');
  } catch (error) {
    remove();
    throw error;
  }
  const handle: Hdf5Handle = {
    root: file as unknown as Hdf5Handle['root'],
    close: () => {
      file.close();
      remove();
    },
    lendFloat32: lender((await import('h5wasm/node')).Module as unknown as H5ModuleInternals),
  };
  return handle;
};

/**
 * Writes a model as a Keras HDF5 file at `filePath`: into a temporary file beside it, renamed
 * into place once complete, so a failed write never leaves a broken file where a good one was.
 */
export async function saveKerasHdf5(model: tf.LayersModel, filePath: string): Promise<void> {
  const h5 = await h5wasm();
  const temporary = path.join(
    path.dirname(filePath),
    `.${path.basename(filePath)}.${process.pid}.tmp`,
  );
  try {
    const file = new h5.File(temporary, 'w');
    try {
      writeKerasHdf5(model, file as unknown as H5Writable);
    } finally {
      file.close();
    }
    renameSync(temporary, filePath);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
