/**
 * Browser mode: the WebSocket to the server that served this page, `saveFile` as a download (an
 * `<a download>` with a Blob), and `uploadFile` as a streamed `POST /api/upload`. The token comes
 * from the page's URL once; the page then holds it (memory, and sessionStorage, which is kept per
 * origin, so that a reload works) and takes it out of the address bar. It is sent only to this
 * origin: on the WebSocket as a subprotocol, on uploads as an Authorization header. Never in a
 * cookie, which the browser would send to every server on this host, whatever its port.
 */
import type { InspectorApi, UploadedFile } from '../../../shared/api';
import {
  HTTP_API_PREFIX,
  TOKEN_PARAM,
  TOKEN_PROTOCOL_PREFIX,
  WS_PATH,
  WS_PROTOCOL,
} from '../../../shared/wire';
import {
  connectWireClient,
  prepareDownload,
  readUploadReply,
  uploadLost,
  type SocketLike,
} from '../../../shared/wireClient';

/** Where the page keeps its token between reloads (per origin, per tab). */
const TOKEN_KEY = 'resnext-inspector-token';

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

/** What takePageToken reads and changes. */
export type PageScope = Pick<Window, 'location' | 'history' | 'sessionStorage'>;

let heldToken: string | null | undefined;

/**
 * The page's token: from `?token=` in its URL, which is then removed from the address bar (and
 * so from bookmarks, screenshots and history); else the one this tab kept from an earlier load.
 */
export function takePageToken(scope: PageScope): string | null {
  const url = new URL(scope.location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl !== null) {
    heldToken = fromUrl;
    try {
      scope.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage off: the token lives in memory; a reload needs the printed URL again.
    }
    url.searchParams.delete(TOKEN_PARAM);
    scope.history.replaceState(scope.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  if (heldToken === undefined) {
    try {
      heldToken = scope.sessionStorage.getItem(TOKEN_KEY);
    } catch {
      heldToken = null;
    }
  }
  return heldToken;
}

/** The WebSocket URL of the server that served `location` (no token: that goes in a protocol). */
export function socketUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}`;
}

/** The subprotocols the page offers: the app's, and the one that carries the token. */
export function socketProtocols(token: string | null): string[] {
  return token ? [WS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`] : [WS_PROTOCOL];
}

/** Streams a file to this page's server, with upload progress (which fetch does not give). */
export function uploadFile(
  file: Blob,
  name: string,
  token: string | null,
  onProgress?: (sentBytes: number, totalBytes: number) => void,
): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${HTTP_API_PREFIX}upload?name=${encodeURIComponent(name)}`);
    if (token) {
      request.setRequestHeader('Authorization', `Bearer ${token}`);
    }
    request.upload.onprogress = (event) =>
      onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      try {
        resolve(readUploadReply(request.status, request.responseText, name));
      } catch (error) {
        reject(error);
      }
    };
    // A refusal sent while the body still streams can arrive as a dropped connection.
    request.onerror = () => reject(uploadLost(name));
    request.send(file);
  });
}

/** Connects to the browser-mode server of this page. */
export async function connectBrowser(scope: PageScope): Promise<InspectorApi> {
  const token = takePageToken(scope);
  const url = socketUrl(scope.location);
  const client = await connectWireClient({
    connect: (): SocketLike => new WebSocket(url, socketProtocols(token)),
    saveFile: downloadFile,
  });
  return {
    ...client.api,
    uploadFile: (file, name, onProgress) => uploadFile(file, name, token, onProgress),
  };
}
