/**
 * Yields to the event loop so that waiting messages (a cancel) are handled: `setImmediate` where
 * the host has it (Node), else a MessageChannel round trip (a Web Worker), which unlike
 * `setTimeout(0)` is not clamped to 4 ms.
 */
type Immediate = (callback: () => void) => unknown;

const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;

/** The part of a MessageChannel used here (Node and the DOM type it differently). */
interface Channel {
  port1: { onmessage: ((event: unknown) => void) | null };
  port2: { postMessage(message: unknown): void };
}

let channel: Channel | undefined;
const waiting: (() => void)[] = [];

function viaChannel(resolve: () => void): void {
  if (!channel) {
    channel = new MessageChannel() as unknown as Channel;
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  waiting.push(resolve);
  channel.port2.postMessage(null);
}

/** Resolves after the messages already queued have been handled. */
export function yieldNow(): Promise<void> {
  return new Promise<void>((resolve) => (immediate ? immediate(resolve) : viaChannel(resolve)));
}

/** Runs a callback after the current task, as `setImmediate` does. */
export function later(callback: () => void): void {
  void yieldNow().then(callback);
}
