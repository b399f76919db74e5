/**
 * `npm run bench:cli`: how long the CLI takes a person, hyperfine-style (each command run several
 * times, median and range, the load average beside every figure):
 * - `summary` of the default model, through `npm run -s cli --` and the bundle alone (`node main.js`);
 * - `profile --backend onnxruntime`, from the start to the end of its first pass, with the model
 *   cache warm and cold, against its peer: a bare ONNX Runtime process that opens the same cached
 *   file and runs one pass (bench/ortBare.mjs), runs alternating.
 * Writes its section of docs/BENCHMARKS.md between the cli-bench markers.
 *
 * Flags: --summary N (default 5) --profile N (warm pairs, default 3) --cold N (default 2).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { median } from '../engine/core/profiler';
import { CACHE_DIR_ENV } from '../engine/node/onnx/modelCache';
import { ortThreads } from '../engine/node/onnx/ortLoader';
import { BENCHMARKS_FILE, sectionMarkers, writeSection } from './benchmarksFile';
import { benchBundle, cachedFiles } from './onnxProcesses';

const { start: START, end: END } = sectionMarkers('cli');
const TARGETS = { summaryMs: 1500, firstPassMs: 4000 };

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const load = (): number => loadavg()[0];

/** One timed run: wall time to exit, and to the first stderr line matching `mark`, if given. */
interface Timed {
  totalMs: number;
  markMs?: number;
  /** CPU time of the process and the children it waited for (the engine), where it is known. */
  cpuMs?: number;
  load: number;
}

/** GNU time, which reports a run's CPU time, children included; the load does not inflate that. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  mark?: RegExp,
): Promise<Timed> {
  const runLoad = load();
  const started = performance.now();
  const [file, argv] = TIME ? [TIME, ['-f', '@cpu %U %S', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let markMs: number | undefined;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (mark && markMs === undefined && mark.test(stderr)) {
        markMs = performance.now() - started;
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
      } else {
        const cpu = /@cpu ([\d.]+) ([\d.]+)/.exec(stderr);
        const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined;
        resolve({ totalMs: performance.now() - started, markMs, cpuMs, load: runLoad });
      }
    });
  });
}

/** The median, range, CPU time and load of a measure's runs, as a table row's cells. */
function cells(runs: Timed[], pick: (run: Timed) => number): string {
  const values = runs.map(pick);
  const loads = runs.map((run) => run.load);
  const cpu = runs.map((run) => run.cpuMs ?? NaN);
  return (
    `${seconds(median(values))} | ${seconds(Math.min(...values))}–${seconds(Math.max(...values))} | ` +
    `${Number.isNaN(median(cpu)) ? 'n/a' : seconds(median(cpu))} | ` +
    `${runs.length} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`
  );
}

const PROFILE = ['profile', '--backend', 'onnxruntime', '--warmup', '1', '--runs', '1'];
const FIRST_PASS = /warm-up pass 1:/;

async function main(): Promise<void> {
  const before = load();
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-cli-'));
  const warmEnv = { ...process.env, [CACHE_DIR_ENV]: path.join(scratch, 'warm') };
  try {
    log('Bundling the CLI (if its sources changed)…');
    const cli = path.join(benchBundle(), 'main.js');
    // `npm run cli` rebuilds dist/cli first if a source changed: not inside the timed runs.
    spawnSync(process.execPath, ['scripts/cli.mjs', '--help'], { stdio: 'ignore' });
    const summaryNode: Timed[] = [];
    const summaryNpm: Timed[] = [];
    for (let run = 0; run < flag('summary', 5); run += 1) {
      summaryNode.push(await timed(process.execPath, [cli, 'summary'], process.env));
      summaryNpm.push(await timed('npm', ['run', '-s', 'cli', '--', 'summary'], process.env));
      log(
        `  summary ${run + 1}: ${seconds(summaryNode[run].totalMs)} (npm ${seconds(summaryNpm[run].totalMs)})`,
      );
    }
    const cold: Timed[] = [];
    for (let run = 0; run < flag('cold', 2); run += 1) {
      const env = { ...process.env, [CACHE_DIR_ENV]: path.join(scratch, `cold-${run}`) };
      cold.push(await timed(process.execPath, [cli, ...PROFILE], env, FIRST_PASS));
      log(`  profile, cache cold ${run + 1}: first pass at ${seconds(cold[run].markMs ?? NaN)}`);
    }
    // Fills the warm cache; not timed.
    await timed(process.execPath, [cli, ...PROFILE], warmEnv);
    const file = cachedFiles(path.join(scratch, 'warm')).export;
    const warm: Timed[] = [];
    const bare: Timed[] = [];
    const bareArgs = ['bench/ortBare.mjs', file, '--threads', String(ortThreads()), '--runs', '1'];
    for (let run = 0; run < flag('profile', 3); run += 1) {
      const bareFirst = run % 2 === 1;
      if (bareFirst) {
        bare.push(await timed(process.execPath, bareArgs, process.env));
      }
      warm.push(await timed(process.execPath, [cli, ...PROFILE], warmEnv, FIRST_PASS));
      if (!bareFirst) {
        bare.push(await timed(process.execPath, bareArgs, process.env));
      }
      log(
        `  profile, cache warm ${run + 1}: first pass at ${seconds(warm[run].markMs ?? NaN)}, bare ORT done at ${seconds(bare[run].totalMs)}`,
      );
    }
    const summaryMedian = median(summaryNpm.map((run) => run.totalMs));
    const warmMedian = median(warm.map((run) => run.markMs ?? NaN));
    const paired = median(warm.map((run, index) => (run.markMs ?? NaN) / bare[index].totalMs));
    const text = [
      START,
      '## Command line',
      '',
      `The CLI bundled by esbuild (\`scripts/cli.mjs\`, rebuilt only when a source changed; the timed runs use a bundle of the benchmark's own), the default model, ${ortThreads()} ONNX Runtime threads. Measured by \`npm run bench:cli\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; load average (1 min) ${before.toFixed(2)} at the start and ${load().toFixed(2)} at the end.`,
      '',
      '| Command | Measure | Median | Range | CPU time, whole run (median) | Runs | Load (1 min) |',
      '|---|---|---|---|---|---|---|',
      `| \`npm run -s cli -- summary\` | start to exit | ${cells(summaryNpm, (run) => run.totalMs)} |`,
      `| \`node main.js summary\` (the bundle alone) | start to exit | ${cells(summaryNode, (run) => run.totalMs)} |`,
      `| \`profile --backend onnxruntime\`, cache warm | start to the end of the first pass | ${cells(warm, (run) => run.markMs ?? NaN)} |`,
      `| \`profile --backend onnxruntime\`, cache cold | start to the end of the first pass | ${cells(cold, (run) => run.markMs ?? NaN)} |`,
      `| bare ONNX Runtime, the same file (peer) | start to exit after one pass | ${cells(bare, (run) => run.totalMs)} |`,
      '',
      "CPU time: user and system time of the whole run, the engine process it waited for included (GNU time), which other programs' load inflates much less than wall time; on an idle machine a run takes about that, less what its two processes do at once.",
      '',
      'Targets:',
      `- \`summary\` ≤ 1.5 s: ${summaryMedian <= TARGETS.summaryMs ? 'met' : '**not met**'} (${seconds(summaryMedian)} through npm)`,
      `- \`profile --backend onnxruntime\` first pass ≤ 4 s with a warm cache: ${warmMedian <= TARGETS.firstPassMs ? 'met' : '**not met**'} (${seconds(warmMedian)}; ×${paired.toFixed(2)} a bare ONNX Runtime process run next to it)`,
      END,
    ].join('\n');
    writeSection('cli', text);
    process.stdout.write(`${text}\n`);
    log(`Written to ${BENCHMARKS_FILE}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
