/**
 * Opening a model file, run in a child process of bench/run.ts: the seed model (ResNeXt-101
 * 32×4d, 44.4 M parameters) written as Keras HDF5 with saveKerasHdf5, then opened and described
 * through EngineClient, each time in a fresh engine process, as the app opens a person's file.
 * Measures the wall time of `openModel` (read, build, load the weights, describe with weight
 * statistics) and the engine process's peak resident memory before and after it (its maxRSS, as
 * the engine reports it), and its resident memory once opened (what it keeps). Prints one JSON
 * line on stdout.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient, procRss } from '../engine/node/client';
import { useBackend } from '../engine/node/backends';
import { saveKerasHdf5 } from '../engine/node/modelFiles';
import { forkSpawner } from '../engine/node/spawn';
import { buildResNeXt } from '../engine/core/resnext';
import { DEFAULT_CONFIG } from '../shared/modelConfig';

/** One open, in a fresh engine process. */
export interface OpenSample {
  /** Wall time of openModel, ms. */
  openMs: number;
  /** The engine's RSS with tfjs and its backend loaded, just before the open, bytes. */
  rssBefore: number;
  /** The engine's peak RSS up to then (the backends' probe included), bytes. */
  peakBefore: number;
  /** The engine's peak RSS after the open, bytes (its maxRSS: the probe's peak may hide the open's). */
  peakAfter: number;
  /** The peak RSS of the open alone (VmHWM reset just before it), bytes; 0 where unknown. */
  openPeak: number;
  /** CPU time the engine spent on the open, ms (other programs' load does not inflate it). */
  openCpuMs: number;
  /** The engine's RSS once the open has returned, bytes. */
  rssAfter: number;
}

/** What the child reports. */
export interface ModelFileBenchResult {
  params: number;
  /** The parameters as float32: the bytes the weights take in memory. */
  weightBytes: number;
  /** Opens in a fresh engine, which loads h5wasm on the way. */
  samples: OpenSample[];
  /** Opens in an engine that has opened a small model file before (h5wasm loaded). */
  warmSamples: OpenSample[];
  fileBytes: number;
  /** Seconds to write the file (build excluded). */
  writeSeconds: number;
}

/** A `kB` field of /proc/PID/status (VmRSS, VmHWM) in bytes; undefined without /proc. */
function statusBytes(pid: number, field: string): number | undefined {
  try {
    const kilobytes = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    )?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak RSS to its RSS now (Linux ≥ 4.0: `5` to /proc/PID/clear_refs), so that
 * VmHWM afterwards is the peak of what follows alone; false where that cannot be done.
 */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used, ms, from /proc/PID/stat; undefined without. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Waits for the engine's next memory reports (every 250 ms), so that its peak is current. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 700));

/**
 * Opens `file` in a fresh engine. With `warmUp`, the engine has opened that small file first, so
 * h5wasm (~30 MB of code and heap, loaded by a first open) is already there: what is measured is
 * then what the file itself costs.
 */
async function openOnce(
  file: string,
  engine: string | undefined,
  warmUp?: string,
): Promise<OpenSample> {
  const client = new EngineClient(engine ? { spawner: forkSpawner(engine) } : {});
  try {
    // The engine up, with TensorFlow.js and its backend loaded: what opening adds is measured.
    await client.backends();
    if (warmUp) {
      await client.openModel({ main: warmUp });
    }
    await settle();
    const peakBefore = client.enginePeakRss;
    const pid = client.pid ?? -1;
    const rssBefore = procRss(pid) ?? 0;
    const reset = resetPeak(pid);
    const cpuBefore = cpuMs(pid) ?? 0;
    const start = performance.now();
    const graph = await client.openModel({ main: file });
    const openMs = performance.now() - start;
    const openCpuMs = (cpuMs(pid) ?? 0) - cpuBefore;
    const openPeak = reset ? (statusBytes(pid, 'VmHWM') ?? 0) : 0;
    if (graph.totals.params !== 44_384_488) {
      throw new Error(`The file read back with ${graph.totals.params} parameters.`);
    }
    await settle();
    return {
      openMs,
      openCpuMs,
      rssBefore,
      peakBefore,
      peakAfter: client.enginePeakRss,
      openPeak,
      rssAfter: procRss(pid) ?? 0,
    };
  } finally {
    await client.dispose();
  }
}

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 3);
  // The bundled engine, passed by bench/run.ts; without it, the engine next to the client module.
  const engine = process.argv[3];
  const folder = mkdtempSync(path.join(tmpdir(), 'inspector-bench-h5-'));
  const file = path.join(folder, 'resnext101_32x4d.h5');
  const small = path.join(folder, 'small.h5');
  try {
    await useBackend('cpu');
    const tiny = buildResNeXt({
      ...DEFAULT_CONFIG,
      depth: 50,
      inputSize: 32,
      classes: 10,
      cardinality: 2,
      width: 1,
    });
    await saveKerasHdf5(tiny, small);
    tiny.dispose();
    const model = buildResNeXt(DEFAULT_CONFIG);
    const params = model.countParams();
    const started = performance.now();
    await saveKerasHdf5(model, file);
    const writeSeconds = (performance.now() - started) / 1000;
    model.dispose();
    const samples: OpenSample[] = [];
    const warmSamples: OpenSample[] = [];
    for (let index = 0; index < repeats; index += 1) {
      process.stderr.write(`Opening the seed model as HDF5 (${index + 1} of ${repeats})…\n`);
      samples.push(await openOnce(file, engine));
      warmSamples.push(await openOnce(file, engine, small));
    }
    const result: ModelFileBenchResult = {
      params,
      weightBytes: params * 4,
      fileBytes: statSync(file).size,
      writeSeconds,
      samples,
      warmSamples,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
