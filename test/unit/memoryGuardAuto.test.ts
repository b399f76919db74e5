// The memory guard on `auto`: when auto resolves to wasm, the wasm heap caps the default budget,
// as it does for a forced wasm, rather than half the free memory (which the heap cannot reach).
import type * as NodeOs from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { listBackends } from '../../engine/node/backends';
import { estimateMemory, WASM_HEAP_BYTES } from '../../engine/core/memoryGuard';
import { Engine } from '../../engine/core/engine';
import { nodeHost } from '../../engine/node/host';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { DEFAULT_PROFILE, type ProfileEvent } from '../../shared/profile';

// A machine with plenty of free memory: half of it is far above the wasm heap.
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof NodeOs>();
  const freemem = (): number => 256e9;
  return { ...os, freemem, default: { ...os, freemem } };
});

// Small weights, large activations: the estimate is all in the activations of a big input.
const WIDE: ModelConfig = {
  ...DEFAULT_CONFIG,
  depth: 50,
  cardinality: 1,
  width: 1,
  inputSize: 2048,
  classes: 10,
};

describe('memory guard on auto', () => {
  it('refuses a run above the wasm heap when auto runs on wasm, before building', async () => {
    const auto = (await listBackends()).find((status) => status.available);
    if (auto?.name !== 'wasm') {
      console.log(`skipped: auto runs on ${auto?.name}, not wasm`);
      return;
    }
    let batch = 1;
    while (estimateMemory(WIDE, batch).totalBytes <= WASM_HEAP_BYTES) {
      batch += 1;
    }
    expect(estimateMemory(WIDE, batch).totalBytes).toBeLessThan(128e9);
    const events: ProfileEvent[] = [];
    const engine = new Engine(nodeHost(), (batchOfEvents) => {
      events.push(...batchOfEvents);
      if (batchOfEvents.some((event) => event.type === 'run-started')) {
        void engine.cancel('run-auto'); // without the guard: stop before any pass allocates
      }
    });
    await engine.profile(
      {
        ...DEFAULT_PROFILE,
        config: WIDE,
        batch,
        backend: 'auto',
        warmup: 0,
        runs: 1,
        mode: 'whole',
      },
      'run-auto',
    );
    await vi.waitFor(() => expect(events.some((event) => event.type === 'error')).toBe(true), {
      timeout: 60_000,
      interval: 50,
    });
    engine.dispose();
    expect(events).toEqual([
      {
        type: 'error',
        runId: 'run-auto',
        error: {
          code: 'MEMORY_BUDGET',
          message: expect.stringMatching(/above the memory budget of 4\.3 GB; lower the batch/),
        },
      },
    ]);
  });
});
