// A PNG written from horizontal bands of RGBA pixels as they are painted, deflated by the
// platform's CompressionStream: no canvas ever holds the whole image, so a tall diagram is
// not bound by a canvas's size limits, and none of it runs on the page's main thread (the PNG
// worker calls this).

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of bytes, continuing from `crc` (PNG's chunk checksum). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let index = 0; index < bytes.length; index += 1) {
    c = CRC_TABLE[(c ^ bytes[index]) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let index = 0; index < 4; index += 1) {
    out[4 + index] = type.charCodeAt(index);
  }
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Where the rows of a band come from: RGBA bytes, `width * 4` a row. */
export type BandSource = (top: number, rows: number) => Promise<Uint8Array> | Uint8Array;

/**
 * Encodes a `width` × `height` RGBA image delivered in bands of `bandRows` rows as an 8-bit RGBA
 * PNG (filter None: flat diagrams deflate well without one, and each row is one copy).
 */
export async function encodePng(
  width: number,
  height: number,
  bandRows: number,
  band: BandSource,
): Promise<Uint8Array> {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  const stream = new CompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const compressed: Uint8Array[] = [];
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      compressed.push(value);
    }
  })();
  const stride = width * 4;
  for (let top = 0; top < height; top += bandRows) {
    const rows = Math.min(bandRows, height - top);
    const pixels = await band(top, rows);
    const filtered = new Uint8Array(rows * (stride + 1));
    for (let row = 0; row < rows; row += 1) {
      filtered.set(pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
    }
    await writer.write(filtered);
  }
  await writer.close();
  await reading;
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', header),
    ...compressed.map((data) => chunk('IDAT', data)),
    chunk('IEND', new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
