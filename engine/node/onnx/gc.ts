/**
 * A full garbage collection, where V8 grants one. A model's tfjs weights (178 MB for ResNeXt-101,
 * array buffers outside V8's heap) are unreachable once it is exported and disposed, but V8 frees
 * them only at its next major collection, and nothing in the engine allocates enough to bring one
 * on before ONNX Runtime loads its own copy: without it, a profile's peak carries both.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** Runs a full collection; does nothing where the flag cannot be set. */
export function collectGarbage(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    try {
      // The flag makes V8 give each new context a `gc` function; this one's is taken.
      setFlagsFromString('--expose-gc');
      collect = exposed ?? (runInNewContext('gc') as () => void);
    } catch {
      collect = exposed ?? null;
    }
  }
  collect?.();
}
