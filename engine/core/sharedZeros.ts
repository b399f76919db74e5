/**
 * Zero kernels that hold no memory of their own, for a build that describes a model's structure
 * and never reads or writes its weights (WeightFill `zeros`): each kernel is a view of one shared
 * buffer of zeros. Allocating the default model's 44 M floats, even untouched, takes V8 ~0.4 s
 * (and the garbage collections their external memory brings on); views take none of it.
 */
import { tf } from './tf';

/** tfjs's Initializer base class, which it does not export by name; Zeros derives from it. */
const Initializer = Object.getPrototypeOf(tf.initializers.zeros().constructor) as new () => {
  apply(shape: number[], dtype?: string): tf.Tensor;
  getConfig(): tf.serialization.ConfigDict;
};

let shared = new Float32Array(0);

class SharedZeros extends Initializer {
  /** @nocollapse */
  static className = 'SharedZeros';

  override apply(shape: number[]): tf.Tensor {
    const size = shape.reduce((product, length) => product * length, 1);
    if (size > shared.length) {
      // Earlier views keep the smaller buffer alive; the models they belong to are short-lived.
      shared = new Float32Array(size);
    }
    return tf.tensor(shared.subarray(0, size), shape, 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

/** An initializer of zero kernels that share one buffer; for structure-only builds. */
export function sharedZeros(): ReturnType<typeof tf.initializers.zeros> {
  return new SharedZeros() as unknown as ReturnType<typeof tf.initializers.zeros>;
}
