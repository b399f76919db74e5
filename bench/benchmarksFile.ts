/**
 * docs/BENCHMARKS.md is written by several benchmarks, each owning one section between its own
 * markers (`<!-- NAME-bench:start -->` … `<!-- NAME-bench:end -->`); a run rewrites only its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../engine/node/atomicWrite';

/** Where the benchmarks write, relative to the repository root. */
export const BENCHMARKS_FILE = 'docs/BENCHMARKS.md';

/** The start and end markers of a benchmark's section. */
export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}-bench:start -->`, end: `<!-- ${name}-bench:end -->` };
}

/**
 * Replaces the text between a section's markers (the markers included, so `text` must carry
 * them), or appends the section if the file lacks it; everything else stays as it is.
 */
export function writeSection(name: string, text: string, file = BENCHMARKS_FILE): void {
  const { start, end } = sectionMarkers(name);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${text}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${text}\n`;
  writeFileAtomicSync(file, next); // a failed write never leaves the document half written
}
