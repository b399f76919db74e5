/**
 * Turns what the page uploaded into what the engine takes: an upload input (`{ kind: 'upload',
 * id }`, an image sent with `POST /api/upload`) becomes the image's bytes, base64-encoded, bounded
 * as the engine bounds a base64 one and checked before its file is read; a model's uploaded files
 * become their paths.
 */
import { readFile } from 'node:fs/promises';
import { MAX_IMAGE_BYTES } from '../../shared/apiSchemas';
import { InspectorError } from '../../shared/errors';
import type { OpenModelSource } from '../../shared/api';
import type { ModelFileSpec } from '../../shared/engineProtocol';
import type { InputSource, ProfileRequest } from '../../shared/profile';
import { formatBytes } from '../../engine/core/memoryGuard';
import type { UploadStore } from './uploads';

/**
 * An input with an upload replaced by the uploaded image; other inputs pass as they are. Any call
 * that takes an InputSource from the page (a profile run, a prediction) resolves it here.
 */
export async function resolveInputSource(
  input: InputSource,
  uploads: UploadStore,
): Promise<InputSource> {
  if (input.kind !== 'upload') {
    return input;
  }
  const upload = uploads.get(input.id);
  if (!upload) {
    throw new InspectorError(
      'NOT_FOUND',
      `No upload ${input.id} on this server (it restarted, or the id is wrong); upload the image again.`,
    );
  }
  const fileName = input.fileName ?? upload.name;
  if (upload.bytes === 0) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is empty (0 bytes); choose a PNG or JPEG image.`,
    );
  }
  if (upload.bytes > MAX_IMAGE_BYTES) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is ${formatBytes(upload.bytes)}, above the ${formatBytes(MAX_IMAGE_BYTES)} an image input may have; choose a smaller image.`,
    );
  }
  const bytes = await readFile(upload.path);
  const scale = input.scale ? { scale: input.scale } : {};
  return { kind: 'image', base64: bytes.toString('base64'), fileName, ...scale };
}

/** The request with an upload input replaced by the uploaded image. */
export async function resolveUploadInput(
  request: ProfileRequest,
  uploads: UploadStore,
): Promise<ProfileRequest> {
  const input = await resolveInputSource(request.input, uploads);
  return input === request.input ? request : { ...request, input };
}

/**
 * The files of a model the page uploaded, as the engine opens them: their paths in the upload
 * folder, each known by the name the person chose (a TF.js model.json finds its shards by name).
 */
export function uploadedModel(source: OpenModelSource, uploads: UploadStore): ModelFileSpec {
  if (source.kind !== 'upload') {
    throw new InspectorError(
      'INVALID_REQUEST',
      'openModel: in browser mode the server opens files the page uploaded, never a path.',
    );
  }
  const names: Record<string, string> = {};
  const stored = (id: string): string => {
    const upload = uploads.get(id);
    if (!upload) {
      throw new InspectorError(
        'NOT_FOUND',
        `No upload ${id} on this server (it restarted, or the id is wrong); open the file again.`,
      );
    }
    names[upload.path] = upload.name;
    return upload.path;
  };
  const main = stored(source.main);
  return { main, others: (source.others ?? []).map(stored), names };
}
