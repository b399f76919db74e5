/**
 * The stand-in for a layer whose class the engine does not know (a custom Python layer such as
 * `InterleaveChannels`): it lets the model's structure be built and described, passes its first
 * input's shape through so that tfjs can wire what follows (the description then shows "?" for
 * every shape that depends on it), and refuses to run.
 */
import { InspectorError } from '../../../shared/errors';
import { tf } from '../tf';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = (number | null)[];

/** Arguments of a NotRunnable stand-in. */
export interface NotRunnableArgs extends LayerArgs {
  /** The Keras class the file names. */
  kerasClass: string;
}

/** A layer of unknown class: structure only. */
export class NotRunnable extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'ResNeXtInspectorNotRunnable';
  readonly kerasClass: string;

  constructor(args: NotRunnableArgs) {
    super(args);
    this.kerasClass = args.kerasClass;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(): tf.Tensor {
    throw new InspectorError(
      'NOT_RUNNABLE',
      `Layer ${this.name} is of class ${this.kerasClass}, which the engine does not know; the model can be described but not run.`,
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kerasClass: this.kerasClass };
  }
}
tf.serialization.registerClass(NotRunnable);

/** The message that refuses to run a model with a layer of unknown class. */
export function notRunnableMessage(layer: string, kerasClass: string): string {
  return `Layer ${layer} is of class ${kerasClass}, which the engine does not know (unknown class: not runnable); the model can be browsed, summarised and exported, but not profiled or run.`;
}
