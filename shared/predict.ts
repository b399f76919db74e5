/**
 * Predictions: one image through a model, its whole output and the top classes. The scales an
 * image's 0–255 pixels are put through before the model sees them, named as the Keras
 * applications' `preprocess_input` modes are: each model was trained on one of them.
 */

/**
 * How an image's 8-bit values become the model's input: `unit` [0, 1] (the default), `symmetric`
 * [-1, 1] (MobileNet, Inception), `raw` 0–255 (EfficientNet), `caffe` BGR minus the ImageNet
 * means on 0–255 (VGG, ResNet50 of keras.applications), `torch` (x/255 − mean)/std with the
 * ImageNet mean and std (DenseNet, torchvision).
 */
export const INPUT_SCALES = ['unit', 'symmetric', 'raw', 'caffe', 'torch'] as const;

/** One of INPUT_SCALES. */
export type InputScale = (typeof INPUT_SCALES)[number];

/** The ImageNet channel means on 0–255, in RGB order (caffe subtracts them from BGR pixels). */
export const CAFFE_MEAN_RGB: readonly number[] = [123.68, 116.779, 103.939];
/** The ImageNet channel means and standard deviations on [0, 1], RGB (torch). */
export const TORCH_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** See TORCH_MEAN. */
export const TORCH_STD: readonly number[] = [0.229, 0.224, 0.225];

/** The most classes a prediction lists. */
export const MAX_TOP = 1000;
/** The most output values a prediction returns (a 1024×1024 map): it crosses as JSON. */
export const MAX_OUTPUT_VALUES = 1 << 20;

/** Options of a prediction. */
export interface PredictOptions {
  /** How many classes to list, highest score first, 1–MAX_TOP (fewer when the output is shorter). */
  top: number;
}

/** One class of a prediction. */
export interface ClassScore {
  /** The class's index in the output vector. */
  index: number;
  /** The output value there (a probability after a softmax head, a logit without one). */
  score: number;
}

/** The outcome of one image through a model. */
export interface Prediction {
  /** The model's whole output for the image, flattened (its first output, for several). */
  output: number[];
  /** The shape of that output, batch dimension left out (e.g. [1000]). */
  shape: number[];
  /** The `top` highest values, highest first; ties keep the lower index first. */
  top: ClassScore[];
}

/** The `count` highest values of a vector, highest first (NaN never ranks). */
export function topClasses(values: ArrayLike<number>, count: number): ClassScore[] {
  const ranked: ClassScore[] = [];
  for (let index = 0; index < values.length; index += 1) {
    const score = values[index];
    if (Number.isNaN(score)) {
      continue;
    }
    // An insertion into a short sorted list: k is small, the output can be long.
    if (ranked.length === count && score <= ranked[count - 1].score) {
      continue;
    }
    let at = ranked.length;
    while (at > 0 && ranked[at - 1].score < score) {
      at -= 1;
    }
    ranked.splice(at, 0, { index, score });
    if (ranked.length > count) {
      ranked.pop();
    }
  }
  return ranked;
}
