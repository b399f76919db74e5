/**
 * Image decoding in the window's engine: the browser's own decoder (createImageBitmap, then the
 * pixels read back through an OffscreenCanvas). The size an image's header declares is checked
 * first, as the engine process checks it, so a small file that would decode to gigabytes is
 * refused before it is decoded.
 */
import { InspectorError } from '../../shared/errors';
import type { RgbaImage } from '../core/inputData';

/** The most pixels an image input may decode to: 100 megapixels, as in the engine process. */
const MAX_IMAGE_PIXELS = 100e6;

/** Width and height from a PNG's IHDR or a JPEG's start-of-frame marker; undefined if neither. */
export function declaredSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && view.getUint32(12) === 0x49484452) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) {
    return undefined;
  }
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) {
      return undefined;
    }
    const marker = bytes[at + 1];
    const length = view.getUint16(at + 2);
    // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC) carry the frame's size.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return undefined;
}

/** Decodes PNG or JPEG bytes with the browser's decoder, refusing oversized images first. */
export async function decodeImageInWorker(bytes: Uint8Array, fileName: string): Promise<RgbaImage> {
  const size = declaredSize(bytes);
  if (!size) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is neither a PNG nor a JPEG image; choose a .png or .jpg file.`,
    );
  }
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is ${size.width}×${size.height} pixels, above ${MAX_IMAGE_PIXELS / 1e6} megapixels; choose a smaller image.`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes.slice()]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InspectorError('INVALID_REQUEST', `Could not decode ${fileName}: ${reason}.`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) {
    throw new InspectorError('INTERNAL', 'This window cannot read image pixels (no 2D canvas).');
  }
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return { width: pixels.width, height: pixels.height, data: pixels.data };
}
