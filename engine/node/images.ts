/**
 * Image decoding in Node: PNG (pngjs) and JPEG (jpeg-js), told apart by their signature, refused
 * before decoding when the header the decoder will use asks for more pixels, or more decoded
 * bytes, than an input may have.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InspectorError } from '../../shared/errors';
import type { RgbaImage } from '../core/inputData';

/** The most pixels an image input may decode to (as jpeg-js's limit below): 100 megapixels. */
const MAX_IMAGE_PIXELS = 100e6;

/**
 * The most bytes a PNG's pixels may take once decoded: pngjs expands every PNG to four samples a
 * pixel, of two bytes at 16 bits per sample. 100 megapixels of 8-bit RGBA; 50 of 16-bit.
 */
const MAX_DECODED_BYTES = 4 * MAX_IMAGE_PIXELS;

/** The facts of a PNG header (IHDR) that decide what decoding it allocates. */
interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
}

const PNG_SIGNATURE_BYTES = 8;
const CHUNK_OVERHEAD = 12; // length, type, CRC

/**
 * The one IHDR of a PNG, found by walking every chunk as the decoder will: a PNG that names its
 * size twice is refused, since pngjs decodes with the last IHDR while a check of the first would
 * see a decoy. Undefined when the file is too short to tell (pngjs then says what is wrong).
 */
function pngHeader(bytes: Uint8Array, fileName: string): PngHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | undefined;
  for (
    let offset = PNG_SIGNATURE_BYTES;
    offset + 8 <= bytes.length;
    offset += CHUNK_OVERHEAD + view.getUint32(offset)
  ) {
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === 'IHDR') {
      if (header !== undefined) {
        throw new InspectorError(
          'INVALID_REQUEST',
          `${fileName} has a second IHDR header chunk; a PNG has exactly one: choose another image.`,
        );
      }
      if (offset + 8 + 13 > bytes.length) {
        return undefined;
      }
      header = {
        width: view.getUint32(offset + 8),
        height: view.getUint32(offset + 12),
        bitDepth: bytes[offset + 16],
      };
    } else if (header === undefined) {
      throw new InspectorError(
        'INVALID_REQUEST',
        `${fileName} does not start with its IHDR header chunk, as a PNG must: choose another image.`,
      );
    } else if (type === 'IEND') {
      break;
    }
  }
  return header;
}

/**
 * Refuses a PNG whose header asks for more than MAX_IMAGE_PIXELS or MAX_DECODED_BYTES, before
 * pngjs allocates them: zeros compress ~1000:1, so a few MB of request could make the engine
 * allocate gigabytes (a 100-megapixel 16-bit RGBA PNG took 4.7 GB).
 */
function checkPngSize(bytes: Uint8Array, fileName: string): void {
  const header = pngHeader(bytes, fileName);
  if (header === undefined) {
    return;
  }
  const { width, height, bitDepth } = header;
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is ${width}×${height} pixels, above ${MAX_IMAGE_PIXELS / 1e6} megapixels; choose a smaller image.`,
    );
  }
  const decoded = width * height * 4 * (bitDepth > 8 ? 2 : 1);
  if (decoded > MAX_DECODED_BYTES) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is ${width}×${height} pixels at ${bitDepth} bits per sample, which decodes to ${Math.round(decoded / 1e6)} MB, above ${MAX_DECODED_BYTES / 1e6} MB; choose a smaller image or one with 8 bits per sample.`,
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
