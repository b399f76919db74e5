/**
 * The memory guard: before anything is built, estimate the bytes a run needs from the config
 * alone (weights, the largest set of activations alive at once for the batch and input size, and
 * what the runtime holds beyond the tensors), and refuse a run above the budget with a message
 * giving the numbers. Calibrated against the wasm heap of real runs (memoryCalibration.test.ts):
 * the estimate is never below what a run used there.
 */
import { InspectorError } from '../../shared/errors';
import { BLOCKS_BY_DEPTH, type ModelConfig } from '../../shared/modelConfig';
import type { BackendName } from '../../shared/profile';

/** The most a tfjs-wasm heap can grow to (wasm32: 4 GiB less one page). */
export const WASM_HEAP_BYTES = 4294901760;

/** What a run is estimated to need. */
export interface MemoryEstimate {
  /** Bytes of weights (float32). */
  weightBytes: number;
  /** Bytes of the largest set of activations alive at once, for the whole batch. */
  activationBytes: number;
  /** Bytes of the input batch. */
  inputBytes: number;
  /**
   * Bytes the runtime holds beyond those tensors: the kernels' packed copies of the weights,
   * scratch beside the activations, the runtime's own start, and a margin. Zero where a caller
   * counts only tensors (a model read from a file).
   */
  runtimeBytes?: number;
  /** The sum of the above. */
  totalBytes: number;
  /** Parameters the estimate counted (for a check against the built model). */
  params: number;
}

const FLOAT = 4;

/**
 * Copies of every weight the runtime keeps beside the weight tensors. Measured on wasm: the heap
 * after a run of ResNeXt-50, -101 and -152 at batch 1 held 2.9–3.0× the weights (XNNPACK packs
 * each convolution's filter into a layout of its own and keeps it, among others).
 */
const KERNEL_WEIGHT_COPIES = 2;
/**
 * Scratch beside the live activations, as a share of them: transposed and padded copies inside
 * the kernels, and the allocator's slack. Measured on wasm from batch 1 to 32: 0.05–0.47.
 */
const ACTIVATION_SCRATCH = 0.5;
/** What the runtime holds before any model: the wasm heap's initial 16 MiB. */
const RUNTIME_BASE_BYTES = 16 * 2 ** 20;
/** Over the calibrated sum, for runs the measurements did not see. */
const MARGIN = 1.1;
const sameOut = (size: number, stride: number): number => Math.ceil(size / stride);

/** Parameters and the per-image peak of live activation values of one bottleneck block. */
function blockCost(
  inChannels: number,
  outChannels: number,
  bottleneck: number,
  groups: number,
  sizeIn: number,
  stride: number,
  strideOn: ModelConfig['strideOn'],
): { params: number; peakValues: number; sizeOut: number } {
  const sizeOut = sameOut(sizeIn, stride);
  const sizeMid = strideOn === '1x1' ? sizeOut : sizeIn;
  const projection = inChannels < outChannels;
  const params =
    inChannels * bottleneck +
    bottleneck +
    4 * bottleneck +
    9 * (bottleneck / groups) * bottleneck +
    bottleneck +
    4 * bottleneck +
    bottleneck * outChannels +
    outChannels +
    4 * outChannels +
    (projection ? inChannels * outChannels + outChannels + 4 * outChannels : 0);
  const area = (size: number): number => size * size;
  const residual = inChannels * area(sizeIn);
  // The grouped 3×3 runs as a depthwise conv with multiplier bottleneck/groups, then a group sum
  // (which reduces a middle axis: the backend transposes the depthwise output first, a second copy).
  const depthwise =
    ((bottleneck * bottleneck) / groups) * area(sizeOut) * (groups < bottleneck ? 2 : 1);
  const steps = [
    inChannels * area(sizeIn) + 2 * bottleneck * area(sizeMid),
    bottleneck * area(sizeMid) + depthwise + 2 * bottleneck * area(sizeOut),
    bottleneck * area(sizeOut) + 2 * outChannels * area(sizeOut),
    3 * outChannels * area(sizeOut),
  ];
  return { params, peakValues: residual + Math.max(...steps), sizeOut };
}

/** Estimates the memory a run of this config at this batch needs, without building anything. */
export function estimateMemory(config: ModelConfig, batch: number): MemoryEstimate {
  const { inputSize, channels, cardinality, width, classes, strideOn } = config;
  const stemSize = sameOut(inputSize, 2);
  let params = 7 * 7 * channels * 64 + 64 + 4 * 64;
  let peakValues = channels * inputSize * inputSize + 3 * 64 * stemSize * stemSize;
  let size = sameOut(stemSize, 2);
  let inChannels = 64;
  BLOCKS_BY_DEPTH[config.depth].forEach((blocks, stage) => {
    const outChannels = 256 * 2 ** stage;
    const bottleneck = cardinality * width * 2 ** stage;
    for (let block = 0; block < blocks; block += 1) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const cost = blockCost(
        inChannels,
        outChannels,
        bottleneck,
        cardinality,
        size,
        stride,
        strideOn,
      );
      params += cost.params;
      peakValues = Math.max(peakValues, cost.peakValues);
      size = cost.sizeOut;
      inChannels = outChannels;
    }
  });
  params += inChannels * classes + classes;
  const weightBytes = params * FLOAT;
  const activationBytes = peakValues * batch * FLOAT;
  const inputBytes = inputSize * inputSize * channels * batch * FLOAT;
  const totalBytes = calibratedTotal(
    weightBytes,
    activationBytes * (1 + ACTIVATION_SCRATCH),
    inputBytes,
  );
  return {
    weightBytes,
    activationBytes,
    inputBytes,
    runtimeBytes: totalBytes - weightBytes - activationBytes - inputBytes,
    totalBytes,
    params,
  };
}

/**
 * What a run holds in all, from its weights, its activations with their scratch, and its input:
 * the runtime's copies of every weight, its initial heap, and the margin (see the constants).
 */
export function calibratedTotal(
  weightBytes: number,
  activationBytesWithScratch: number,
  inputBytes: number,
): number {
  const calibrated =
    weightBytes * (1 + KERNEL_WEIGHT_COPIES) +
    activationBytesWithScratch +
    inputBytes +
    RUNTIME_BASE_BYTES;
  return Math.ceil(calibrated * MARGIN);
}

/** The default budget: half the free memory, and never more than a wasm heap on wasm. */
export function defaultBudget(backend: BackendName | 'auto', free: number): number {
  const half = Math.floor(free / 2);
  return backend === 'wasm' ? Math.min(half, WASM_HEAP_BYTES) : half;
}

/** Bytes in words: `1.2 GB`, `340 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Refuses, with MEMORY_BUDGET, a run whose estimate is above the budget; returns the estimate. */
export function checkMemory(
  config: ModelConfig,
  batch: number,
  budgetBytes: number,
): MemoryEstimate {
  const estimate = estimateMemory(config, batch);
  if (estimate.totalBytes > budgetBytes) {
    throw new InspectorError(
      'MEMORY_BUDGET',
      `Batch ${batch} at ${config.inputSize}×${config.inputSize} needs about ${formatBytes(estimate.totalBytes)} ` +
        `(weights ${formatBytes(estimate.weightBytes)}, activations ${formatBytes(estimate.activationBytes)}, ` +
        `the runtime's copies and scratch ${formatBytes(estimate.runtimeBytes ?? 0)}), ` +
        `above the memory budget of ${formatBytes(budgetBytes)}; lower the batch or the input size, or raise the budget.`,
    );
  }
  return estimate;
}
