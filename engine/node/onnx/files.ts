/** Files as the portable ONNX stream code sees them: a ByteSource to read, a ByteSink to write. */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { ByteSink, ByteSource } from '../../core/onnx/onnxStream';

/** Runs `use` with a ByteSource over a file, closed afterwards. */
export function withFileSource<T>(path: string, use: (source: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    const source: ByteSource = {
      size: fstatSync(fd).size,
      read: (offset, length) => {
        const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, source.size - offset)));
        const read = buffer.length === 0 ? 0 : readSync(fd, buffer, 0, buffer.length, offset);
        return buffer.subarray(0, read);
      },
    };
    return use(source);
  } finally {
    closeSync(fd);
  }
}

/** Runs `write` with a ByteSink into a new file (replaced if it exists), closed afterwards. */
export function withFileSink<T>(path: string, write: (sink: ByteSink) => T): T {
  const fd = openSync(path, 'w');
  try {
    return write((bytes) => {
      for (let done = 0; done < bytes.byteLength;) {
        done += writeSync(fd, bytes, done, bytes.byteLength - done);
      }
    });
  } finally {
    closeSync(fd);
  }
}
