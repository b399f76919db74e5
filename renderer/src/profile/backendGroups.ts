// The run form's two headings of backends: those of the window's own engine (WebGPU, WebGL,
// WebAssembly and ONNX Runtime Web, running on the machine that shows the window) and those of
// the engine process (on the machine that serves the app, which in browser mode may be another).
import { isWindowBackend, type BackendStatus } from '../../../shared/profile';

/** One heading of the backend list. */
export interface BackendGroup {
  label: 'In this window' | 'Engine';
  /** Where its backends run, in words. */
  where: string;
  backends: BackendStatus[];
}

/** The backends under their headings, "In this window" first; a heading with none is left out. */
export function groupBackends(
  backends: readonly BackendStatus[],
  shell: 'electron' | 'browser',
): BackendGroup[] {
  const groups: BackendGroup[] = [
    {
      label: 'In this window',
      where:
        shell === 'browser'
          ? '— run on the computer showing this page, in the browser'
          : "— run in the app's window, on its GPU",
      backends: backends.filter((backend) => isWindowBackend(backend.name)),
    },
    {
      label: 'Engine',
      where:
        shell === 'browser'
          ? '— run on the server that serves this page (npm run serve)'
          : '— run in the engine process',
      backends: backends.filter((backend) => !isWindowBackend(backend.name)),
    },
  ];
  return groups.filter((group) => group.backends.length > 0);
}
