/**
 * The bounds on what a browser-mode message may be, and a JSON parse that stays within them.
 * JSON.parse itself is fast, but on a deeply nested document it and everything that walks the
 * result afterwards (validation, messages) take seconds on the one event loop that serves every
 * connection; a scan for the nesting depth first costs one pass over the text.
 */

/**
 * The largest WebSocket message or HTTP API body, in bytes (64 KiB). Real calls are a few hundred
 * bytes: file contents travel as uploads (`POST /api/upload`), never inside a message. Measured
 * on 2 busy cores (load 7), JSON.parse of 1 MiB of object keys took 250–560 ms; of 64 KiB, a
 * sixteenth of that.
 */
export const MAX_MESSAGE_BYTES = 64 * 2 ** 10;

/** The deepest nesting of arrays and objects a message may have (real calls need 4). */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of `[`/`{` outside strings, stopping as soon as it passes `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) {
        index += 1;
      } else if (code === QUOTE) {
        inString = false;
      }
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) {
          return deepest;
        }
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return deepest;
}

/** The outcome of a bounded parse. */
export type BoundedJson = { ok: true; value: unknown } | { ok: false; reason: 'depth' | 'syntax' };

/** Parses JSON nested at most MAX_JSON_DEPTH deep; never throws. */
export function parseBoundedJson(text: string): BoundedJson {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    return { ok: false, reason: 'depth' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'syntax' };
  }
}
