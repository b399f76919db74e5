/**
 * Error codes and the result envelope that crosses every boundary (IPC, HTTP/WebSocket, worker).
 * A thrown error loses all but its message on the way; an envelope keeps the code.
 */

/** What went wrong, in a word a program can switch on. */
export type ErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_REQUEST'
  | 'BACKEND_UNAVAILABLE'
  | 'MEMORY_BUDGET'
  | 'ENGINE_CRASHED'
  | 'CANCELLED'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  /** A model file that cannot be read: empty, truncated, not a model, inconsistent weights. */
  | 'INVALID_MODEL_FILE'
  /** A model that can be described but not run (a layer class the engine does not know). */
  | 'NOT_RUNNABLE'
  | 'INTERNAL';

/** A failure a person can read: a short message naming the thing and the fix. */
export interface ApiErrorInfo {
  code: ErrorCode;
  message: string;
}

/** The outcome of a call, as it crosses a boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo };

/** An error with a code, thrown on our side of a boundary and turned into a Result at it. */
export class InspectorError extends Error {
  override readonly name = 'InspectorError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The envelope form of this error. */
  toInfo(): ApiErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into an ApiErrorInfo; unknown errors become INTERNAL with their message. */
export function toErrorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof InspectorError) {
    return error.toInfo();
  }
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    const { code, message } = error as { code: unknown; message: unknown };
    if (typeof code === 'string' && typeof message === 'string' && isErrorCode(code)) {
      return { code, message };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Internal error: ${message}` };
}

const CODES: readonly ErrorCode[] = [
  'INVALID_CONFIG',
  'INVALID_REQUEST',
  'INVALID_MODEL_FILE',
  'NOT_RUNNABLE',
  'BACKEND_UNAVAILABLE',
  'MEMORY_BUDGET',
  'ENGINE_CRASHED',
  'CANCELLED',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'INTERNAL',
];

/** Whether a string is one of our error codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return (CODES as readonly string[]).includes(code);
}
