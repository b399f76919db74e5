// What an image the person chose becomes as a profile input: in browser mode an upload (streamed
// to the server with progress; a WebSocket message is no place for megabytes), in Electron the
// bytes themselves over IPC. Checked here first, so a wrong file is named before anything is sent.
import type { InspectorApi } from '../../../shared/api';
import { MAX_IMAGE_BYTES } from '../../../shared/apiSchemas';
import { InspectorError } from '../../../shared/errors';
import type { InputSource } from '../../../shared/profile';

const mebibytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Why a file cannot be an image input, in words, or null when it can. */
export function imageProblem(file: { name: string; type: string; size: number }): string | null {
  if (!/^image\/(png|jpeg)$/.test(file.type) && !/\.(png|jpe?g)$/i.test(file.name)) {
    return `${file.name} is not a PNG or JPEG image: choose one of those.`;
  }
  if (file.size === 0) {
    return `${file.name} is empty (0 bytes): choose another image.`;
  }
  if (file.size > MAX_IMAGE_BYTES) {
    return `${file.name} is ${mebibytes(file.size)}, above the ${mebibytes(MAX_IMAGE_BYTES)} an image input may have: choose a smaller one.`;
  }
  return null;
}

/** The base64 of a file's bytes, in slices (a spread of megabytes would overflow the stack). */
async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * The input for a chosen image file; throws InspectorError INVALID_REQUEST naming the problem.
 * `onProgress` hears the upload's bytes in browser mode.
 */
export async function imageInput(
  file: File,
  api: Pick<InspectorApi, 'uploadFile'>,
  onProgress?: (sentBytes: number, totalBytes: number) => void,
): Promise<InputSource> {
  const problem = imageProblem(file);
  if (problem) {
    throw new InspectorError('INVALID_REQUEST', problem);
  }
  if (api.uploadFile) {
    const uploaded = await api.uploadFile(file, file.name, onProgress);
    return { kind: 'upload', id: uploaded.id, fileName: file.name };
  }
  return { kind: 'image', base64: await base64Of(file), fileName: file.name };
}
