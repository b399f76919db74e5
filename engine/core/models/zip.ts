/**
 * Just enough of ZIP to read a `.keras` archive safely: the central directory (ZIP64 included)
 * read from the end of the file, then one entry at a time, stored entries as a view of the
 * bytes and deflated ones inflated with fflate under a hard cap. An entry that declares more than
 * the cap, or inflates past what it declared (a zip bomb), is refused before or while inflating.
 */
import { Inflate } from 'fflate';
import type { ModelFile } from './files';
import { InspectorError } from '../../../shared/errors';
import { fileError } from './modelJson';

/** One file in the archive, as its central directory describes it. */
export interface ZipEntry {
  /** The path inside the archive, with "/" separators. */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  encrypted: boolean;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

const view = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const u64 = (data: DataView, offset: number): number =>
  data.getUint32(offset, true) + data.getUint32(offset + 4, true) * 2 ** 32;

/** Where the central directory is and how many entries it has. */
async function directoryBounds(
  file: ModelFile,
): Promise<{ offset: number; size: number; count: number }> {
  const tailLength = Math.min(file.size, 22 + MAX_COMMENT + 20);
  const tail = await file.slice(file.size - tailLength, tailLength);
  const data = view(tail);
  for (let at = tail.length - 22; at >= 0; at -= 1) {
    if (data.getUint32(at, true) !== EOCD) {
      continue;
    }
    let count = data.getUint16(at + 10, true);
    let size = data.getUint32(at + 12, true);
    let offset = data.getUint32(at + 16, true);
    if (at >= 20 && data.getUint32(at - 20, true) === ZIP64_LOCATOR) {
      const recordAt = u64(data, at - 12);
      const record = view(await file.slice(recordAt, 56));
      if (record.getUint32(0, true) !== ZIP64_EOCD) {
        throw fileError(file.name, 'its ZIP64 directory record is damaged.');
      }
      count = u64(record, 32);
      size = u64(record, 40);
      offset = u64(record, 48);
    }
    if (offset + size > file.size) {
      throw fileError(file.name, 'the zip archive is truncated (its directory lies past its end).');
    }
    return { offset, size, count };
  }
  throw fileError(
    file.name,
    'it is not a zip archive (no end-of-directory record); is it truncated?',
  );
}

/** Reads the archive's directory. */
export async function readZipDirectory(file: ModelFile): Promise<ZipEntry[]> {
  const bounds = await directoryBounds(file);
  const directory = await file.slice(bounds.offset, bounds.size);
  const data = view(directory);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let index = 0; index < bounds.count; index += 1) {
    if (at + 46 > directory.length || data.getUint32(at, true) !== CENTRAL) {
      throw fileError(file.name, 'its zip directory is damaged.');
    }
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    const name = new TextDecoder().decode(directory.subarray(at + 46, at + 46 + nameLength));
    const entry: ZipEntry = {
      name: name.replaceAll('\\', '/'),
      method: data.getUint16(at + 10, true),
      compressedSize: data.getUint32(at + 20, true),
      size: data.getUint32(at + 24, true),
      localOffset: data.getUint32(at + 42, true),
      encrypted: (data.getUint16(at + 8, true) & 1) === 1,
    };
    readZip64Extra(data, at + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Fills in the sizes and offset that a ZIP64 extra field carries in place of 0xFFFFFFFF. */
function readZip64Extra(data: DataView, start: number, length: number, entry: ZipEntry): void {
  let at = start;
  while (at + 4 <= start + length) {
    const id = data.getUint16(at, true);
    const size = data.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[key] === 0xffffffff && field + 8 <= at + 4 + size) {
          entry[key] = u64(data, field);
          field += 8;
        }
      }
    }
    at += 4 + size;
  }
}

/** The bytes of one entry, inflated if need be; refuses more than `maxBytes`. */
export async function zipEntryBytes(
  file: ModelFile,
  entry: ZipEntry,
  maxBytes: number,
): Promise<Uint8Array> {
  if (entry.encrypted) {
    throw fileError(file.name, `${entry.name} is encrypted; save the model without a password.`);
  }
  if (entry.size > maxBytes) {
    throw fileError(
      file.name,
      `${entry.name} would inflate to ${entry.size} bytes, above the ${maxBytes} the engine allows; refused as a possible zip bomb.`,
    );
  }
  const header = view(await file.slice(entry.localOffset, 30));
  if (header.byteLength < 30 || header.getUint32(0, true) !== LOCAL) {
    throw fileError(file.name, `the zip entry ${entry.name} is damaged.`);
  }
  const dataStart =
    entry.localOffset + 30 + header.getUint16(26, true) + header.getUint16(28, true);
  if (dataStart + entry.compressedSize > file.size) {
    throw fileError(file.name, `the zip archive is truncated inside ${entry.name}.`);
  }
  const compressed = await file.slice(dataStart, entry.compressedSize);
  if (entry.method === 0) {
    return compressed;
  }
  if (entry.method !== 8) {
    throw fileError(
      file.name,
      `${entry.name} uses zip compression method ${entry.method}; only stored and deflated entries are read.`,
    );
  }
  return inflateCapped(compressed, entry, file.name);
}

function inflateCapped(compressed: Uint8Array, entry: ZipEntry, fileName: string): Uint8Array {
  const out = new Uint8Array(entry.size);
  let written = 0;
  const inflate = new Inflate((chunk) => {
    if (written + chunk.length > entry.size) {
      throw fileError(
        fileName,
        `${entry.name} inflates past the ${entry.size} bytes it declares; refused as a zip bomb.`,
      );
    }
    out.set(chunk, written);
    written += chunk.length;
  });
  try {
    inflate.push(compressed, true);
  } catch (error) {
    if (error instanceof InspectorError) {
      throw error;
    }
    throw fileError(
      fileName,
      `${entry.name} does not inflate (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  if (written !== entry.size) {
    throw fileError(
      fileName,
      `${entry.name} inflates to ${written} bytes, not the ${entry.size} it declares.`,
    );
  }
  return out;
}
