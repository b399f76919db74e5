/**
 * ONNX Runtime behind the profiler's runtime interface: profile events for every pass from one
 * profiling session, every layer timed or fused into a timed one (fast) or all timed (exact), layer
 * outputs that match tfjs, profile files removed, and the backend listing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { DEFAULT_PROFILE, type ProfileEvent } from '../../shared/profile';
import {
  CUDA_INSTALL_HINT,
  cudaProviderReason,
  listOnnxBackends,
} from '../../engine/node/onnx/ortLoader';
import type { OrtRuntime } from '../../engine/node/onnx/ortRuntime';
import {
  createOrtRuntime,
  type OnnxOptimization,
  type OrtLayerRecord,
  type OrtModel,
} from '../../engine/node/onnx/ortRuntime';
import { runProfile } from '../../engine/core/profiler';
import { buildResNeXt } from '../../engine/core/resnext';
import { tf } from '../../engine/core/tf';

const config: ModelConfig = { ...DEFAULT_CONFIG, depth: 50, inputSize: 32, classes: 10 };
const INPUT = {
  shape: [1, 32, 32, 3] as const,
  data: Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => Math.sin(i)),
};

let tfModel: tf.LayersModel;
const opened: { runtime: OrtRuntime; model: OrtModel }[] = [];

async function open(
  optimization: OnnxOptimization,
): Promise<{ runtime: OrtRuntime; model: OrtModel }> {
  const runtime = await createOrtRuntime('onnxruntime', { optimization, threads: 1 });
  const model = await runtime.wrap(tfModel, config);
  opened.push({ runtime, model });
  return { runtime, model };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  tfModel = buildResNeXt(config);
});

afterAll(() => {
  opened.forEach(({ runtime, model }) => runtime.release(model));
  tfModel.dispose();
});

describe.each(['fast', 'exact'] as const)('ONNX Runtime, %s', (optimization) => {
  let runtime: OrtRuntime;
  let model: OrtModel;
  beforeAll(async () => {
    ({ runtime, model } = await open(optimization));
  });

  it('hands every layer of every pass over after the passes, from one profiling session', async () => {
    const events: ProfileEvent[] = [];
    const input = runtime.loadInput(INPUT);
    const result = await runProfile(
      runtime,
      model,
      input,
      { ...DEFAULT_PROFILE, config, backend: 'onnxruntime', warmup: 1, runs: 2, mode: 'per-layer' },
      { runId: 'ort', emit: (batch) => events.push(...batch), isCancelled: () => false },
    );
    runtime.releaseInput(input);
    expect(events.find((event) => event.type === 'error')).toBeUndefined();
    expect(result?.backend).toBe('onnxruntime');
    expect(result?.layers).toHaveLength(model.layerCount);
    for (const pass of [-1, 0, 1]) {
      const layerEvents = events.filter((e) => e.type === 'layer-finished' && e.pass === pass);
      expect(layerEvents.map((e) => (e.type === 'layer-finished' ? e.layerId : -1))).toEqual(
        model.layerNames.map((_, id) => id),
      );
      const finished = events.findIndex((e) => e.type === 'pass-finished' && e.pass === pass);
      expect(finished).toBeLessThan(events.indexOf(layerEvents[0]));
      const charged = layerEvents.reduce(
        (sum, e) => sum + (e.type === 'layer-finished' ? e.ms : 0),
        0,
      );
      const wall = events.find((e) => e.type === 'pass-finished' && e.pass === pass);
      expect(charged).toBeGreaterThan(0);
      expect(charged).toBeLessThanOrEqual((wall as { totalMs: number }).totalMs);
    }
    expect(events.at(-1)?.type).toBe('run-finished');
    // The session opened at the build served all six runs (three layer passes, three whole).
    expect(model.profilingSessions).toBe(1);
  });

  it('times every layer or marks it fused into a timed one, and leaves no time unattributed', async () => {
    const input = runtime.loadInput(INPUT);
    const pass = await runtime.profiledPass(model, input);
    const records: OrtLayerRecord[] = [];
    await runtime.runLayers(model, input, { onLayer: (record) => records.push(record) });
    runtime.releaseInput(input);
    expect(pass.unattributedMs).toBe(0);
    expect(runtime.memory().bytes).toBeGreaterThan(model.weightBytes);
    expect(pass.profiledMs).toBeGreaterThan(0);
    const charged = pass.layerMs.reduce((sum, ms) => sum + ms, 0);
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(pass.profiledMs);
    expect(records).toHaveLength(model.layerCount);
    const fused = records.filter((record) => record.fusedInto !== undefined);
    for (const record of records) {
      if (record.fusedInto === undefined) {
        expect(pass.seen.has(record.layerId), model.layerNames[record.layerId]).toBe(true);
      } else {
        expect(record.ms).toBe(0);
        expect(pass.seen.has(record.fusedInto)).toBe(true);
        expect(model.fusedInto.has(record.fusedInto)).toBe(false);
      }
    }
    const classes = tfModel.layers.map((layer) => layer.getClassName());
    if (optimization === 'exact') {
      expect(fused).toHaveLength(0);
    } else {
      // Every BatchNormalization folds into its convolution; every conv keeps its own time.
      const batchNorms = classes.filter((name) => name === 'BatchNormalization').length;
      expect(fused.length).toBeGreaterThanOrEqual(batchNorms);
      for (const record of fused) {
        expect(classes[record.fusedInto as number]).toMatch(/Conv2D$/);
      }
    }
  });

  it('hands layer outputs that match tfjs (NHWC, pooled features within 1e-4)', async () => {
    const pooledId = tfModel.layers.findIndex((l) => l.getClassName() === 'GlobalAveragePooling2D');
    const convId = tfModel.layers.findIndex((l) => l.getClassName() === 'GroupedConv2D');
    const input = runtime.loadInput(INPUT);
    const outputs = new Map<number, Float32Array>();
    const shapes = new Map<number, readonly number[]>();
    await runtime.runLayers(model, input, {
      withOutputs: (id) => id === pooledId || id === convId,
      onLayer: (record) => {
        if (record.output) {
          outputs.set(record.layerId, record.output.data);
          shapes.set(record.layerId, record.output.shape);
        }
      },
    });
    runtime.releaseInput(input);
    const probe = tf.model({
      inputs: tfModel.inputs,
      outputs: [pooledId, convId].map((id) => tfModel.layers[id].output as tf.SymbolicTensor),
    });
    const expected = probe.predict(tf.tensor4d(INPUT.data, [...INPUT.shape])) as tf.Tensor[];
    [pooledId, convId].forEach((id, index) => {
      expect(shapes.get(id)).toEqual(expected[index].shape);
      const want = expected[index].dataSync();
      const got = outputs.get(id) as Float32Array;
      const diff = Math.max(...Array.from(want, (value, i) => Math.abs(value - got[i])));
      expect(diff).toBeLessThan(1e-4);
    });
    tf.dispose(expected);
  });

  it('removes its profiles once read, and its folder on release', async () => {
    // Left: the export (wrap writes it here), and in fast mode ORT's optimised graph, its
    // weights in a file beside it.
    const left = readdirSync(model.folder).sort();
    expect(left).toEqual(
      optimization === 'fast'
        ? ['model.onnx', 'optimized.onnx', 'optimized.weights']
        : ['model.onnx'],
    );
    const extra = await open(optimization);
    extra.runtime.release(extra.model);
    opened.pop();
    expect(existsSync(extra.model.folder)).toBe(false);
  });
});

describe('ONNX Runtime backends', () => {
  it('lists the CPU provider as available and says why CUDA is not', async () => {
    const backends = await listOnnxBackends();
    expect(backends.map((backend) => backend.name)).toEqual(['onnxruntime', 'onnxruntime-cuda']);
    expect(backends[0]).toMatchObject({ available: true });
    expect(backends[0].detail).toMatch(/^onnxruntime-node 1\.30\.\d+, CPU provider, \d+ threads$/);
    const missing = cudaProviderReason();
    if (missing) {
      expect(backends[1]).toEqual({
        name: 'onnxruntime-cuda',
        available: false,
        reason: `The CUDA provider of onnxruntime-node is not installed; ${CUDA_INSTALL_HINT}.`,
      });
    } else {
      expect(
        backends[1].available || /CUDA provider did not start/.test(backends[1].reason ?? ''),
      ).toBe(true);
    }
  });

  it('refuses onnxruntime-cuda where its provider cannot start, with the reason', async () => {
    const reason = cudaProviderReason();
    if (reason) {
      await expect(createOrtRuntime('onnxruntime-cuda')).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        message: `The onnxruntime-cuda backend is not available: ${reason}`,
      });
    }
  });

  it('refuses a tfjs backend', async () => {
    await expect(createOrtRuntime('wasm')).rejects.toThrow(
      'ONNX Runtime cannot run on backend wasm.',
    );
  });
});
