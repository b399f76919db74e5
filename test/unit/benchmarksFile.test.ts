import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sectionMarkers, writeSection } from '../../bench/benchmarksFile';

const folders: string[] = [];
const scratch = (): string => {
  const folder = mkdtempSync(path.join(tmpdir(), 'bench-file-'));
  folders.push(folder);
  return path.join(folder, 'BENCHMARKS.md');
};
const section = (name: string, body: string): string => {
  const { start, end } = sectionMarkers(name);
  return `${start}\n${body}\n${end}`;
};
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true })));

describe('writeSection', () => {
  it('appends a missing section and replaces only its own on the next run', () => {
    const file = scratch();
    writeSection('engine', section('engine', 'first'), file);
    writeSection('onnx', section('onnx', 'ort'), file);
    writeSection('engine', section('engine', 'second'), file);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# Benchmarks\n')).toBe(true);
    expect(text).toContain(section('engine', 'second'));
    expect(text).not.toContain('first');
    expect(text).toContain(section('onnx', 'ort'));
    expect(text.indexOf('engine-bench')).toBeLessThan(text.indexOf('onnx-bench'));
  });

  it('keeps what surrounds the section as it was', () => {
    const file = scratch();
    writeFileSync(file, `# Benchmarks\n\nintro\n${section('renderer', 'old')}\ntrailer\n`);
    writeSection('renderer', section('renderer', 'new'), file);
    expect(readFileSync(file, 'utf8')).toBe(
      `# Benchmarks\n\nintro\n${section('renderer', 'new')}\ntrailer\n`,
    );
  });
});
