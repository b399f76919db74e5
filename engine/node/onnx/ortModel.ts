/**
 * A model as the ONNX Runtime runtime holds it, and its opening: the exported file (the cache's,
 * or one in the model's temporary folder), the session every pass runs on, the graph that runs
 * and the mapping of its nodes back to Keras layers. The JavaScript side holds no weights.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelConfig } from '../../../shared/modelConfig';
import type { ProfileMode } from '../../../shared/profile';
import type { LayerRecord, RuntimeModel } from '../../core/runtime';
import type { OnnxExportInfo } from '../../core/onnx/exporter';
import { mapNodesToLayers, type NodeMapping } from '../../core/onnx/nodeMapping';
import { readGraph } from '../../core/onnx/onnxStream';
import { withFileSource } from './files';
import { firstSession, linkInto, type FirstSessionContext } from './ortFirstSession';
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
  /** The graph that runs: ORT's optimised graph (fast), or the export (exact). */
  readonly optimizedPath: string;
  /** Whether that optimised graph came from the model cache (no optimisation this time). */
  readonly optimizedFromCache: boolean;
  /** Checks the cached export's hash before it is first opened (for layer outputs); then unset. */
  verifyExport?: () => boolean;
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
 * Opens a model's first session (profiling, as most runs time layers; see ortFirstSession.ts)
 * and maps the nodes of the graph that runs to layers.
 */
export async function openModel(
  context: FirstSessionContext & { sessionOptions: SessionOptionsOf },
  config: ModelConfig,
  exported: { path: string; info: OnnxExportInfo },
  how: OpenedHow,
): Promise<OrtModel> {
  const { info } = exported;
  const folder = how.folder ?? makeTempFolder();
  const prefix = 'profile1';
  try {
    const opening = performance.now();
    const first = await firstSession(
      context,
      config,
      exported.path,
      folder,
      context.sessionOptions(folder, prefix),
    );
    const sessionMs = performance.now() - opening;
    const nodes = withFileSource(first.optimizedPath, (source) => readGraph(source).nodes);
    const mapping = mapNodesToLayers(info.original, nodes);
    const profiling: Profiling = { prefix, runs: 0, held: [] };
    return {
      config,
      layerCount: info.layers.length,
      layerNames: info.layers,
      optimization: context.optimization,
      session: first.session,
      profiling,
      profilingSessions: 1,
      inputName: info.inputName,
      outputName: info.outputNames[0],
      outputNames: info.outputNames,
      folder,
      // The cache's export, linked into the folder where it can be: the cache may evict it.
      onnxPath: how.fromCache ? linkInto(folder, exported.path) : exported.path,
      optimizedPath: first.optimizedPath,
      optimizedFromCache: first.optimizedFromCache,
      verifyExport: first.optimizedFromCache ? context.verifyExport : undefined,
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
