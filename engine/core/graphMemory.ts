/**
 * The memory guard for any described model (one read from a file): weights plus the largest set
 * of activations alive at once, walking the layers in order and freeing each output after its
 * last consumer, with a grouped convolution's depthwise expansion counted, then doubled for the
 * kernels' scratch space; the runtime's copies of the weights, its initial heap and the margin are
 * added as memoryGuard.ts calibrated them on wasm. Config-built ResNeXt walks its blocks instead.
 */
import { InspectorError } from '../../shared/errors';
import type { LayerInfo, ModelGraph } from '../../shared/modelGraph';
import { calibratedTotal, formatBytes, type MemoryEstimate } from './memoryGuard';

const FLOAT = 4;
/** Scratch the kernels take beyond the live outputs (transposes, im2col, padding copies). */
const SCRATCH = 2;

const valuesOf = (layer: LayerInfo): number =>
  (layer.outputShape ?? []).reduce<number>((total, size) => total * (size ?? 1), 1);

/** A grouped convolution's depthwise intermediate, per image (values). */
function groupedTransient(layer: LayerInfo, input: LayerInfo | undefined): number {
  if (
    layer.className !== 'Conv2D' ||
    (layer.groups ?? 1) <= 1 ||
    !layer.outputShape ||
    !input?.outputShape
  ) {
    return 0;
  }
  const positions = (layer.outputShape[1] ?? 1) * (layer.outputShape[2] ?? 1);
  const inputChannels = input.outputShape[input.outputShape.length - 1] ?? 1;
  // The depthwise output and its transposed copy.
  return 2 * positions * inputChannels * ((layer.filters ?? 1) / (layer.groups ?? 1));
}

/**
 * The bytes of the largest single tensor a run holds: a layer's output, a weight, or a grouped
 * convolution's depthwise intermediate, for the whole batch. A GPU keeps each in one buffer or
 * texture, so its device limits apply to this size, not to the total.
 */
export function largestTensorBytes(graph: ModelGraph, batch: number): number {
  const byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
  let largest = 0;
  for (const layer of graph.layers) {
    const transient = groupedTransient(layer, byName.get(layer.inbound[0] ?? '')) / 2;
    largest = Math.max(largest, valuesOf(layer) * batch, transient * batch);
    // A layer's kernel is about all of its parameters (the bias is small beside it).
    largest = Math.max(largest, layer.params);
  }
  return largest * FLOAT;
}

/** Estimates a run of a described model at a batch; MEMORY_BUDGET above `budget`. */
export function graphMemory(graph: ModelGraph, batch: number, budget: number): MemoryEstimate {
  const byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
  const consumers = new Map<string, number>();
  for (const layer of graph.layers) {
    for (const source of layer.inbound) {
      consumers.set(source, (consumers.get(source) ?? 0) + 1);
    }
  }
  let live = 0;
  let peak = 0;
  for (const layer of graph.layers) {
    const own = valuesOf(layer);
    const transient = groupedTransient(layer, byName.get(layer.inbound[0] ?? ''));
    peak = Math.max(peak, live + own + transient);
    live += own;
    for (const source of layer.inbound) {
      const left = (consumers.get(source) ?? 1) - 1;
      consumers.set(source, left);
      if (left === 0) {
        live -= valuesOf(byName.get(source) ?? layer);
      }
    }
  }
  const input = graph.layers[0];
  const inputBytes = (input ? valuesOf(input) : 0) * batch * FLOAT;
  const weightBytes = graph.totals.params * FLOAT;
  const activationBytes = peak * batch * FLOAT * SCRATCH;
  // The runtime's copies of the weights, its initial heap and the margin, as for a built config.
  const totalBytes = calibratedTotal(weightBytes, activationBytes, inputBytes);
  const estimate: MemoryEstimate = {
    weightBytes,
    activationBytes,
    inputBytes,
    runtimeBytes: totalBytes - weightBytes - activationBytes - inputBytes,
    totalBytes,
    params: graph.totals.params,
  };
  if (estimate.totalBytes > budget) {
    throw new InspectorError(
      'MEMORY_BUDGET',
      `Batch ${batch} of ${graph.file?.fileName ?? graph.name} needs about ${formatBytes(estimate.totalBytes)} ` +
        `(weights ${formatBytes(weightBytes)}, activations ${formatBytes(activationBytes)}, ` +
        `the runtime's copies and margin ${formatBytes(estimate.runtimeBytes ?? 0)}), ` +
        `above the memory budget of ${formatBytes(budget)}; lower the batch, or raise the budget.`,
    );
  }
  return estimate;
}
