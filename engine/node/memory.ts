/**
 * The engine process's memory: its cap (the most it may hold, enforced by the client, which stops
 * an engine that goes over), and the memory guard's budget, which stays under the cap on every
 * backend, `cpu` included (whose tensors live outside the V8 heap, so --max-old-space-size alone
 * would not bound them).
 */
import { freemem, totalmem } from 'node:os';
import type { BackendName } from '../../shared/profile';
import { defaultBudget } from '../core/memoryGuard';

/** What the engine process holds before any model: Node, tfjs, the wasm module, ORT (measured ~0.3 GB). */
export const ENGINE_BASELINE_BYTES = 512 * 2 ** 20;

/** The smallest cap that still runs the default model (0.7 GB measured on wasm). */
export const MIN_ENGINE_CAP_BYTES = 1.5 * 2 ** 30;

/** The environment variable that sets the cap, in MiB. */
export const ENGINE_MEMORY_ENV = 'INSPECTOR_ENGINE_MEMORY_MB';

/**
 * The engine process's memory cap in bytes: INSPECTOR_ENGINE_MEMORY_MB when set, else half the
 * machine's memory; never below MIN_ENGINE_CAP_BYTES.
 */
export function engineMemoryCap(env: Record<string, string | undefined> = process.env): number {
  const asked = Number(env[ENGINE_MEMORY_ENV]);
  const bytes = Number.isFinite(asked) && asked > 0 ? asked * 2 ** 20 : Math.floor(totalmem() / 2);
  return Math.max(MIN_ENGINE_CAP_BYTES, bytes);
}

/** The memory guard's default budget in the engine process: the backend's default, under the cap. */
export function nodeBudget(
  backend: BackendName | 'auto',
  cap = engineMemoryCap(),
  free = freemem(),
): number {
  return Math.min(defaultBudget(backend, free), cap - ENGINE_BASELINE_BYTES);
}
