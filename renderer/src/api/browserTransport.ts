/**
 * Browser mode: the WebSocket to the server that served this page, with the token from the
 * page's URL, and `saveFile` as a download (an `<a download>` with a Blob).
 */
import type { InspectorApi, SaveFileKind } from '../../../shared/api';
import { parseCall } from '../../../shared/apiSchemas';
import { TOKEN_PARAM, WS_PATH } from '../../../shared/wire';
import { connectWireClient } from './wireClient';

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

/** Saves a file through the browser's download, after the same validation as Electron's. */
export const downloadFile: InspectorApi['saveFile'] = async (kind, data, suggestedName) => {
  parseCall('saveFile', [kind, data, suggestedName]);
  const blob = new Blob([kind === 'png' ? base64Bytes(data) : data], { type: MIME[kind] });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = suggestedName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { saved: true };
};

/** The WebSocket URL of the server that served `location`, with the page's token. */
export function socketUrl(location: Location): string {
  const token = new URLSearchParams(location.search).get(TOKEN_PARAM);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = token ? `?${TOKEN_PARAM}=${encodeURIComponent(token)}` : '';
  return `${scheme}//${location.host}${WS_PATH}${query}`;
}

/** Connects to the browser-mode server of this page. */
export async function connectBrowser(location: Location): Promise<InspectorApi> {
  const url = socketUrl(location);
  const client = await connectWireClient({
    connect: () => new WebSocket(url),
    saveFile: downloadFile,
  });
  return client.api;
}
