// The page's side of browser mode's token and uploads (issue 13): the token is read from the URL
// once and taken out of the address bar, kept per tab for reloads, and offered to the WebSocket
// as a subprotocol; an upload's reply becomes an UploadedFile or a message; an image is checked
// before it is sent, and travels as an upload where the API can upload.
import { describe, expect, it } from 'vitest';
import {
  socketProtocols,
  socketUrl,
  takePageToken,
  type PageScope,
} from '../../renderer/src/api/browserTransport';
import { imageInput, imageProblem } from '../../renderer/src/profile/imageInput';
import { MAX_IMAGE_BYTES } from '../../shared/apiSchemas';
import { InspectorError } from '../../shared/errors';
import { readUploadReply, uploadLost } from '../../shared/wireClient';

/** A page at `href` with its own history and session storage. */
function page(href: string, stored: Record<string, string> = {}) {
  const location = new URL(href) as unknown as Location;
  const replaced: string[] = [];
  const scope = {
    location,
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, url: string) => replaced.push(url),
    },
    sessionStorage: {
      getItem: (key: string) => stored[key] ?? null,
      setItem: (key: string, value: string) => (stored[key] = value),
    },
  } as unknown as PageScope;
  return { scope, replaced, stored };
}

describe('the page token', () => {
  it('is taken from ?token=, kept for reloads, and removed from the address bar', () => {
    const first = page('http://127.0.0.1:8870/?token=abc123def456ghi789&x=1#graph');
    expect(takePageToken(first.scope)).toBe('abc123def456ghi789');
    expect(first.replaced).toEqual(['/?x=1#graph']);
    expect(Object.values(first.stored)).toEqual(['abc123def456ghi789']);
    // A reload: no token in the URL any more, the tab's storage has it.
    const reload = page('http://127.0.0.1:8870/?x=1#graph', first.stored);
    expect(takePageToken(reload.scope)).toBe('abc123def456ghi789');
    expect(reload.replaced).toEqual([]);
  });

  it('goes in a subprotocol, never in the WebSocket URL', () => {
    const { scope } = page('http://127.0.0.1:8870/?token=abc123def456ghi789');
    expect(socketUrl(scope.location)).toBe('ws://127.0.0.1:8870/ws');
    expect(socketProtocols('abc123def456ghi789')).toEqual([
      'resnext-inspector',
      'token.abc123def456ghi789',
    ]);
    expect(socketProtocols(null)).toEqual(['resnext-inspector']);
  });
});

describe('upload replies', () => {
  it('reads the envelope, and names the file when there is none', () => {
    const ok = JSON.stringify({ ok: true, value: { id: 'a1', name: 'cat.png', bytes: 12 } });
    expect(readUploadReply(200, ok, 'cat.png')).toEqual({ id: 'a1', name: 'cat.png', bytes: 12 });
    const refused = JSON.stringify({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'big.png is larger than 2.1 GB, …' },
    });
    expect(() => readUploadReply(413, refused, 'big.png')).toThrow('big.png is larger than 2.1 GB');
    expect(() => readUploadReply(502, '<html>', 'cat.png')).toThrow(
      'The upload of cat.png failed (HTTP 502); check that `npm run serve` is running and try again.',
    );
    expect(uploadLost('cat.png').message).toMatch(/^The upload of cat.png was cut off/);
  });
});

describe('image inputs', () => {
  const png = (name: string, size: number, type = 'image/png') =>
    new File([new Uint8Array(size)], name, { type });

  it.each([
    [
      png('notes.txt', 10, 'text/plain'),
      'notes.txt is not a PNG or JPEG image: choose one of those.',
    ],
    [png('empty.png', 0), 'empty.png is empty (0 bytes): choose another image.'],
    [
      { name: 'huge.png', type: 'image/png', size: MAX_IMAGE_BYTES + 1 },
      'huge.png is 24.0 MiB, above the 24.0 MiB an image input may have: choose a smaller one.',
    ],
  ])('refuses %#', (file, message) => {
    expect(imageProblem(file)).toBe(message);
  });

  it('uploads where the API can, and sends the bytes where it cannot (Electron)', async () => {
    const file = png('cat.png', 3);
    const sent: string[] = [];
    const browser = {
      uploadFile: async (blob: Blob, name: string) => {
        sent.push(`${name}:${blob.size}`);
        return { id: 'f00d', name, bytes: blob.size };
      },
    };
    expect(await imageInput(file, browser)).toEqual({
      kind: 'upload',
      id: 'f00d',
      fileName: 'cat.png',
    });
    expect(sent).toEqual(['cat.png:3']);
    expect(await imageInput(file, {})).toEqual({
      kind: 'image',
      base64: 'AAAA',
      fileName: 'cat.png',
    });
    await expect(imageInput(png('empty.png', 0), browser)).rejects.toBeInstanceOf(InspectorError);
    expect(sent).toHaveLength(1); // nothing sent for a file refused here
  });
});
