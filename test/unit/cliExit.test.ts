// CLI exit codes and writes (issue 13). A value the flag parser takes but the engine refuses, a bad
// --image, or an output path that cannot be written exits 2 before the model is built, naming the
// flag; results that cannot be written to stdout exit 1 with a message; every file is written
// atomically, so a write past `ulimit -f` leaves the file that was there intact and no temporary
// file behind. The CLI runs as a person runs it, in a process of its own.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { scratch } from './contractTransports';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const folder = scratch();

type Outcome = { code: number | null; stdout: string; stderr: string; ms: number };

/** Runs a shell command line in the repository root (the CLI is `$CLI`). */
function shell(line: string): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', CLI: `${TSX} electron/cli/main.ts` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const cli = (args: string): Promise<Outcome> => shell(`exec $CLI ${args}`);

const file = (name: string, content: string | Buffer): string => {
  const where = path.join(folder, name);
  writeFileSync(where, content);
  return where;
};

function decoyPng(): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  const bytes = PNG.sync.write(image);
  // A second IHDR right after the first: 8×8 to a guard that reads the first, 20000² to pngjs.
  const second = Buffer.from(bytes.subarray(8, 33));
  second.writeUInt32BE(20_000, 8);
  second.writeUInt32BE(20_000, 12);
  return Buffer.concat([bytes.subarray(0, 33), second, bytes.subarray(33)]);
}

const TINY = '--depth 50 --cardinality 2 --width 1 --input 32 --classes 10';

describe('values the engine refuses exit 2 before the build, naming the flag', () => {
  const empty = file('empty.png', '');
  const notes = file('notes.png', 'these are notes, not pixels');
  const decoy = file('decoy.png', decoyPng());
  mkdirSync(path.join(folder, 'out'), { recursive: true });
  it.each([
    ['profile --warmup 101', '--warmup must be an integer from 0 to 100, but got 101.'],
    ['profile --runs 1001', '--runs must be an integer from 1 to 1000, but got 1001.'],
    ['profile --batch 4097', '--batch must be an integer from 1 to 4096, but got 4097.'],
    ['profile --channels 65', '--channels must be an integer from 1 to 64, but got 65.'],
    ['summary --input 2049', '--input must be an integer from 32 to 2048, but got 2049.'],
    [
      'export --cardinality 257 --out x.onnx',
      '--cardinality must be an integer from 1 to 256, but got 257.',
    ],
    [`profile --image ${empty}`, '--image: empty.png is empty (0 bytes); give a PNG or JPEG file.'],
    [
      `profile --image ${notes}`,
      '--image: notes.png is neither a PNG nor a JPEG image; choose a .png or .jpg file.',
    ],
    [
      `profile --image ${decoy}`,
      '--image: decoy.png has a second IHDR header chunk; a PNG has exactly one: choose another image.',
    ],
    [
      `profile --image ${folder}/missing.png`,
      `--image: cannot read ${folder}/missing.png (ENOENT); give a PNG or JPEG file.`,
    ],
    [
      `profile --trace ${folder}/nowhere/run.json`,
      `--trace ${folder}/nowhere/run.json: there is no folder ${folder}/nowhere; pick another path.`,
    ],
    [`profile --trace ${folder}/out/`, `--trace ${folder}/out/ names a folder; give a file name.`],
    [`profile --trace ${folder}/out`, `--trace ${folder}/out is a folder; give a file name.`],
    [
      `export ${TINY} --out ${folder}/out/`,
      `--out ${folder}/out/ names a folder; give a file name.`,
    ],
  ])('%s', async (args, message) => {
    const { code, stdout, stderr } = await cli(args);
    expect(stderr).toBe(`error: ${message}\n`); // one line, and nothing was built or run
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  // Root may write anywhere: only a normal user can be shown a folder it may not write to.
  it.skipIf(process.getuid?.() === 0)('export --out into a folder it may not write', async () => {
    const locked = path.join(folder, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const { code, stderr } = await cli(`export ${TINY} --out ${locked}/model.onnx`);
    expect(stderr).toBe(
      `error: --out ${locked}/model.onnx: the folder ${locked} is not writable; pick another path.\n`,
    );
    expect(code).toBe(2);
  });
});

describe('results and files that cannot be written', () => {
  it('exits 1 with a message when stdout cannot take the results (> /dev/full)', async () => {
    const { code, stderr } = await shell('exec $CLI backends > /dev/full');
    expect(stderr).toBe('error: could not write the results to stdout (ENOSPC).\n');
    expect(code).toBe(1);
    expect(
      (await shell('$CLI backends | head -c 1 > /dev/null; echo ${PIPESTATUS[0]}')).stdout,
    ).toBe('0\n'); // a reader that stops early is its own choice
  });

  it('keeps an existing export intact when a write hits the file-size limit', async () => {
    const out = path.join(folder, 'limited', 'model.onnx');
    mkdirSync(path.dirname(out));
    writeFileSync(out, 'the good export from yesterday');
    // 100 KiB: far less than the model, enough for what tsx and Node write.
    const { code, stderr } = await shell(`ulimit -f 100; exec $CLI export ${TINY} --out ${out}`);
    expect(stderr).toBe(
      `error: Could not write ${out} (EFBIG); nothing was changed there. Free some space or pick another --out.\n`,
    );
    expect(code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('the good export from yesterday');
    expect(readdirSync(path.dirname(out))).toEqual(['model.onnx']); // no temporary file left
  });

  it('keeps an existing trace intact when its write fails, and still prints the run', async () => {
    const trace = path.join(folder, 'traced', 'run.json');
    mkdirSync(path.dirname(trace));
    writeFileSync(trace, '{"traceEvents":[]}');
    const { code, stdout, stderr } = await shell(
      // 512 KiB (bash counts 1024-byte blocks): room for the engine's bundle (~220 KB, rebuilt
      // when sources change), not for the trace of 20 passes (~760 KB).
      `ulimit -f 512; exec $CLI profile ${TINY} --warmup 0 --runs 20 --format json --trace ${trace}`,
    );
    expect(JSON.parse(stdout)).toMatchObject({ batch: 1 });
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      `error: Could not write ${trace} (EFBIG); nothing was changed there. Free some space or pick another --trace. The result is on stdout.`,
    );
    expect(code).toBe(1);
    expect(readFileSync(trace, 'utf8')).toBe('{"traceEvents":[]}');
    expect(readdirSync(path.dirname(trace))).toEqual(['run.json']);
  });
});
