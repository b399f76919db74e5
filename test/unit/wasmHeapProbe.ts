// Measures one profile run on the wasm backend, in a process of its own so that the heap starts
// fresh (a wasm heap grows and never shrinks): `tsx test/unit/wasmHeapProbe.ts '<config>' <batch>
// <mode>` prints {heapBytes, peakBytes}. Growth is held to 5 % over each request (Emscripten tries
// 20 %, 10 %, then 5 %; the first two are refused), so the final heap is within 5 % of the most
// the run ever needed. Used by memoryCalibration.test.ts.
import { tf } from '../../engine/core/tf';
import { Engine } from '../../engine/core/engine';
import { nodeHost } from '../../engine/node/host';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import { DEFAULT_PROFILE, type ProfileMode, type ProfileResult } from '../../shared/profile';

const [configJson, batchText, mode] = process.argv.slice(2);
// The Node project's types have no WebAssembly (no DOM lib): the part used here, by hand.
type Grow = (this: object, delta: number) => number;
const memory = (globalThis as unknown as { WebAssembly: { Memory: { prototype: { grow: Grow } } } })
  .WebAssembly.Memory.prototype;
const grow = memory.grow;
let refused = 0;
memory.grow = function (this: object, delta: number) {
  if (refused < 2) {
    refused += 1;
    throw new RangeError('held to the 5 % growth');
  }
  refused = 0;
  return grow.call(this, delta);
};

const result = await new Promise<ProfileResult>((resolve, reject) => {
  const engine = new Engine(nodeHost(64 * 2 ** 30), (events) => {
    for (const event of events) {
      if (event.type === 'run-finished') {
        resolve(event.result);
      } else if (event.type === 'error') {
        reject(new Error(event.error.message));
      }
    }
  });
  engine.profile(
    {
      ...DEFAULT_PROFILE,
      config: { ...DEFAULT_CONFIG, ...(JSON.parse(configJson) as object) },
      batch: Number(batchText),
      backend: 'wasm',
      warmup: 1,
      runs: 1,
      mode: mode as ProfileMode,
      memoryBudgetBytes: 64 * 2 ** 30, // measured, not guarded
    },
    'probe',
  );
});
const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
process.stdout.write(
  `${JSON.stringify({ heapBytes: backend.wasm.HEAPU8.buffer.byteLength, peakBytes: result.peakBytes })}\n`,
);
process.exit(0);
