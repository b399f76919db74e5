// The PNG worker: paints a diagram's scene on an OffscreenCanvas and encodes it (or, where the
// browser cannot back one canvas that large, band by band into one PNG: pngEncode.ts), then
// hands back the file as base64, ready to save. The page's main thread only posts the scene and
// receives the answer.
import { encodePng } from './pngEncode';
import { paintScene } from './paint';
import { isPng, pngSize, toBase64, type PngPlan } from './png';
import type { Scene } from './scene';

/** What the page asks. */
export interface PngRequest {
  scene: Scene;
  plan: PngPlan;
}

/** What the worker answers. */
export type PngAnswer =
  | { ok: true; base64: string; bytes: number; ms: number; phases: Phases }
  | { ok: false; message: string };

/** Where the worker's time went, in milliseconds (the benchmark reports it). */
export interface Phases {
  paint: number;
  read: number;
  encode: number;
}

/** Bands of at most this many pixels: well inside any canvas limit and a few tens of MB each. */
const BAND_PIXELS = 8_000_000;

/** One canvas of the whole image, encoded by the browser's own PNG encoder. */
async function encodeWhole({ scene, plan }: PngRequest, phases: Phases): Promise<Uint8Array> {
  const started = performance.now();
  const canvas = new OffscreenCanvas(plan.width, plan.height);
  const context = canvas.getContext('2d');
  if (!context) {
    throw new Error('The browser gave the PNG worker no canvas to draw on.');
  }
  context.scale(plan.scale, plan.scale);
  paintScene(context, scene);
  const painted = performance.now();
  phases.paint = painted - started;
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  // A canvas the browser could not back encodes as nothing, or as an empty image.
  if (!isPng(bytes) || pngSize(bytes)?.height !== plan.height) {
    throw new Error('The canvas was not drawn.');
  }
  phases.encode = performance.now() - painted;
  return bytes;
}

/**
 * The whole image on one canvas, encoded natively: measured here 2.6× faster than painting in
 * bands and deflating them in the worker, where reading pixels back and CompressionStream
 * dominate. Bands only if the browser cannot back the one canvas (memory).
 */
async function encode(request: PngRequest, phases: Phases): Promise<Uint8Array> {
  try {
    return await encodeWhole(request, phases);
  } catch {
    phases.paint = 0;
    phases.encode = 0;
    return encodeBands(request, phases);
  }
}

/** The image painted a band at a time, the bands deflated into one PNG as they come. */
async function encodeBands({ scene, plan }: PngRequest, phases: Phases): Promise<Uint8Array> {
  const bandRows = Math.max(1, Math.min(plan.height, Math.floor(BAND_PIXELS / plan.width)));
  const canvas = new OffscreenCanvas(plan.width, bandRows);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) {
    throw new Error('The browser gave the PNG worker no canvas to draw on.');
  }
  const started = performance.now();
  const bytes = await encodePng(plan.width, plan.height, bandRows, (top, rows) => {
    const painting = performance.now();
    context.setTransform(plan.scale, 0, 0, plan.scale, 0, -top);
    const region = { x: 0, y: top / plan.scale, w: scene.width, h: rows / plan.scale };
    paintScene(context, scene, region);
    const reading = performance.now();
    const pixels = new Uint8Array(context.getImageData(0, 0, plan.width, rows).data.buffer);
    phases.paint += reading - painting;
    phases.read += performance.now() - reading;
    return pixels;
  });
  phases.encode = performance.now() - started - phases.paint - phases.read;
  return bytes;
}

const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent<PngRequest>) => void): void;
  postMessage(message: PngAnswer): void;
};

scope.addEventListener('message', (event) => {
  const started = performance.now();
  const phases: Phases = { paint: 0, read: 0, encode: 0 };
  encode(event.data, phases).then(
    (bytes) =>
      scope.postMessage({
        ok: true,
        base64: toBase64(bytes),
        bytes: bytes.length,
        ms: performance.now() - started,
        phases,
      }),
    (error: unknown) =>
      scope.postMessage({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
