/**
 * The initial value of a weight that a model file's values replace before anything reads it:
 * memory the backend allocates but never fills (wasm: `malloc` without a copy, so its pages are
 * not touched and take no resident memory; cpu: no values at all). Filling it with zeros instead
 * cost a JavaScript array and a copy of every weight while a file opened (a third of the time for
 * ResNeXt-101), on top of the file's own values. A backend without that path gets zeros.
 */
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers';
import { tf } from './tf';

/**
 * tfjs-layers' Initializer, the class its registry and `addWeight` know (the bundle's own: a
 * deep import would load a second copy of the module, whose class tfjs would not recognise).
 */
const InitializerBase = Object.getPrototypeOf(
  tf.initializers.zeros().constructor,
) as new () => Initializer;

/** Backends whose `write(null)` allocates a tensor without values, read nowhere until replaced. */
const UNFILLED = new Set(['wasm', 'cpu']);

/** An initializer whose values are never read: the file's replace them. */
export class Unwritten extends InitializerBase {
  /** @nocollapse */
  static className = 'ResNeXtInspectorUnwritten';

  override apply(shape: number[], dtype: tf.DataType = 'float32'): tf.Tensor {
    if (!UNFILLED.has(tf.getBackend())) {
      return tf.zeros(shape, dtype);
    }
    const backend = tf.backend();
    const dataId = backend.write(null as unknown as tf.BackendValues, shape, dtype);
    return tf.engine().makeTensorFromDataId(dataId, shape, dtype, backend);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
tf.serialization.registerClass(
  Unwritten as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** The Keras config of the initializer, as a flattened model file's layers carry it. */
export const UNWRITTEN_CONFIG = { class_name: Unwritten.className, config: {} } as const;

/** Whether an initializer config (a layer's `kernelInitializer` argument) is Unwritten's. */
export function isUnwritten(value: unknown): boolean {
  const record = value as { className?: unknown; class_name?: unknown } | null;
  return (
    value instanceof Unwritten ||
    record?.className === Unwritten.className ||
    record?.class_name === Unwritten.className
  );
}
