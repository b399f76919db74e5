/**
 * Model files in the window's engine: File objects (picked or dropped in the window) as the
 * readers' ModelFiles, read in slices; HDF5 through h5wasm's browser build, a File mounted with
 * WORKERFS so that it is read in place rather than copied, and bytes (a `.keras` archive's
 * weights) written to its in-memory file system and removed when closed.
 */
import type H5wasm from 'h5wasm';
import { InspectorError } from '../../shared/errors';
import type { Hdf5Handle, Hdf5Opener, ModelFile, ModelFileSet } from '../core/models/files';

const files = new WeakMap<ModelFile, File>();

/** A File as a ModelFile. */
export function browserFile(file: File): ModelFile {
  const model: ModelFile = {
    name: file.name,
    size: file.size,
    bytes: async () => new Uint8Array(await file.arrayBuffer()),
    slice: async (offset, length) =>
      new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  };
  files.set(model, file);
  return model;
}

/** The files of a model as the window's client sends them: File objects. */
export function browserFileSet(spec: unknown): ModelFileSet {
  const { main, others } = (spec ?? {}) as { main?: unknown; others?: unknown };
  const isFile = (value: unknown): value is File =>
    typeof File !== 'undefined' && value instanceof File;
  if (!isFile(main) || (others !== undefined && !(Array.isArray(others) && others.every(isFile)))) {
    throw new InspectorError(
      'INVALID_REQUEST',
      "openModel: the window's engine opens the files picked or dropped in the window.",
    );
  }
  const byName = new Map((others as File[] | undefined)?.map((file) => [file.name, file]) ?? []);
  return {
    main: browserFile(main),
    sibling: (name) => {
      const file = byName.get(name);
      return file ? browserFile(file) : undefined;
    },
  };
}

type H5 = typeof H5wasm;
type Fs = {
  mkdir(path: string): void;
  mount(type: unknown, options: { files: File[] }, mountpoint: string): void;
  unmount(mountpoint: string): void;
  rmdir(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
  unlink(path: string): void;
  filesystems: { WORKERFS: unknown };
};

let loading: Promise<{ h5: H5; fs: Fs }> | undefined;
let mounts = 0;

/** h5wasm (4 MB with its WebAssembly), loaded when a model file is first opened. */
function module(): Promise<{ h5: H5; fs: Fs }> {
  loading ??= import('h5wasm').then(async ({ default: h5 }) => {
    const ready = await h5.ready;
    return { h5, fs: (ready as unknown as { FS: Fs }).FS };
  });
  return loading;
}

/** Opens HDF5 from a File in place (WORKERFS) or from bytes (MEMFS). */
export const browserHdf5: Hdf5Opener = async (source) => {
  const { h5, fs } = await module();
  const folder = `/model-${(mounts += 1)}`;
  fs.mkdir(folder);
  const file = 'data' in source ? undefined : files.get(source);
  let path: string;
  if (file) {
    fs.mount(fs.filesystems.WORKERFS, { files: [file] }, folder);
    path = `${folder}/${file.name}`;
  } else {
    path = `${folder}/weights.h5`;
    fs.writeFile(path, 'data' in source ? source.data : await source.bytes());
  }
  const cleanUp = (): void => {
    if (file) {
      fs.unmount(folder);
    } else {
      fs.unlink(path);
    }
    fs.rmdir(folder);
  };
  let opened;
  try {
    opened = new h5.File(path, 'r');
  } catch (error) {
    cleanUp();
    throw error;
  }
  const handle: Hdf5Handle = {
    root: opened as unknown as Hdf5Handle['root'],
    close: () => {
      opened.close();
      cleanUp();
    },
  };
  return handle;
};
