/**
 * Layer outputs from ONNX Runtime, for activations and statistics: a second session on a copy of
 * the export with every layer's output added to its graph (streamed from the file: the copy is
 * removed once ORT has loaded it), run untimed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InspectorError } from '../../../shared/errors';
import type { LayerPassOptions, LayerRecord, PassResult } from '../../core/runtime';
import { layerOutputAdditions } from '../../core/onnx/exporter';
import { appendToGraph } from '../../core/onnx/onnxStream';
import { withFileSink, withFileSource } from './files';
import type { OrtModule } from './ortLoader';

/** The session that outputs every layer, and each layer's output name in it. */
export interface OutputsSession {
  session: InferenceSession;
  names: Record<string, string>;
}

/** What the outputs need to know of a model. */
interface ExportedModel {
  readonly folder: string;
  readonly onnxPath: string;
  readonly inputName: string;
  readonly layerCount: number;
  readonly layerNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly shapes: Readonly<Record<string, readonly (number | null)[]>>;
  verifyExport?: () => boolean;
}

/** Opens the session that outputs every layer (4-D outputs back in NHWC, like tfjs). */
export async function outputsSession(
  ort: OrtModule,
  model: ExportedModel,
  options: InferenceSession.SessionOptions,
): Promise<OutputsSession> {
  if (model.verifyExport) {
    // Its optimised graph came from the cache; the export itself is opened only now.
    if (!model.verifyExport()) {
      throw new InspectorError(
        'NOT_FOUND',
        'The cached export of this model was damaged and has been removed; profile it again.',
      );
    }
    model.verifyExport = undefined;
  }
  const layers = model.layerNames
    .slice(1)
    .map((name) => ({ name, shape: model.shapes[name] ?? [] }));
  const added = layerOutputAdditions(
    model.outputNames.map((name) => ({ name })),
    layers,
  );
  const path = join(model.folder, 'outputs.onnx');
  try {
    withFileSink(path, (sink) =>
      withFileSource(model.onnxPath, (source) => appendToGraph(source, sink, added)),
    );
    const session = await ort.InferenceSession.create(path, {
      ...options,
      graphOptimizationLevel: 'disabled',
    });
    return { session, names: added.outputNames };
  } finally {
    rmSync(path, { force: true });
  }
}

/** An untimed pass that hands layer outputs (NHWC, like tfjs) to `onLayer`; times are 0. */
export async function runWithOutputs(
  outputs: OutputsSession,
  model: ExportedModel,
  input: { tensor: Tensor; shape: readonly number[]; data: Float32Array },
  options: LayerPassOptions,
): Promise<PassResult> {
  const last = Math.min(options.untilLayer ?? model.layerCount - 1, model.layerCount - 1);
  const wanted = (id: number): boolean =>
    typeof options.withOutputs === 'function'
      ? options.withOutputs(id)
      : Boolean(options.withOutputs);
  const { session, names } = outputs;
  const fetches = model.layerNames.slice(1, last + 1).filter((_, index) => wanted(index + 1));
  const start = performance.now();
  const results =
    fetches.length > 0
      ? await session.run(
          { [model.inputName]: input.tensor },
          fetches.map((name) => names[name]),
        )
      : {};
  const totalMs = performance.now() - start;
  for (let layerId = 0; layerId <= last; layerId += 1) {
    const record: LayerRecord = { layerId, ms: 0 };
    if (wanted(layerId)) {
      const tensor = layerId === 0 ? undefined : results[names[model.layerNames[layerId]]];
      record.output = tensor
        ? { shape: tensor.dims, data: new Float32Array(tensor.data as Float32Array) }
        : { shape: input.shape, data: new Float32Array(input.data) };
    }
    options.onLayer?.(record);
  }
  return { totalMs, stopped: false };
}
