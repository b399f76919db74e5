// PNG bombs refused before decoding (issue 13): a decoy IHDR (the guard read the first header,
// pngjs decodes with the last: 1.17 MB decoded as 400 MP, 7.8 GB), and 16 bits per sample (a
// 100 MP 16-bit RGBA PNG took 4.7 GB). Every PNG the guard passes still decodes as before.
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../engine/node/images';

/** One PNG chunk with its length and CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** IHDR data: width, height, bit depth, colour type 6 (RGBA), no interlace. */
function ihdr(width: number, height: number, bitDepth = 8): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([bitDepth, 6, 0, 0, 0], 8);
  return chunk('IHDR', data);
}

/** A real, small PNG, split into its signature and chunks. */
function smallPng(): { signature: Buffer; chunks: Buffer[] } {
  const image = new PNG({ width: 10, height: 10 });
  image.data.fill(90);
  const bytes = PNG.sync.write(image);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < bytes.length; offset += 12 + bytes.readUInt32BE(offset)) {
    chunks.push(bytes.subarray(offset, offset + 12 + bytes.readUInt32BE(offset)));
  }
  return { signature: bytes.subarray(0, 8), chunks };
}

/** Throws what decodeImage throws, and how long it took. */
function refusal(bytes: Buffer, name: string): { message: string; ms: number } {
  const started = performance.now();
  try {
    decodeImage(bytes, name);
  } catch (error) {
    return { message: (error as Error).message, ms: performance.now() - started };
  }
  throw new Error('decoded');
}

describe('PNG header checks', () => {
  it('decodes a plain PNG as before', () => {
    const { signature, chunks } = smallPng();
    const image = decodeImage(Buffer.concat([signature, ...chunks]), 'plain.png');
    expect([image.width, image.height, image.data[0]]).toEqual([10, 10, 90]);
  });

  it.each([
    ['right after the first', 1],
    ['after the image data', -1],
  ])('refuses a decoy second IHDR %s, before decoding', (_where, at) => {
    const { signature, chunks } = smallPng();
    chunks.splice(at, 0, ihdr(20_000, 20_000)); // 400 megapixels behind a 10×10 header
    const { message, ms } = refusal(Buffer.concat([signature, ...chunks]), 'decoy.png');
    expect(message).toBe(
      'decoy.png has a second IHDR header chunk; a PNG has exactly one: choose another image.',
    );
    expect(ms).toBeLessThan(100);
  });

  it('refuses a PNG whose first chunk is not its header', () => {
    const { signature, chunks } = smallPng();
    const [header, ...rest] = chunks;
    const { message } = refusal(
      Buffer.concat([signature, rest[0], header, ...rest.slice(1)]),
      'x.png',
    );
    expect(message).toBe(
      'x.png does not start with its IHDR header chunk, as a PNG must: choose another image.',
    );
  });

  it('refuses a 16-bit PNG whose pixels decode to more than 400 MB, before decoding', () => {
    const { signature, chunks } = smallPng();
    const bomb = Buffer.concat([signature, ihdr(8000, 8000, 16), ...chunks.slice(1)]);
    const { message, ms } = refusal(bomb, 'deep.png');
    expect(message).toBe(
      'deep.png is 8000×8000 pixels at 16 bits per sample, which decodes to 512 MB, above 400 MB; choose a smaller image or one with 8 bits per sample.',
    );
    expect(ms).toBeLessThan(100);
  });
});
