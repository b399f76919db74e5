// PNG export. Chromium caps a canvas at 65,535 px a side and 268,435,456 px in all; past that a
// canvas silently draws nothing (cytoscape's png() then returns an empty blob). We plan the size
// first and fit the scale under both limits, say so, and check the encoded file before saving.
import type { Scene } from './scene';
import { paintScene } from './paint';

/** The largest side of a canvas in Chromium. */
export const MAX_CANVAS_SIDE = 65_535;
/** The largest area of a canvas in Chromium. */
export const MAX_CANVAS_AREA = 268_435_456;

/** What will be drawn: the pixel size, the scale used, and why it differs from the one asked. */
export interface PngPlan {
  width: number;
  height: number;
  scale: number;
  requestedScale: number;
  /** Set when the scale was lowered to fit the limits, in words for the person. */
  notice?: string;
}

const pixels = (size: number, scale: number): number => Math.max(1, Math.ceil(size * scale));

/** Plans a PNG of a scene at a scale, lowering the scale until both canvas limits hold. */
export function planPng(sceneWidth: number, sceneHeight: number, requestedScale: number): PngPlan {
  const fits = (scale: number): boolean => {
    const w = pixels(sceneWidth, scale);
    const h = pixels(sceneHeight, scale);
    return w <= MAX_CANVAS_SIDE && h <= MAX_CANVAS_SIDE && w * h <= MAX_CANVAS_AREA;
  };
  let scale = requestedScale;
  if (!fits(scale)) {
    const bySide = Math.min(MAX_CANVAS_SIDE / sceneWidth, MAX_CANVAS_SIDE / sceneHeight);
    const byArea = Math.sqrt(MAX_CANVAS_AREA / (sceneWidth * sceneHeight));
    scale = Math.floor(Math.min(bySide, byArea, requestedScale) * 1000) / 1000;
    while (scale > 0 && !fits(scale)) {
      scale = Math.floor(scale * 990) / 1000;
    }
  }
  const plan: PngPlan = {
    width: pixels(sceneWidth, scale),
    height: pixels(sceneHeight, scale),
    scale,
    requestedScale,
  };
  if (scale < requestedScale) {
    const asked = `${pixels(sceneWidth, requestedScale).toLocaleString('en-US')} × ${pixels(sceneHeight, requestedScale).toLocaleString('en-US')} px`;
    plan.notice =
      `At scale ${requestedScale} the image would be ${asked}, past Chromium's canvas limit ` +
      `(65,535 px a side, 268 M px in all). It will be saved at scale ${scale}` +
      ` (${plan.width.toLocaleString('en-US')} × ${plan.height.toLocaleString('en-US')} px); ` +
      'for a sharper image export SVG, or collapse stages, or export the current view.';
  }
  return plan;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether bytes start with the PNG signature and hold more than a header. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 33 && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
}

/** The width and height in a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (!isPng(bytes)) {
    return null;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Draws a scene to PNG bytes as planned; throws with a plain message rather than return an empty file. */
export async function renderPng(scene: Scene, plan: PngPlan): Promise<Uint8Array> {
  const canvas = document.createElement('canvas');
  canvas.width = plan.width;
  canvas.height = plan.height;
  const context = canvas.getContext('2d');
  const failure = `The browser could not draw a ${plan.width.toLocaleString('en-US')} × ${plan.height.toLocaleString('en-US')} px image; choose a smaller scale or export SVG.`;
  if (!context || canvas.width !== plan.width || canvas.height !== plan.height) {
    throw new Error(failure);
  }
  context.scale(plan.scale, plan.scale);
  paintScene(context, scene);
  // A canvas the GPU process could not back draws nothing: the opaque background must be there.
  if (context.getImageData(0, 0, 1, 1).data[3] !== 255) {
    throw new Error(failure);
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  canvas.width = 0;
  canvas.height = 0;
  const bytes = blob ? new Uint8Array(await blob.arrayBuffer()) : new Uint8Array();
  const size = pngSize(bytes);
  if (!size || size.width !== plan.width || size.height !== plan.height) {
    throw new Error(failure);
  }
  return bytes;
}

/** Base64 of bytes, in chunks (a spread of millions of bytes would overflow the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
