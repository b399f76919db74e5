/**
 * Base64 without Node's Buffer or the DOM: the engine's portable core runs in a Node process and in
 * a Web Worker, and both have `atob`/`btoa`. Chunked so that a large array never builds one huge
 * argument list.
 */

const CHUNK = 0x8000;

/** Encodes bytes as base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
  }
  return btoa(binary);
}

/** Decodes base64 into bytes; throws on characters that are not base64. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
