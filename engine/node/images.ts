/**
 * Image decoding in Node: PNG (pngjs) and JPEG (jpeg-js), told apart by their signature, refused
 * before decoding when the header asks for more pixels than an input may have.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InspectorError } from '../../shared/errors';
import type { RgbaImage } from '../core/inputData';

/** The most pixels an image input may decode to (as jpeg-js's limit below): 100 megapixels. */
const MAX_IMAGE_PIXELS = 100e6;

/**
 * Refuses a PNG whose header asks for more than MAX_IMAGE_PIXELS, before pngjs allocates them:
 * zeros compress ~1000:1, so a few MB of request could make the worker allocate gigabytes.
 */
function checkPngSize(bytes: Uint8Array, fileName: string): void {
  if (bytes.length < 24) {
    return; // too short to hold IHDR: pngjs says what is wrong
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is ${width}×${height} pixels, above ${MAX_IMAGE_PIXELS / 1e6} megapixels; choose a smaller image.`,
    );
  }
}

/** Decodes PNG or JPEG bytes, told apart by their signature. */
export function decodeImage(bytes: Uint8Array, fileName = 'the image'): RgbaImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (isPng) {
    checkPngSize(bytes, fileName);
  }
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (isJpeg) {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      });
      return { width: image.width, height: image.height, data: image.data };
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InspectorError('INVALID_REQUEST', `Could not decode ${fileName}: ${reason}.`);
  }
  throw new InspectorError(
    'INVALID_REQUEST',
    `${fileName} is neither a PNG nor a JPEG image; choose a .png or .jpg file.`,
  );
}
