/**
 * What a browser-mode `saveFile` downloads: validated like Electron's, PNG data decoded from
 * base64, the MIME type picked by kind. DOM-free, so Node tests share it.
 */
import type { SaveFileKind } from '../../../shared/api';
import { parseCall } from '../../../shared/apiSchemas';

/** A file ready to become a Blob. */
export interface PreparedDownload {
  content: string | Uint8Array<ArrayBuffer>;
  type: string;
  name: string;
}

const MIME: Record<SaveFileKind, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  md: 'text/markdown',
  trace: 'application/json',
};

function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

/** Validates a saveFile call (throws INVALID_REQUEST) and prepares its content. */
export function prepareDownload(
  kind: unknown,
  data: unknown,
  suggestedName: unknown,
): PreparedDownload {
  const { args } = parseCall('saveFile', [kind, data, suggestedName]) as {
    args: [SaveFileKind, string, string];
  };
  const [checkedKind, checkedData, name] = args;
  return {
    content: checkedKind === 'png' ? base64Bytes(checkedData) : checkedData,
    type: MIME[checkedKind],
    name,
  };
}
