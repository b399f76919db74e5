/**
 * A model as the ONNX Runtime runtime holds it, and its opening: the exported file (the cache's,
 * or one in the model's temporary folder), the session every pass runs on, the graph that runs
 * and the mapping of its nodes back to Keras layers. The JavaScript side holds no weights.
 */
import { join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelConfig } from '../../../shared/modelConfig';
import type { ProfileMode } from '../../../shared/profile';
import type { LayerRecord, RuntimeModel } from '../../core/runtime';
import type { OnnxExportInfo } from '../../core/onnx/exporter';
import { mapNodesToLayers, type NodeMapping } from '../../core/onnx/nodeMapping';
import { readGraph } from '../../core/onnx/onnxStream';
import { withFileSource } from './files';
import type { OrtModule } from './ortLoader';
import type { OutputsSession } from './ortOutputs';
import { makeTempFolder, removeTempFolder } from './ortProfile';
import type { Profiling, ProfiledModel } from './ortProfiling';

/** `fast`: full graph optimisation, fused layers reported as fused; `exact`: none, every layer timed. */
export type OnnxOptimization = 'fast' | 'exact';

/** A layer record that also says which timed layer a fused layer's time went to. */
export interface OrtLayerRecord extends LayerRecord {
  /** For a layer ORT fused into another node: the id of the layer that node's time is charged to. */
  fusedInto?: number;
}

/** A model exported to ONNX, its session, the graph that runs and the node → layer mapping. */
export interface OrtModel extends RuntimeModel, ProfiledModel {
  readonly optimization: OnnxOptimization;
  readonly inputName: string;
  readonly outputName: string;
  /** Temporary folder: the optimised graph, profiles until read, the outputs variant. */
  readonly folder: string;
  /** The exported model: the cache's file, or one in `folder`. */
  readonly onnxPath: string;
  /** The graph that runs: ORT's optimised graph in `folder` (fast), or the export (exact). */
  readonly optimizedPath: string;
  readonly mapping: NodeMapping;
  /** Layer id → id of the timed layer it was fused into. */
  readonly fusedInto: ReadonlyMap<number, number>;
  /** Milliseconds the export took (0 when it came from the cache), and the first session's. */
  readonly exportMs: number;
  readonly sessionMs: number;
  readonly fromCache: boolean;
  /** Nodes in the graph that runs. */
  readonly optimizedNodes: number;
  /** Bytes of the weights, which ORT holds (the JavaScript side holds none). */
  readonly weightBytes: number;
  readonly outputNames: readonly string[];
  readonly shapes: Readonly<Record<string, readonly (number | null)[]>>;
  /** The run's mode between `beginPasses` and `endPasses`. */
  passes?: ProfileMode;
  outputs?: OutputsSession;
}

/** What a runtime input is: the NHWC tensor ORT is fed. */
export interface OrtInput {
  tensor: Tensor;
  shape: readonly number[];
  data: Float32Array;
}

/** Session options for a model's folder, with ORT's profiler on when a prefix is given. */
type SessionOptionsOf = (
  folder?: string,
  profilePrefix?: string,
) => InferenceSession.SessionOptions;

/** Where an export came from: how long it took (0 from the cache), and its folder if it has one. */
export interface OpenedHow {
  exportMs: number;
  fromCache: boolean;
  folder?: string;
}

/**
 * Opens the first session on an exported file (profiling, as most runs time layers), has ORT
 * save the optimised graph in fast mode, and maps the nodes that run to layers.
 */
export async function openModel(
  ort: OrtModule,
  runtime: { optimization: OnnxOptimization; sessionOptions: SessionOptionsOf },
  config: ModelConfig,
  exported: { path: string; info: OnnxExportInfo },
  how: OpenedHow,
): Promise<OrtModel> {
  const { path: onnxPath, info } = exported;
  const folder = how.folder ?? makeTempFolder();
  const fast = runtime.optimization === 'fast';
  const optimizedPath = fast ? join(folder, 'optimized.onnx') : onnxPath;
  const prefix = 'profile1';
  try {
    const opening = performance.now();
    const session = await ort.InferenceSession.create(onnxPath, {
      ...runtime.sessionOptions(folder, prefix),
      graphOptimizationLevel: fast ? 'all' : 'disabled',
      ...(fast
        ? {
            optimizedModelFilePath: optimizedPath,
            // Weights in a file of their own: ORT then writes them one at a time instead of
            // serialising a second copy of the whole model in memory.
            extra: {
              session: {
                optimized_model_external_initializers_file_name: 'optimized.weights',
                optimized_model_external_initializers_min_size_in_bytes: '1024',
              },
            },
          }
        : {}),
    });
    const sessionMs = performance.now() - opening;
    const nodes = withFileSource(optimizedPath, (source) => readGraph(source).nodes);
    const mapping = mapNodesToLayers(info.original, nodes);
    const profiling: Profiling = { prefix, runs: 0, held: [] };
    return {
      config,
      layerCount: info.layers.length,
      layerNames: info.layers,
      optimization: runtime.optimization,
      session,
      profiling,
      profilingSessions: 1,
      inputName: info.inputName,
      outputName: info.outputNames[0],
      outputNames: info.outputNames,
      folder,
      onnxPath,
      optimizedPath,
      mapping,
      fusedInto: layerIdMap(info.layers, mapping.fusedInto),
      exportMs: how.exportMs,
      sessionMs,
      fromCache: how.fromCache,
      optimizedNodes: nodes.length,
      weightBytes: info.weightBytes,
      shapes: info.shapes,
    };
  } catch (error) {
    removeTempFolder(folder);
    throw error;
  }
}

/** `fusedInto` by layer name → by layer id. */
function layerIdMap(
  layers: readonly string[],
  byName: Record<string, string>,
): Map<number, number> {
  const ids = new Map(layers.map((name, id) => [name, id]));
  return new Map(
    Object.entries(byName).map(([layer, into]) => [
      ids.get(layer) as number,
      ids.get(into) as number,
    ]),
  );
}
