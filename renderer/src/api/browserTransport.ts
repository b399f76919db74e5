/**
 * Browser mode: the WebSocket to the server that served this page, with the token from the
 * page's URL, and `saveFile` as a download (an `<a download>` with a Blob).
 */
import type { InspectorApi } from '../../../shared/api';
import { TOKEN_PARAM, WS_PATH } from '../../../shared/wire';
import { connectWireClient, prepareDownload, type SocketLike } from '../../../shared/wireClient';

/** Saves a file through the browser's download, after the same validation as Electron's. */
export const downloadFile: InspectorApi['saveFile'] = async (kind, data, suggestedName) => {
  const file = prepareDownload(kind, data, suggestedName);
  const url = URL.createObjectURL(new Blob([file.content], { type: file.type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
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
    connect: (): SocketLike => new WebSocket(url),
    saveFile: downloadFile,
  });
  return client.api;
}
