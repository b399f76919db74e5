/**
 * The limits a request has, said in flags. The flag parser knows the types and the lower bounds;
 * the API's schemas (shared/apiSchemas.ts) hold the upper ones. A value the parser takes but the
 * engine would refuse (`--warmup 101`) is refused here, before anything is built, naming the flag
 * rather than the request field (`--warmup`, not `request.warmup`).
 */
import * as v from 'valibot';
import { ModelConfigSchema, ProfileRequestSchema } from '../../shared/apiSchemas';
import type { ModelConfig } from '../../shared/modelConfig';
import type { ProfileRequest } from '../../shared/profile';
import { UsageError } from './args';

/** The flag of each field a flag sets. */
const FLAG_OF: Record<string, string> = {
  'config.depth': 'depth',
  'config.cardinality': 'cardinality',
  'config.width': 'width',
  'config.inputSize': 'input',
  'config.channels': 'channels',
  'config.classes': 'classes',
  'config.strideOn': 'stride-on',
  backend: 'backend',
  batch: 'batch',
  warmup: 'warmup',
  runs: 'runs',
  mode: 'mode',
  'input.seed': 'seed',
  'input.base64': 'image',
  memoryBudgetBytes: 'budget-mb',
  onnxMode: 'onnx-mode',
};

/** What the person typed for a field, as the flag took it. */
function typed(key: string, received: string): string {
  return key === 'memoryBudgetBytes' ? String(Number(received) / 1e6) : received;
}

function check(schema: v.GenericSchema, value: unknown, prefix: string): void {
  const parsed = v.safeParse(schema, value, { abortEarly: true });
  if (parsed.success) {
    return;
  }
  const [issue] = parsed.issues;
  const key = [prefix, ...(issue.path ?? []).map((item) => String(item.key))]
    .filter(Boolean)
    .join('.');
  const flag = FLAG_OF[key];
  if (flag === undefined) {
    throw new UsageError(`The flags make a request the engine refuses: ${key} ${issue.message}.`);
  }
  throw new UsageError(`--${flag} ${issue.message}, but got ${typed(key, issue.input as string)}.`);
}

/** Refuses a config the flags made that the engine would refuse, naming the flag. */
export function checkConfigBounds(config: ModelConfig): void {
  check(ModelConfigSchema, config, 'config');
}

/** Refuses a profile request the flags made that the engine would refuse, naming the flag. */
export function checkRequestBounds(request: ProfileRequest): void {
  check(ProfileRequestSchema, request, '');
}
