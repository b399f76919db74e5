// PNG export off the page's main thread: the scene goes to a worker that paints and encodes it
// (pngWorker.ts). Where a worker or OffscreenCanvas is missing, the page paints and encodes it
// itself, as before.
import { renderPng, toBase64, type PngPlan } from './png';
import type { PngAnswer, PngRequest } from './pngWorker';
import type { Scene } from './scene';

/** Set to `page` in localStorage, PNGs are encoded on the page: the benchmark's peer. */
export const PNG_ENCODER_KEY = 'inspector.pngEncoder';

function onPage(): boolean {
  try {
    return globalThis.localStorage?.getItem(PNG_ENCODER_KEY) === 'page';
  } catch {
    return false;
  }
}

/** Paints and encodes a scene as planned; resolves to the PNG as base64. */
export function encodeScenePng(scene: Scene, plan: PngPlan): Promise<string> {
  if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined' || onPage()) {
    return renderPng(scene, plan).then(toBase64);
  }
  const worker = new Worker(new URL('./pngWorker.ts', import.meta.url), {
    type: 'module',
    name: 'png-export',
  });
  return new Promise<string>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<PngAnswer>) => {
      worker.terminate();
      if (event.data.ok) {
        const { ms, phases } = event.data;
        // For the benchmark: the worker's own time, and where it went.
        performance.mark('inspector:png-worker', { detail: { ms, ...phases } });
        resolve(event.data.base64);
      } else {
        reject(new Error(`The PNG could not be made: ${event.data.message}`));
      }
    });
    worker.addEventListener('error', (event) => {
      worker.terminate();
      reject(new Error(`The PNG worker failed: ${event.message || 'it did not load'}.`));
    });
    const request: PngRequest = { scene, plan };
    worker.postMessage(request);
  });
}
