/**
 * The one place that loads TensorFlow.js for the engine. Everything else imports `tf` from here,
 * so every module shares one tfjs-core engine (and its backend registry).
 */
import * as tf from '@tensorflow/tfjs';

export { tf };

/** The version of tfjs-core in use, e.g. `4.22.0`. */
export const TFJS_VERSION: string = tf.version.tfjs;
