// `profile` CLI command: results on stdout only, progress on stderr, JSON and trace files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../electron/cli/args';
import type { CliIo } from '../../electron/cli/command';
import { command, requestFromFlags } from '../../electron/cli/profile';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { TraceFile } from '../../shared/trace';

const TINY = [
  '--depth',
  '50',
  '--input',
  '32',
  '--classes',
  '10',
  '--cardinality',
  '2',
  '--width',
  '1',
];
const folder = mkdtempSync(path.join(tmpdir(), 'profile-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function captured(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    errIsTty: false,
    stdout: () => out,
    stderr: () => err,
  };
}

describe('profile command', () => {
  it('prints the run-finished result as JSON on stdout, progress on stderr, and writes a trace', async () => {
    const io = captured();
    const trace = path.join(folder, 'run.trace.json');
    const code = await command.run(
      [...TINY, '--runs', '2', '--format', 'json', '--trace', trace],
      io,
    );
    expect(code).toBe(0);
    const result = JSON.parse(io.stdout());
    expect(result).toMatchObject({
      mode: 'per-layer',
      batch: 1,
      model: 'resnext50_2x1d_32px_10cls',
    });
    expect(result.layers).toHaveLength(175);
    expect(result.layers[1]).toMatchObject({ layerId: 1, name: 'conv2d', className: 'Conv2D' });
    expect(io.stderr()).toMatch(
      /^Building the model…\nProfiling on \w+: 1 warm-up \+ 2 timed passes\nwarm-up pass 1: [\d.]+ ms\npass 1\/2: [\d.]+ ms\npass 2\/2: [\d.]+ ms\n/,
    );
    const file = JSON.parse(readFileSync(trace, 'utf8')) as TraceFile;
    expect(file.traceEvents.filter((event) => event.ph === 'X' && event.tid === 1)).toHaveLength(
      175,
    );
  });

  it('refuses a trace path it cannot write before the run, as a bad flag value', async () => {
    const io = captured();
    const trace = path.join(folder, 'no-such-folder', 'run.trace.json');
    const started = performance.now();
    await expect(command.run([...TINY, '--trace', trace], io)).rejects.toMatchObject({
      name: 'UsageError',
      message: `--trace ${trace}: there is no folder ${path.join(folder, 'no-such-folder')}; pick another path.`,
    });
    expect(performance.now() - started).toBeLessThan(1000); // nothing was built or run
    expect(io.stdout()).toBe('');
  });

  it('reads flags into a request and refuses bad ones with one clear line', () => {
    const request = requestFromFlags({
      depth: 50,
      batch: 2,
      zeros: true,
      mode: 'whole',
      warmup: 0,
    });
    expect(request).toMatchObject({
      config: { ...DEFAULT_CONFIG, depth: 50 },
      batch: 2,
      input: { kind: 'zeros' },
      mode: 'whole',
      warmup: 0,
      runs: 3,
      backend: 'auto',
    });
    expect(() => requestFromFlags({ image: path.join(folder, 'missing.png') })).toThrow(UsageError);
    expect(() => requestFromFlags({ image: 'a.png', zeros: true })).toThrow(
      '--image and --zeros exclude each other; give one.',
    );
  });

  it('refuses a run above the memory budget before starting the engine', async () => {
    const io = captured();
    const run = command.run(['--input', '1024', '--batch', '512'], io);
    await expect(run).rejects.toMatchObject({ code: 'MEMORY_BUDGET' });
    expect(io.stdout()).toBe('');
  });
});
