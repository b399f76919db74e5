/**
 * `cache [info|clear]`: where the exported models that ONNX Runtime profiles reuse are kept, how
 * much they take, and removing them.
 */
import { formatBytes } from '../../engine/core/memoryGuard';
import {
  CACHE_DIR_ENV,
  CACHE_LIMIT_ENV,
  DEFAULT_LIMIT_BYTES,
  ModelCache,
} from '../../engine/node/onnx/modelCache';
import { parseFlags, UsageError } from './args';
import type { CliCommand } from './command';

const USAGE = `Usage: npm run -s cli -- cache [info|clear]

The exported ONNX models that \`profile --backend onnxruntime\` keeps, with the graph ONNX Runtime
optimised from each on this machine, so that a second profile of a config skips building and
optimising it (each file is checked by its hash when opened).
  info                 where they are, how much they take, each one (the default)
  clear                remove them all
Set ${CACHE_DIR_ENV} to move the folder, ${CACHE_LIMIT_ENV} to bound it (default ${DEFAULT_LIMIT_BYTES / 2 ** 20} MB).`;

const plural = (count: number): string => `${count} exported model${count === 1 ? '' : 's'}`;

/** The `cache info` text. */
export function cacheInfo(cache: ModelCache): string {
  const { entries, totalBytes } = cache.list();
  const lines = [`Cache folder: ${cache.folder}`];
  if (entries.length === 0) {
    lines.push(`Nothing cached (bound ${formatBytes(cache.limitBytes)}).`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `${plural(entries.length)}, ${formatBytes(totalBytes)} of at most ${formatBytes(cache.limitBytes)}:`,
  );
  const width = Math.max(...entries.map((entry) => entry.name.length)) + 2;
  for (const entry of entries) {
    const used = entry.lastUsed.toISOString().slice(0, 16).replace('T', ' ');
    lines.push(
      `  ${entry.name.padEnd(width)}${formatBytes(entry.bytes).padStart(9)}  last used ${used} UTC`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const [action = 'info', ...rest] = argv[0]?.startsWith('-') ? ['info', ...argv] : argv;
    const flags = parseFlags(rest, {}, 'cache');
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const cache = new ModelCache();
    if (action === 'info') {
      io.out(cacheInfo(cache));
      return 0;
    }
    if (action === 'clear') {
      const { entries, bytes } = cache.clear();
      io.out(
        entries === 0 && bytes === 0
          ? `Nothing to remove in ${cache.folder}.\n`
          : `Removed ${plural(entries)} (${formatBytes(bytes)}) from ${cache.folder}.\n`,
      );
      return 0;
    }
    throw new UsageError(`Unknown cache action "${action}"; use info or clear.`);
  },
};
