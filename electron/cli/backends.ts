/** `backends`: each of the engine's backends, available or not, and why. */
import { listBackends } from '../../engine/node/backends';
import { parseFlags } from './args';
import type { CliCommand } from './command';

const USAGE = `Usage: npm run -s cli -- backends [--format text|json]

Lists the engine's backends (TensorFlow.js in the order the engine tries them, then ONNX
Runtime), whether each can run here and why not; the one marked "default" is what --backend auto
picks. The app's window has backends of its own (WebGPU, WebGL, threaded WebAssembly), listed in
its run form.`;

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      { format: { kind: 'choice', choices: ['text', 'json'] } },
      'backends',
    );
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const statuses = await listBackends();
    if (flags.format === 'json') {
      io.out(`${JSON.stringify(statuses, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...statuses.map((status) => status.name.length)) + 2;
    const lines = statuses.map((status) => {
      const state = status.available ? (status.preferred ? 'default' : 'available') : 'unavailable';
      const why = status.available ? (status.detail ?? '') : (status.reason ?? '');
      return `${status.name.padEnd(width)}${state.padEnd(13)}${why}`.trimEnd();
    });
    io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
