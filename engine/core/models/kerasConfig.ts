/**
 * A Keras model config (Keras 2 or 3, Sequential or Functional, nested to any depth) made into one
 * flat Functional config that tfjs can build: every nested model's layers are inlined, wired to
 * what fed the nested model, and remember the models that held them (groups in the graph) and
 * where the file keeps their weights. Layer configs are normalised to the Keras 2 schema tfjs
 * reads (dtype policies, `batch_shape`, Keras 3 inbound nodes), weights are allocated but not
 * filled (the file's values replace them before anything reads them), regularisers and constraints are dropped (they do nothing at inference),
 * and a Conv2D with `groups > 1` becomes our GroupedConv2D, which tfjs lacks.
 */
import { UNWRITTEN_CONFIG } from '../unwritten';
import { fileError, isObject, type Json, type JsonObject } from './modelJson';

/** A tensor a layer takes: [layer name, node index, tensor index]. */
export type TensorRef = [string, number, number];

/** One layer of the flat model. */
export interface FlatLayer {
  /** Unique in the flat model: the layer's own name unless another nested model has it too. */
  name: string;
  /** Its name inside its own model, as the file's weights name it. */
  originalName: string;
  /** The Keras class as stored, e.g. `Conv2D` (also when grouped), `InterleaveChannels`. */
  className: string;
  /** The config tfjs builds it from (Keras 2 schema), its `name` the flat one. */
  config: JsonObject;
  /** What the tfjs class to build is: the Keras class, `GroupedConv2D`, or undefined if unknown. */
  tfjsClass: string | undefined;
  /** The tensors it takes (none for an input). */
  inbound: TensorRef[];
  /** The nested models that hold it, outermost first (their names). */
  scope: string[];
  /** The top-level layer whose weight group holds its weights in a Keras 2 HDF5 file. */
  topName: string;
  /** Its place in a Keras 3 `.keras` weights file: the saved names of its models, then its own. */
  savedPath: string[];
}

/** A group of the flat model: a nested model. */
export interface FlatGroup {
  id: string;
  label: string;
  parent?: string;
}

/** The flat model and what is needed to build it and to describe it. */
export interface FlatModel {
  name: string;
  layers: FlatLayer[];
  groups: FlatGroup[];
  /** The flat names of the model's inputs and outputs. */
  inputs: string[];
  outputs: TensorRef[];
}

/** Tells whether tfjs can build a Keras class (the engine registers GroupedConv2D). */
export type ClassCheck = (className: string) => boolean;

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);
/** Classes that run Python code, which no JavaScript engine has. */
const PYTHON_CLASSES = new Set(['Lambda', 'TFOpLambda', 'SlicingOpLambda']);
const INITIALIZER = /_initializer$/;
const DROPPED = /(_regularizer|_constraint)$/;
/** Every initial value is replaced by the file's: allocated, never filled (see unwritten.ts). */
const UNSET: JsonObject = { ...UNWRITTEN_CONFIG, config: {} };

/** Keras's `to_snake_case`, which names a layer's weights in a `.keras` file. */
export function snakeCase(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function dtypeName(value: Json | undefined): Json | undefined {
  if (isObject(value)) {
    const inner = isObject(value.config) ? value.config.name : undefined;
    // A mixed policy computes in float16; the engine runs float32 throughout.
    return typeof inner === 'string' && !inner.startsWith('mixed') ? inner : 'float32';
  }
  return value;
}

/** A layer config in the Keras 2 schema tfjs reads, weights initialised to zeros. */
function normaliseConfig(className: string, config: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (DROPPED.test(key)) {
      out[key] = null;
    } else if (INITIALIZER.test(key)) {
      out[key] = UNSET;
    } else if (key === 'dtype') {
      out[key] = dtypeName(value) ?? 'float32';
    } else if (key === 'batch_shape' && className === 'InputLayer') {
      out.batch_input_shape = value;
    } else if (
      /^(batch_input_shape|batch_shape|input_shape)$/.test(key) &&
      className !== 'InputLayer'
    ) {
      continue; // the flat model's InputLayer says the input shape; layers take what feeds them
    } else if (key === 'input_dim' || key === 'input_length') {
      continue;
    } else if (key === 'axis' && className === 'BatchNormalization' && Array.isArray(value)) {
      out[key] = value.length === 1 ? value[0] : value;
    } else if (key === 'groups' && className === 'DepthwiseConv2D') {
      continue; // Keras 2 writes `groups: 1` here; it means nothing for a depthwise convolution
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The tensors a Keras 3 inbound argument holds, in order. */
function kerasTensors(value: Json, into: TensorRef[]): void {
  if (Array.isArray(value)) {
    value.forEach((item) => kerasTensors(item, into));
  } else if (isObject(value) && value.class_name === '__keras_tensor__') {
    const history = isObject(value.config) ? value.config.keras_history : undefined;
    if (Array.isArray(history) && typeof history[0] === 'string') {
      into.push([history[0], Number(history[1] ?? 0), Number(history[2] ?? 0)]);
    }
  }
}

/** A layer's inbound tensors from either schema; one node only (shared layers are refused). */
function inboundOf(layer: JsonObject, fileName: string): TensorRef[] | undefined {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    return undefined;
  }
  if (nodes.length > 1) {
    throw fileError(
      fileName,
      `layer ${String(layer.name ?? (layer.config as JsonObject)?.name)} is used ${nodes.length} times (a shared layer); the engine runs layers used once.`,
    );
  }
  const node = nodes[0];
  const refs: TensorRef[] = [];
  if (isObject(node)) {
    kerasTensors(node.args ?? [], refs); // Keras 3
  } else if (Array.isArray(node)) {
    for (const entry of node) {
      if (Array.isArray(entry) && typeof entry[0] === 'string') {
        refs.push([entry[0], Number(entry[1] ?? 0), Number(entry[2] ?? 0)]);
      }
    }
  }
  return refs;
}

/** A model's input or output list: Keras 3 flattens a single one to a bare triple. */
function refList(value: Json | undefined): TensorRef[] {
  if (!Array.isArray(value) || value.length === 0) {
    return [];
  }
  const list = typeof value[0] === 'string' ? [value] : value;
  return list
    .filter((entry): entry is Json[] => Array.isArray(entry) && typeof entry[0] === 'string')
    .map((entry) => [entry[0] as string, Number(entry[1] ?? 0), Number(entry[2] ?? 0)]);
}

interface Context {
  fileName: string;
  isKnown: ClassCheck;
  layers: FlatLayer[];
  groups: FlatGroup[];
  taken: Set<string>;
}

interface Place {
  scope: string[];
  groupId?: string;
  topName?: string;
  savedPath: string[];
}

/** Numbers layers per class within one container, as Keras names their weight groups. */
function savedNamer(): (className: string) => string {
  const used = new Map<string, number>();
  return (className) => {
    const base = snakeCase(className);
    const count = used.get(base);
    used.set(base, (count ?? -1) + 1);
    return count === undefined ? base : `${base}_${count + 1}`;
  };
}

function uniqueName(context: Context, name: string, scope: string[]): string {
  const unique = context.taken.has(name) ? [...scope, name].join('/') : name;
  context.taken.add(unique);
  return unique;
}

function layerParts(entry: Json, context: Context): { className: string; config: JsonObject } {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw fileError(
      context.fileName,
      'its model config has a layer without class_name and config.',
    );
  }
  return { className: entry.class_name, config: entry.config };
}

function emit(
  context: Context,
  entry: { className: string; config: JsonObject },
  inbound: TensorRef[],
  place: Place,
  savedName: string,
): TensorRef[] {
  const originalName = String(entry.config.name ?? `${snakeCase(entry.className)}`);
  const name = uniqueName(context, originalName, place.scope);
  const grouped =
    entry.className === 'Conv2D' && typeof entry.config.groups === 'number'
      ? entry.config.groups > 1
      : false;
  const tfjsClass = PYTHON_CLASSES.has(entry.className)
    ? undefined
    : grouped
      ? 'GroupedConv2D'
      : context.isKnown(entry.className)
        ? entry.className
        : undefined;
  context.layers.push({
    name,
    originalName,
    className: entry.className,
    config: { ...normaliseConfig(entry.className, entry.config), name },
    tfjsClass,
    inbound,
    scope: place.scope,
    topName: place.topName ?? originalName,
    savedPath: [...place.savedPath, savedName],
  });
  return [[name, 0, 0]];
}

/** Inlines one model's layers; `bound` maps its input names to what feeds them from outside. */
function flattenModel(
  model: { className: string; config: JsonObject },
  context: Context,
  place: Place,
  bound: TensorRef[] | undefined,
): TensorRef[] {
  const entries = Array.isArray(model.config.layers) ? model.config.layers : [];
  if (entries.length === 0) {
    throw fileError(context.fileName, `model ${String(model.config.name)} has no layers.`);
  }
  const saved = savedNamer();
  const outputs = new Map<string, TensorRef[]>();
  const sequential = model.className === 'Sequential';
  const resolve = (refs: TensorRef[]): TensorRef[] =>
    refs.flatMap(([name, , tensor]) => {
      const found = outputs.get(name);
      if (!found) {
        throw fileError(
          context.fileName,
          `a layer takes "${name}", which the model does not define.`,
        );
      }
      return [found[tensor] ?? found[0]];
    });
  const inputNames = sequential ? [] : refList(model.config.input_layers).map((ref) => ref[0]);
  let current: TensorRef[] | undefined = bound && sequential ? bound : undefined;
  entries.forEach((raw, index) => {
    const entry = layerParts(raw, context);
    const name = String(entry.config.name ?? (isObject(raw) ? raw.name : '') ?? '');
    const savedName = saved(entry.className);
    const childPlace = (): Place => {
      const scope = [...place.scope, name];
      const id = `g:m:${scope.join('/')}`;
      context.groups.push({ id, label: name, parent: place.groupId });
      return {
        scope,
        groupId: id,
        topName: place.topName ?? name,
        savedPath: [...place.savedPath, savedName],
      };
    };
    let result: TensorRef[];
    if (entry.className === 'InputLayer') {
      const position = sequential ? 0 : inputNames.indexOf(name);
      const feed = bound?.[position];
      result = feed ? [feed] : emit(context, entry, [], place, savedName);
      current = result;
    } else {
      let inbound: TensorRef[];
      if (sequential) {
        if (!current) {
          current = emit(context, syntheticInput(entry, context), [], place, 'input_layer');
        }
        inbound = current;
      } else {
        inbound = resolve(inboundOf(isObject(raw) ? raw : {}, context.fileName) ?? []);
      }
      result = MODEL_CLASSES.has(entry.className)
        ? flattenModel(entry, context, childPlace(), inbound)
        : emit(context, entry, inbound, place, savedName);
      current = result;
    }
    outputs.set(name, result);
    if (index === entries.length - 1 && sequential) {
      outputs.set('__sequential_output__', result);
    }
  });
  return sequential
    ? (outputs.get('__sequential_output__') ?? [])
    : resolve(refList(model.config.output_layers));
}

/** The InputLayer Keras makes for a Sequential whose first layer carries its input shape. */
function syntheticInput(
  first: { className: string; config: JsonObject },
  context: Context,
): { className: string; config: JsonObject } {
  const shape = first.config.batch_input_shape ?? first.config.batch_shape;
  if (!Array.isArray(shape)) {
    throw fileError(
      context.fileName,
      `its Sequential model does not say its input shape (no InputLayer, no batch_input_shape on ${String(first.config.name)}).`,
    );
  }
  return {
    className: 'InputLayer',
    config: {
      name: `${String(first.config.name)}_input`,
      batch_input_shape: shape,
      dtype: 'float32',
    },
  };
}

/** Flattens a Keras model config (the JSON of `model.to_json()`) into one Functional model. */
export function flattenKerasModel(
  modelConfig: Json,
  fileName: string,
  isKnown: ClassCheck,
): FlatModel {
  if (
    !isObject(modelConfig) ||
    typeof modelConfig.class_name !== 'string' ||
    !isObject(modelConfig.config)
  ) {
    throw fileError(fileName, 'it holds no Keras model config (class_name and config).');
  }
  if (!MODEL_CLASSES.has(modelConfig.class_name)) {
    throw fileError(
      fileName,
      `its model is a ${modelConfig.class_name}; only Sequential and Functional models can be opened.`,
    );
  }
  const context: Context = { fileName, isKnown, layers: [], groups: [], taken: new Set() };
  const outputs = flattenModel(
    { className: modelConfig.class_name, config: modelConfig.config },
    context,
    { scope: [], savedPath: [] },
    undefined,
  );
  return {
    name: String(modelConfig.config.name ?? 'model'),
    layers: context.layers,
    groups: context.groups,
    inputs: context.layers
      .filter((layer) => layer.className === 'InputLayer')
      .map((layer) => layer.name),
    outputs,
  };
}

/** The flat model as the Keras 2 Functional JSON that tfjs's `modelFromJSON` builds. */
export function functionalTopology(flat: FlatModel): JsonObject {
  return {
    class_name: 'Functional',
    config: {
      name: flat.name,
      layers: flat.layers.map((layer) => ({
        class_name: layer.tfjsClass ?? layer.className,
        name: layer.name,
        config: layer.config,
        inbound_nodes:
          layer.inbound.length === 0
            ? []
            : [layer.inbound.map(([name, node, tensor]) => [name, node, tensor, {}])],
      })),
      input_layers: flat.inputs.map((name) => [name, 0, 0]),
      output_layers: flat.outputs,
    },
  };
}
