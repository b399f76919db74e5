/**
 * A config's graph without its weights: the model is built with zero kernels (no random draws) on
 * tfjs's `cpu` backend (its tensors are plain arrays, given back when disposed, where wasm's heap
 * never shrinks), described, and disposed. Names, shapes, parameter counts, MACs and groups are
 * the seeded build's own; only weight statistics are missing. It is what `summary` prints, and what
 * the CLI's `profile` reports against while the engine process builds or loads the model to run.
 */
import type { ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import { describeModel } from './describe';
import { buildResNeXt } from './resnext';
import { tf } from './tf';

/**
 * Runs `action` on tfjs's `cpu` backend, then gives the previous backend back. tfjs's one-time
 * hint to install tfjs-node (printed on the cpu backend's first tensor) stays quiet: here the cpu
 * backend is a choice, not a fallback.
 */
export async function onCpuBackend<T>(action: () => T | Promise<T>): Promise<T> {
  // backendName, unlike getBackend(), does not start a backend when none is active yet.
  const previous = tf.engine().backendName;
  const quiet = tf.env().getBool('PROD');
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  try {
    return await action();
  } finally {
    tf.env().set('PROD', quiet);
    if (previous && previous !== 'cpu') {
      await tf.setBackend(previous);
    }
  }
}

/** Describes a config's model from a build with zero kernels; see the file's comment. */
export function describeStructure(config: ModelConfig): Promise<ModelGraph> {
  return onCpuBackend(() => {
    const model = buildResNeXt(config, undefined, 'zeros');
    try {
      return describeModel(model, config);
    } finally {
      model.dispose();
    }
  });
}
