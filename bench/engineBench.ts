/**
 * One backend's engine benchmark, run in a child process of bench/run.ts so that its peak RSS is
 * its own: the default model profiled through EngineClient (the engine in a process of its own, as
 * the app and the CLI run it). Prints one JSON line on stdout.
 */
import { EngineClient } from '../engine/node/client';
import { forkSpawner } from '../engine/node/spawn';
import { DEFAULT_CONFIG } from '../shared/modelConfig';
import type { BackendName, ProfileEvent, ProfileResult } from '../shared/profile';

/** What a child reports. */
export interface EngineBenchResult {
  backend: BackendName;
  warmup: number;
  runs: number;
  result: ProfileResult;
  /** Seconds from the request to the run's start (building the model). */
  buildSeconds: number;
  /** Peak resident set size of the engine process, bytes. */
  peakRssBytes: number;
  /** The fastest timed pass's sum of per-layer times: the least disturbed by other load. */
  perLayerFastestMs: number;
}

async function main(): Promise<void> {
  const backend = process.argv[2] as BackendName;
  const warmup = Number(process.argv[3] ?? 1);
  const runs = Number(process.argv[4] ?? 5);
  // The bundled engine, passed by bench/run.ts; without it, the engine next to the client module.
  const engine = process.argv[5];
  const client = new EngineClient(engine ? { spawner: forkSpawner(engine) } : {});
  const start = performance.now();
  let startedAt = 0;
  const finished = new Promise<ProfileResult>((resolve, reject) => {
    client.onProfileEvents((events: ProfileEvent[]) => {
      for (const event of events) {
        if (event.type === 'run-started') {
          startedAt = performance.now();
        } else if (event.type === 'run-finished') {
          resolve(event.result);
        } else if (event.type === 'error') {
          reject(new Error(`${event.error.code}: ${event.error.message}`));
        } else if (event.type === 'pass-finished') {
          process.stderr.write(`  ${backend} pass ${event.pass}: ${event.totalMs.toFixed(0)} ms\n`);
        }
      }
    });
  });
  await client.profile({
    config: DEFAULT_CONFIG,
    backend,
    batch: 1,
    input: { kind: 'random', seed: 42 },
    warmup,
    runs,
    mode: 'per-layer',
    stats: false,
  });
  const result = await finished;
  // The engine reports its peak every 250 ms: wait for a report made after the run.
  await new Promise((resolve) => setTimeout(resolve, 600));
  const enginePeak = client.enginePeakRss;
  await client.dispose();
  const report: EngineBenchResult = {
    backend,
    warmup,
    runs,
    result: { ...result, layers: [], layerMsByPass: undefined },
    buildSeconds: (startedAt - start) / 1000,
    peakRssBytes: enginePeak,
    perLayerFastestMs: Math.min(
      ...(result.layerMsByPass ?? []).map((times) => times.reduce((sum, ms) => sum + ms, 0)),
    ),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
