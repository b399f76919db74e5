/**
 * The model-file section of docs/BENCHMARKS.md (`npm run bench`): opening the seed model saved as
 * Keras HDF5, its time against the 3 s target and the memory it costs against 1.3× the weights'
 * bytes, as medians with their spread over fresh engine processes.
 */
import { cpus, totalmem } from 'node:os';
import { median } from '../engine/core/profiler';
import type { ModelFileBenchResult, OpenSample } from './modelFileBench';
import { sectionMarkers } from './benchmarksFile';

/** The targets of issue 11 item 9. */
export const FILE_TARGETS = { openSeconds: 3, peakRatio: 1.3 };

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** A median with the smallest and largest value beside it. */
function spread(values: readonly number[], show: (value: number) => string): string {
  return `${show(median(values))} (${show(Math.min(...values))}–${show(Math.max(...values))})`;
}

/** What one open cost beyond the engine as it stood: its peak, and what it keeps. */
export function extras(sample: OpenSample): { peak: number; held: number } {
  // Where /proc let the peak be reset just before the open, that peak is the open's own;
  // elsewhere the engine's maxRSS, which the backends' probe may already have set higher.
  const peak = sample.openPeak > 0 ? sample.openPeak : sample.peakAfter;
  return { peak: peak - sample.rssBefore, held: sample.rssAfter - sample.rssBefore };
}

/** The table rows and the target lines of one set of opens. */
function opensText(
  samples: readonly OpenSample[],
  weightBytes: number,
  what: string,
): { rows: string[]; targets: string[] } {
  const ratio = (value: number): string => `×${value.toFixed(2)}`;
  const ratios = samples.map((sample) => extras(sample).peak / weightBytes);
  const heldRatios = samples.map((sample) => extras(sample).held / weightBytes);
  const walls = samples.map((sample) => sample.openMs);
  const cpuTimes = samples.map((sample) => sample.openCpuMs);
  const rows = samples.map((sample, index) => {
    const { peak, held } = extras(sample);
    return `| ${what} ${index + 1} | ${seconds(sample.openMs)} | ${seconds(sample.openCpuMs)} | ${mb(sample.rssBefore)} | ${mb(peak)} (${ratio(peak / weightBytes)}) | ${mb(held)} (${ratio(held / weightBytes)}) |`;
  });
  const targets = [
    `- ${what}: open and describe ≤ ${FILE_TARGETS.openSeconds} s ${mark(median(walls) <= FILE_TARGETS.openSeconds * 1000)} by wall time ${spread(walls, seconds)}, CPU time ${spread(cpuTimes, seconds)}; peak extra memory ≤ ×${FILE_TARGETS.peakRatio} the weights' bytes ${mark(median(ratios) <= FILE_TARGETS.peakRatio)} (${spread(ratios, ratio)}), kept after ${spread(heldRatios, ratio)}`,
  ];
  return { rows, targets };
}

/** The section's text, markers included. */
export function modelFileSection(
  result: ModelFileBenchResult,
  load: { before: number[]; after: number[] },
): string {
  const { start, end } = sectionMarkers('model-file');
  const cpu = cpus();
  const cold = opensText(result.samples, result.weightBytes, 'fresh engine');
  const warm = opensText(result.warmSamples, result.weightBytes, 'h5wasm loaded');
  return [
    start,
    '## Opening a model file: the seed model saved as Keras HDF5',
    '',
    `ResNeXt-101 (32×4d) written with \`saveKerasHdf5\` (${result.params.toLocaleString('en-US')} parameters, ${mb(result.weightBytes)} of float32 weights, a ${mb(result.fileBytes)} file), then opened and described (weight statistics included) through EngineClient, each time in an engine process of its own, as the app opens a person's file: in a fresh engine, which loads h5wasm on the way, and in one that has opened a small model file first, so that h5wasm is loaded. Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
    `Load average (1 min) ${load.before[0].toFixed(2)} at the start and ${load.after[0].toFixed(2)} at the end: wall time grows with other programs' load, CPU time much less.`,
    '',
    '| Open | Wall time | CPU time | Engine RSS before | Peak extra (× weights) | Kept after (× weights) |',
    '|---|---|---|---|---|---|',
    ...cold.rows,
    ...warm.rows,
    '',
    "Peak extra: the engine process's peak resident memory during the open (its high-water mark reset just before, through /proc) less its resident memory before; kept after: its resident memory once the open has returned, less the same. TensorFlow.js and its wasm backend are loaded before (the engine's backends are probed first). What is kept: one copy of the weights, in the wasm backend's heap (nothing is filled before the file's values arrive, and h5wasm lends each weight's values without an array of their own), h5wasm's code and heap (~30 MB, once per engine), and the allocator's and V8's own growth. No second copy.",
    '',
    `Targets (median, spread over ${result.samples.length} opens of each kind):`,
    ...cold.targets,
    ...warm.targets,
    end,
  ].join('\n');
}
