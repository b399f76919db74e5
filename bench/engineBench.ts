/**
 * One backend's engine benchmark, run in a child process of bench/run.ts so that its peak RSS is
 * its own: the default model profiled through EngineClient (the engine in a worker, as the app and
 * the CLI run it). Prints one JSON line on stdout.
 */
import { pathToFileURL } from 'node:url';
import { EngineClient } from '../electron/engine/client';
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
  /** Peak resident set size of the process (host and worker thread), bytes. */
  peakRssBytes: number;
  /** The fastest timed pass's sum of per-layer times: the least disturbed by other load. */
  perLayerFastestMs: number;
}

async function main(): Promise<void> {
  const backend = process.argv[2] as BackendName;
  const warmup = Number(process.argv[3] ?? 1);
  const runs = Number(process.argv[4] ?? 5);
  // The bundled worker, passed by bench/run.ts; without it, the worker next to the client module.
  const worker = process.argv[5];
  const client = new EngineClient(worker ? { workerUrl: pathToFileURL(worker), execArgv: [] } : {});
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
  await client.dispose();
  const report: EngineBenchResult = {
    backend,
    warmup,
    runs,
    result: { ...result, layers: [], layerMsByPass: undefined },
    buildSeconds: (startedAt - start) / 1000,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
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
