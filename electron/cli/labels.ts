/**
 * `predict --labels FILE`: class names for a model's output, one per output value. Three shapes
 * are read: plain text with one name a line; a JSON list of names; a JSON object from index to a
 * name or to `[id, name]` (keras.applications' `imagenet_class_index.json`). A file of another
 * shape, or with another count than the output has, is a bad flag value naming what it holds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './args';

/** The most bytes a labels file may have: a name per class of a large head is well below it. */
const MAX_LABEL_BYTES = 16 * 2 ** 20;

/** The names in a JSON labels value, or undefined when it has none of the known shapes. */
function jsonNames(value: unknown): string[] | undefined {
  if (Array.isArray(value)) {
    return value.every((item) => typeof item === 'string') ? value : undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const names: string[] = [];
  for (const [key, item] of entries) {
    const index = Number(key);
    if (!/^\d+$/.test(key) || index >= entries.length) {
      return undefined;
    }
    if (typeof item === 'string') {
      names[index] = item;
    } else if (Array.isArray(item) && typeof item.at(-1) === 'string') {
      names[index] = item.at(-1) as string;
    } else {
      return undefined;
    }
  }
  return names;
}

/** Reads the class names of a labels file's text (`name` is shown in messages). */
export function parseLabels(text: string, name: string): string[] {
  const body = text.replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(body)) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new UsageError(`--labels: ${name} starts like JSON but is not valid JSON.`);
    }
    const names = jsonNames(value);
    if (!names) {
      throw new UsageError(
        `--labels: ${name} is JSON of another shape; give a list of names, or an object from index to a name or [id, name].`,
      );
    }
    return names;
  }
  const lines = body.split(/\r?\n/);
  // A final newline ends the last name; it does not start another.
  if (lines.at(-1) === '') {
    lines.pop();
  }
  return lines.map((line) => line.trim());
}

/** Reads `--labels FILE`; refuses an unreadable, empty or oversized file. */
export function readLabels(file: string): string[] {
  const name = path.basename(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`--labels: cannot read ${file} (${reason}).`);
  }
  if (bytes.length > MAX_LABEL_BYTES) {
    throw new UsageError(`--labels: ${name} is ${bytes.length} bytes; a labels file is text.`);
  }
  const names = parseLabels(bytes.toString('utf8'), name);
  if (names.length === 0) {
    throw new UsageError(`--labels: ${name} holds no names; give one name a line.`);
  }
  return names;
}

/** Refuses labels whose count is not the output's: each output value needs its name. */
export function checkLabelCount(labels: readonly string[], values: number, name: string): void {
  if (labels.length !== values) {
    throw new UsageError(
      `--labels: ${name} has ${labels.length} names, but the model's output has ${values} values; give one name per output value.`,
    );
  }
}
