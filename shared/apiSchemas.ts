/**
 * Run-time schemas for the arguments of every InspectorApi call, and the one place that turns an
 * untrusted `(call, args)` pair into a validated call or an INVALID_REQUEST error whose message
 * names the call, the argument and what is allowed. Both transports (Electron IPC and the
 * browser-mode server) validate through `parseCall` before anything reaches the engine.
 */
import * as v from 'valibot';
import { API_CALLS, type ApiCall, type InspectorApi } from './api';
import { InspectorError, toErrorInfo, type Result } from './errors';
import { INPUT_SCALES, MAX_TOP } from './predict';
import { WINDOW_BACKENDS } from './profile';

/** The largest base64 image a profile request may carry, in characters (32 MiB). */
export const MAX_IMAGE_CHARS = 32 * 1024 * 1024;
/** The largest image file an input may be, in bytes: what MAX_IMAGE_CHARS of base64 decode to (24 MiB). */
export const MAX_IMAGE_BYTES = (MAX_IMAGE_CHARS / 4) * 3;
/** The largest file `saveFile` accepts, in characters of text or base64 (128 MiB). */
export const MAX_SAVE_CHARS = 128 * 1024 * 1024;
/** The longest run id, file name or other short string, in characters. */
export const MAX_NAME_CHARS = 255;

/** Shows a received value without echoing huge or odd strings back. */
const shown = (received: string): string =>
  received.length > 40 ? `${received.slice(0, 37)}...` : received;

const integer = (min: number, max: number) => {
  const rule = `must be an integer from ${min} to ${max}`;
  return v.pipe(v.number(rule), v.integer(rule), v.minValue(min, rule), v.maxValue(max, rule));
};

const text = (min: number, max: number, pattern?: RegExp, rule?: string) =>
  v.pipe(
    v.string('must be a string'),
    v.minLength(min, `must be at least ${min} character${min === 1 ? '' : 's'} long`),
    v.maxLength(max, `must be at most ${max} characters long`),
    v.regex(pattern ?? /[\s\S]*/, rule ?? 'has characters that are not allowed'),
  );

const oneOf = <const T extends readonly (string | number)[]>(options: T) =>
  v.picklist(
    options,
    `must be one of ${options.map((option) => JSON.stringify(option)).join(', ')}`,
  );

const object = <const T extends v.ObjectEntries>(entries: T) =>
  v.strictObject(entries, 'must be an object');

/**
 * An object that is not an array: valibot's object schemas take an array as an object and then
 * report its first missing key ("config.depth must be an object"), which names the wrong thing.
 */
const record = <const T extends v.ObjectEntries>(entries: T) =>
  v.pipe(
    v.custom<unknown>((input) => !Array.isArray(input), 'is an array; it must be an object'),
    object(entries),
  );

/** A full ModelConfig; the upper bounds keep a request from asking for an absurd model. */
export const ModelConfigSchema = record({
  depth: oneOf([50, 101, 152]),
  cardinality: integer(1, 256),
  width: integer(1, 512),
  inputSize: integer(32, 2048),
  channels: integer(1, 64),
  classes: integer(1, 100_000),
  strideOn: oneOf(['1x1', '3x3']),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What the model is fed: random (seeded), zeros, or a base64 PNG/JPEG. */
export const InputSourceSchema = v.variant(
  'kind',
  [
    object({ kind: v.literal('random'), seed: integer(0, 2 ** 32 - 1) }),
    object({ kind: v.literal('zeros') }),
    object({
      kind: v.literal('image'),
      base64: v.pipe(
        v.string('must be a string'),
        v.minLength(1, 'is empty; an image input needs the bytes of a PNG or JPEG file'),
        text(1, MAX_IMAGE_CHARS, BASE64, 'must be base64'),
      ),
      fileName: v.optional(text(1, MAX_NAME_CHARS)),
      scale: v.optional(oneOf(INPUT_SCALES)),
    }),
    object({
      kind: v.literal('upload'),
      id: text(1, 64, /^[0-9a-f]+$/, 'must be the id POST /api/upload answered'),
      fileName: v.optional(text(1, MAX_NAME_CHARS)),
      scale: v.optional(oneOf(INPUT_SCALES)),
    }),
  ],
  'must be "random", "zeros", "image" or "upload"',
);

/** The id the engine gave a model it opened from a file. */
export const FileIdSchema = text(1, 64, /^file-\d+$/, 'must be the id of an opened model file');

/** The id `POST /api/upload` answered. */
const UploadIdSchema = text(1, 64, /^[0-9a-f]+$/, 'must be the id POST /api/upload answered');

/** What describe takes: a config, or `{ file: id }` for a model opened from a file. */
export const ModelSourceSchema = v.lazy((input: unknown) =>
  typeof input === 'object' && input !== null && !Array.isArray(input) && 'file' in input
    ? record({ file: FileIdSchema })
    : ModelConfigSchema,
);

/** A model file to open: a path (the desktop app), or uploads (browser mode). */
export const OpenModelSourceSchema = v.variant(
  'kind',
  [
    object({ kind: v.literal('path'), path: text(1, 4096) }),
    object({
      kind: v.literal('upload'),
      main: UploadIdSchema,
      others: v.optional(
        v.pipe(
          v.array(UploadIdSchema, 'must be a list'),
          v.maxLength(4096, 'holds too many files'),
        ),
      ),
    }),
  ],
  'must be "path" or "upload"',
);

/** A ProfileRequest with every field but memoryBudgetBytes required, and a config or a file. */
export const ProfileRequestSchema = v.pipe(
  record({
    config: v.optional(ModelConfigSchema),
    file: v.optional(FileIdSchema),
    backend: oneOf([
      'auto',
      'tensorflow',
      'wasm',
      'cpu',
      'onnxruntime',
      'onnxruntime-cuda',
      ...WINDOW_BACKENDS,
    ]),
    // Generous: the engine's memory guard refuses what would not fit, with the estimate and the budget.
    batch: integer(1, 4096),
    input: InputSourceSchema,
    warmup: integer(0, 100),
    runs: integer(1, 1000),
    mode: oneOf(['per-layer', 'whole']),
    stats: v.boolean('must be true or false'),
    memoryBudgetBytes: v.optional(integer(1, Number.MAX_SAFE_INTEGER)),
    onnxMode: v.optional(oneOf(['fast', 'exact'])),
  }),
  v.check(
    (request) => (request.config === undefined) !== (request.file === undefined),
    'must name its model by a config or by a file id, one of them',
  ),
);

/** A run id as the engine makes them: letters, digits, `-`, `_`, `.` and `:`. */
export const RunIdSchema = text(
  1,
  128,
  /^[\w.:-]+$/,
  'may hold only letters, digits, "-", "_", "." and ":"',
);

/** A file name without a folder: no slashes, no control characters, not `.` or `..`. */
export const FileNameSchema = v.pipe(
  // eslint-disable-next-line no-control-regex
  text(1, MAX_NAME_CHARS, /^[^/\\\u0000-\u001f]+$/, 'must be a file name without folders'),
  v.check((name) => name !== '.' && name !== '..', 'must be a file name without folders'),
);

const ActivationOptionsSchema = record({ channels: integer(1, 64) });

const PredictOptionsSchema = record({ top: integer(1, MAX_TOP) });

/** The argument tuple of each call, in order. */
export const CALL_ARGS = {
  backends: v.strictTuple([]),
  describe: v.strictTuple([ModelSourceSchema]),
  openModel: v.strictTuple([OpenModelSourceSchema]),
  chooseModelFile: v.strictTuple([]),
  profile: v.strictTuple([ProfileRequestSchema]),
  cancel: v.strictTuple([RunIdSchema]),
  activations: v.strictTuple([RunIdSchema, integer(0, 1_000_000), ActivationOptionsSchema]),
  // Four stages; the deepest stage of any depth has 36 blocks (the engine names the real range).
  blockForms: v.strictTuple([ModelConfigSchema, integer(1, 4), integer(1, 64)]),
  predict: v.strictTuple([ModelSourceSchema, InputSourceSchema, PredictOptionsSchema]),
  saveFile: v.pipe(
    v.strictTuple([
      oneOf(['png', 'svg', 'txt', 'csv', 'json', 'md', 'trace']),
      text(0, MAX_SAVE_CHARS),
      FileNameSchema,
    ]),
    v.check(([kind, data]) => kind !== 'png' || BASE64.test(data), 'data must be base64 for a png'),
  ),
  appInfo: v.strictTuple([]),
} as const satisfies Record<ApiCall, v.GenericSchema>;

/** The arguments of a call, as its InspectorApi method takes them. */
export type CallArgs<K extends ApiCall> = Parameters<InspectorApi[K]>;

// Compile-time proof that each schema's output is what the API method takes.
type SchemaArgs = { [K in ApiCall]: v.InferOutput<(typeof CALL_ARGS)[K]> };
type Proof<A, B> = A extends B ? true : never;
const _proof: { [K in ApiCall]: Proof<SchemaArgs[K], CallArgs<K>> } = {
  backends: true,
  describe: true,
  openModel: true,
  chooseModelFile: true,
  profile: true,
  cancel: true,
  activations: true,
  blockForms: true,
  predict: true,
  saveFile: true,
  appInfo: true,
};
void _proof;

/** The names of the arguments of each call, for messages. */
const ARG_NAMES: Record<ApiCall, readonly string[]> = {
  backends: [],
  describe: ['config'],
  openModel: ['source'],
  chooseModelFile: [],
  profile: ['request'],
  cancel: ['runId'],
  activations: ['runId', 'layerId', 'options'],
  blockForms: ['config', 'stage', 'block'],
  predict: ['source', 'input', 'options'],
  saveFile: ['kind', 'data', 'suggestedName'],
  appInfo: [],
};

/** A call whose arguments passed their schema. */
export type ParsedCall = { [K in ApiCall]: { call: K; args: CallArgs<K> } }[ApiCall];

/** Whether a string names one of the calls. */
export function isApiCall(call: unknown): call is ApiCall {
  return typeof call === 'string' && (API_CALLS as readonly string[]).includes(call);
}

function issueMessage(call: ApiCall, issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => item.key);
  const names = ARG_NAMES[call];
  if (keys.length === 1 && typeof keys[0] === 'number' && keys[0] >= names.length) {
    return `${call} takes ${names.length} argument${names.length === 1 ? '' : 's'}: remove the extra ones.`;
  }
  if (keys.length === 0) {
    return `${call}: ${issue.message}.`;
  }
  const [first, ...rest] = keys;
  const where = [names[first as number] ?? String(first), ...rest.map(String)].join('.');
  if (issue.expected === 'never') {
    return `${call}: unknown field "${where}"; remove it.`;
  }
  if (
    issue.kind === 'schema' &&
    issue.received === 'undefined' &&
    /^"/.test(issue.expected ?? '')
  ) {
    return `${call}: ${where} is missing.`;
  }
  if (issue.message.startsWith('is ')) {
    return `${call}: ${where} ${issue.message}.`; // says what is wrong with the value already
  }
  const got = issue.type.endsWith('_length')
    ? `has ${issue.received}`
    : `got ${shown(issue.received)}`;
  return `${call}: ${where} ${issue.message}, but ${got}.`;
}

/**
 * Checks an untrusted call name and argument list. Returns the typed call, or throws an
 * InspectorError INVALID_REQUEST naming the call, the argument and what is allowed.
 */
export function parseCall(call: unknown, args: unknown): ParsedCall {
  if (!isApiCall(call)) {
    const name = typeof call === 'string' ? `"${shown(call)}"` : shown(String(call));
    throw new InspectorError(
      'INVALID_REQUEST',
      `Unknown call ${name}; the calls are ${API_CALLS.join(', ')}.`,
    );
  }
  if (!Array.isArray(args)) {
    throw new InspectorError('INVALID_REQUEST', `${call}: the arguments must be an array.`);
  }
  const parsed = v.safeParse(CALL_ARGS[call], args, { abortEarly: true });
  if (!parsed.success) {
    throw new InspectorError('INVALID_REQUEST', issueMessage(call, parsed.issues[0]));
  }
  return { call, args: parsed.output } as ParsedCall;
}

/** The implementation of every call, as a transport's server side provides it. */
export type ApiHandlers = { [K in ApiCall]: InspectorApi[K] };

/**
 * Validates an untrusted call, runs its handler and wraps the outcome in a Result envelope.
 * Never throws: anything thrown becomes `{ ok: false, error }` with its code kept.
 */
export async function dispatchCall(
  handlers: ApiHandlers,
  call: unknown,
  args: unknown,
): Promise<Result<unknown>> {
  try {
    const parsed = parseCall(call, args);
    const handler = handlers[parsed.call] as (...input: unknown[]) => Promise<unknown>;
    const value = await handler(...parsed.args);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
