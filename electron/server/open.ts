/**
 * Opening the app in the system browser, when there is a display to show it on.
 */
import { spawn } from 'node:child_process';

/** Whether a browser window can be shown here. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Opens a URL in the system browser, without waiting for it. */
export function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () =>
    console.log(`Could not open a browser (${command}); open the URL above.`),
  );
  child.unref();
}
