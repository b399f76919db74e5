// Bare ONNX Runtime, the peer the ONNX Runtime benchmarks measure against: a plain Node process
// that opens an ONNX file with onnxruntime-node and runs it, nothing else loaded. Plain JavaScript
// (no TypeScript loader), so its memory is ORT's and Node's own.
//
// node bench/ortBare.mjs FILE [--threads N] [--runs N] [--level all|disabled]
// Prints one JSON line: session creation, pass times, time from start to the first pass's end,
// and the process's peak resident set size.
import ort from 'onnxruntime-node';

const started = performance.now();
const [file, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const index = rest.indexOf(`--${name}`);
  return index >= 0 ? rest[index + 1] : fallback;
};
const threads = Number(option('threads', 0)) || undefined;
const runs = Number(option('runs', 10));

const opening = performance.now();
const session = await ort.InferenceSession.create(file, {
  graphOptimizationLevel: option('level', 'all'),
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  logSeverityLevel: 3,
});
const createMs = performance.now() - opening;
const [height, width, channels] = [224, 224, 3];
const data = new Float32Array(height * width * channels).map((_, index) => Math.sin(index));
const input = new ort.Tensor('float32', data, [1, height, width, channels]);
const passesMs = [];
let firstPassEndMs = 0;
for (let pass = 0; pass < runs; pass += 1) {
  const start = performance.now();
  await session.run({ [session.inputNames[0]]: input });
  passesMs.push(performance.now() - start);
  firstPassEndMs ||= performance.now() - started;
}
await session.release();
process.stdout.write(
  `${JSON.stringify({
    createMs,
    passesMs,
    firstPassEndMs,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
