#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is here or can be downloaded and there is a
// display to show it on; otherwise one line saying why, then browser mode (`npm run serve`),
// opening the system browser when there is a display.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const electronDir = path.join('node_modules', 'electron');
const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

/** The Electron executable, if its binary is installed. */
function electronBinary() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return undefined;
  }
  const binary = path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

/** Lets Electron's own installer fetch its binary; returns why it could not, if it could not. */
function fetchElectron() {
  if (!existsSync(path.join(electronDir, 'install.js'))) {
    return 'the electron package is not installed; run npm install';
  }
  console.log('Downloading the Electron binary (first start)…');
  const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status === 0 && electronBinary()) {
    return undefined;
  }
  const lines = `${result.stderr ?? ''}\n${result.error?.message ?? ''}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at '));
  return `its binary is missing and could not be downloaded: ${lines[0] ?? `the installer exited with ${result.status}`}`;
}

function run(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

function npm(args) {
  return (
    spawnSync('npm', args, { stdio: 'inherit', shell: process.platform === 'win32' }).status === 0
  );
}

const why =
  (electronBinary() ? undefined : fetchElectron()) ??
  (hasDisplay ? undefined : 'there is no display to show a window on');

if (why === undefined) {
  const renderer = existsSync('dist/renderer/index.html') || npm(['exec', '--', 'vite', 'build']);
  if (!renderer || !npm(['run', 'build:electron'])) {
    console.error('Could not build the app; see the errors above.');
    process.exit(1);
  }
  run(electronBinary(), ['.', ...process.argv.slice(2)]);
} else {
  console.log(`Electron cannot start here (${why}); starting browser mode instead.`);
  run('npm', ['run', 'serve', '--', ...(hasDisplay ? ['--open'] : []), ...process.argv.slice(2)]);
}
