/**
 * JSON from model files, parsed as untrusted input: a bounded nesting depth checked before
 * parsing, and keys that could reach an object's prototype refused outright.
 */
import { InspectorError } from '../../../shared/errors';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** The deepest nesting a model's JSON may have (Keras configs of nested models reach ~20). */
export const MAX_JSON_DEPTH = 256;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** An INVALID_MODEL_FILE error naming the file. */
export function fileError(fileName: string, problem: string): InspectorError {
  return new InspectorError('INVALID_MODEL_FILE', `${fileName}: ${problem}`);
}

/** The deepest nesting of brackets outside strings, found without parsing (O(n), no recursion). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) {
        i += 1; // skip the escaped character
      } else if (char === 0x22) {
        inString = false;
      }
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      deepest = Math.max(deepest, depth);
    } else if (char === 0x7d || char === 0x5d) {
      depth -= 1;
    }
  }
  return deepest;
}

/** Parses a model file's JSON text; throws INVALID_MODEL_FILE naming the file and the problem. */
export function parseModelJson(text: string, fileName: string): Json {
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw fileError(
      fileName,
      `its JSON nests deeper than ${MAX_JSON_DEPTH} levels; it is not a model.`,
    );
  }
  try {
    return JSON.parse(text, (key: string, value: Json) => {
      if (FORBIDDEN_KEYS.has(key)) {
        throw fileError(
          fileName,
          `it carries a "${key}" key, which no model file has; it is refused.`,
        );
      }
      return value;
    }) as Json;
  } catch (error) {
    if (error instanceof InspectorError) {
      throw error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw fileError(fileName, `it is not valid JSON (${reason}).`);
  }
}

/** Decodes UTF-8 bytes of a model file into text. */
export function utf8(bytes: Uint8Array, fileName: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fileError(fileName, 'it is not UTF-8 text.');
  }
}

/** Whether a JSON value is an object (not an array, not null). */
export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
