/**
 * What the portable engine needs from the place it runs in. The engine core (this folder) imports
 * no Node or DOM API; a host supplies the rest: which backends exist there and how to switch to
 * one, how images are decoded, how much memory a run may take, a CPU clock where there is one,
 * and how to end the engine when its runtime is no longer usable. Two hosts implement it: the Node
 * engine process (engine/node/) and the window's Web Worker (engine/window/).
 */
import type { BackendName, BackendStatus, GpuTimer, OnnxMode } from '../../shared/profile';
import type { ImageDecoder } from './inputData';
import type { Hdf5Opener, ModelFileSet } from './models/files';
import type { Runtime, RuntimeModel } from './runtime';

/** Makes the runtime for a backend that the tfjs runtime does not serve (ONNX Runtime). */
export type RuntimeFactory = (
  backend: BackendName,
  options: { onnxMode?: OnnxMode },
) => Promise<Runtime<RuntimeModel, unknown>>;

/** The place the engine runs in. */
export interface EngineHost {
  /** Every backend of this host, available or not and why, in the order `auto` tries them. */
  listBackends(): Promise<BackendStatus[]>;
  /**
   * Makes a tfjs backend active and ready; `auto` takes the first available one. A forced
   * backend that cannot run throws BACKEND_UNAVAILABLE with the reason.
   */
  useBackend(choice: BackendName | 'auto'): Promise<BackendName>;
  /** The runtime factory of a backend that tfjs does not serve, or undefined for a tfjs one. */
  runtimeFactory(backend: BackendName): RuntimeFactory | undefined;
  /** Decodes PNG or JPEG bytes. */
  decodeImage: ImageDecoder;
  /** The bytes a run on this backend may be estimated to take (the memory guard's budget). */
  memoryBudget(backend: BackendName | 'auto'): number;
  /** Milliseconds of CPU this engine has used (all threads), where the host can tell. */
  cpuTimeMs?(): number;
  /**
   * The files of a model to open, from what the host's client sent (paths in the engine process,
   * File objects in the window); throws INVALID_REQUEST for anything else.
   */
  modelFiles(spec: unknown): ModelFileSet;
  /** Opens HDF5 with h5wasm (from the file in place where the host can). */
  openHdf5: Hdf5Opener;
  /** How the tfjs runtime times a GPU backend's kernels (the window's WebGPU and WebGL). */
  tfjsOptions?(backend: BackendName): { gpuTimer?: GpuTimer };
  /**
   * Refuses, before anything is allocated, a run whose largest tensor (`bytes`, as one buffer or
   * texture) exceeds what the backend's device can hold (WebGPU buffer limits, WebGL's texture
   * size); MEMORY_BUDGET with a message naming both.
   */
  checkTensorLimit?(backend: BackendName | 'auto', bytes: number): void;
}
