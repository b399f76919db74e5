/**
 * What a CLI command is. Each command lives in its own module exporting `command`, and main.ts
 * lists it in its table with one line.
 */

/** Where a command writes: `out` is stdout (results only), `err` is stderr (progress, notes). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars only then). */
  errIsTty: boolean;
}

/** A command of `npm run cli -- <name> …`. */
export interface CliCommand {
  /** Usage text shown by `<name> --help`, starting with the usage line. */
  usage: string;
  /**
   * Runs with the arguments after the command name. Returns the exit code; throws a UsageError
   * for a bad flag or value, an InspectorError for anything else a person should read.
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
