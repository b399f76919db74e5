/**
 * How the model readers see files, whatever the host: the engine process reads them from disk,
 * the window's engine from File objects. HDF5 goes through h5wasm, which the host opens (from a
 * path without copying the file in Node, from a File through WORKERFS in a worker, or from bytes),
 * so the readers here only walk its groups and datasets.
 */

/** One file of a model. */
export interface ModelFile {
  /** Its name, as the person chose it (`resnet.h5`, `model.json`, `group1-shard1of1.bin`). */
  readonly name: string;
  readonly size: number;
  /** Reads all of it. */
  bytes(): Promise<Uint8Array>;
  /** Reads `length` bytes from `offset` (a file's signature, a zip's directory). */
  slice(offset: number, length: number): Promise<Uint8Array>;
}

/** The files of one model: the one opened, and those beside it (a TF.js model's weight shards). */
export interface ModelFileSet {
  main: ModelFile;
  /** A file beside the main one, by name; undefined when it was not given. */
  sibling(name: string): ModelFile | undefined;
}

/** An HDF5 dataset as h5wasm gives it. */
export interface H5Dataset {
  readonly shape: number[] | null;
  readonly dtype: unknown;
  readonly value: unknown;
}

/** An HDF5 group (or the file itself) as h5wasm gives it. */
export interface H5Group {
  keys(): string[];
  get(name: string): H5Group | H5Dataset | null;
  readonly attrs: Record<string, { value: unknown }>;
}

/**
 * Reads a dataset's values as float32 into memory the host owns and lends them to `use` as a view
 * valid only while `use` runs: no array is made per weight (the values of a 45 M-parameter model
 * left ~50 MB of garbage behind them while it opened). Undefined when the dataset is not stored as
 * little-endian float32; its `value` is read then.
 */
export type Float32Lender = <T>(
  dataset: H5Dataset,
  use: (values: Float32Array) => T,
) => { result: T } | undefined;

/** An open HDF5 file; `close` frees it. */
export interface Hdf5Handle {
  root: H5Group;
  close(): void;
  /** The host's lender of float32 values, where it has one (see Float32Lender). */
  lendFloat32?: Float32Lender;
}

/** HDF5 bytes already in memory (a `.keras` zip's weights). */
export interface Hdf5Bytes {
  name: string;
  data: Uint8Array;
}

/** Opens an HDF5 file from a model file or from bytes. */
export type Hdf5Opener = (source: ModelFile | Hdf5Bytes) => Promise<Hdf5Handle>;

/** Whether an h5wasm entity is a group (datasets have no `keys`). */
export function isGroup(entity: H5Group | H5Dataset | null): entity is H5Group {
  return entity !== null && typeof (entity as H5Group).keys === 'function';
}

/** A ModelFile over bytes already in memory (tests, a zip's entries). */
export function memoryFile(name: string, data: Uint8Array): ModelFile {
  return {
    name,
    size: data.byteLength,
    bytes: async () => data,
    slice: async (offset, length) => data.subarray(offset, offset + length),
  };
}
