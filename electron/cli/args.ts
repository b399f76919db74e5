/**
 * A small strict parser for `--flag value`, `--flag=value` and boolean `--flag`s. Anything it
 * does not know is a UsageError with one clear line naming the flag and what is allowed.
 */

/** A bad command line: main.ts prints the message as one line on stderr and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** How one flag is read. */
export type FlagSpec =
  | { kind: 'integer'; min?: number }
  | {
      kind: 'choice';
      choices: readonly string[];
      /** A value that is known but refused here, with the line that says why (or undefined). */
      refuse?: (raw: string) => string | undefined;
    }
  | { kind: 'string' }
  | { kind: 'boolean' };

/** Parsed flags by name (without the leading `--`); integers as numbers, booleans as true. */
export type ParsedFlags = Record<string, string | number | boolean>;

function readValue(flag: string, spec: FlagSpec, raw: string): string | number {
  if (spec.kind === 'integer') {
    const min = spec.min ?? 1;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
      throw new UsageError(`--${flag} must be an integer of at least ${min}, but got "${raw}".`);
    }
    return Number(raw);
  }
  const refused = spec.kind === 'choice' ? spec.refuse?.(raw) : undefined;
  if (refused !== undefined) {
    throw new UsageError(refused);
  }
  if (spec.kind === 'choice' && !spec.choices.includes(raw)) {
    throw new UsageError(`--${flag} must be one of ${spec.choices.join(', ')}, but got "${raw}".`);
  }
  return raw;
}

/** Parses `argv` against `specs`; `--help` and `-h` set `help`. No positional arguments. */
export function parseFlags(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
  command: string,
): ParsedFlags {
  const flags: ParsedFlags = {};
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') {
      flags.help = true;
      continue;
    }
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      throw new UsageError(
        `Unexpected argument "${arg}" for ${command}; flags look like --name value.`,
      );
    }
    const [, flag, inline] = match;
    const spec = specs[flag];
    if (!spec) {
      const known = Object.keys(specs).map((name) => `--${name}`);
      throw new UsageError(`Unknown flag --${flag} for ${command}; it takes ${known.join(', ')}.`);
    }
    if (flag in flags) {
      throw new UsageError(`--${flag} is given twice; give it once.`);
    }
    if (spec.kind === 'boolean') {
      if (inline !== undefined) {
        throw new UsageError(`--${flag} takes no value; write --${flag} alone.`);
      }
      flags[flag] = true;
      continue;
    }
    const raw = inline ?? argv[index + 1];
    if (raw === undefined || (inline === undefined && raw.startsWith('--'))) {
      throw new UsageError(`--${flag} needs a value.`);
    }
    if (inline === undefined) {
      index += 1;
    }
    flags[flag] = readValue(flag, spec, raw);
  }
  return flags;
}
