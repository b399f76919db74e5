// Long loops written as generators that yield now and then, so that the same code runs at once
// (tests, small graphs) or in slices of a few milliseconds with the main thread free in between
// (a 10,000-layer model), and no task blocks input or painting for long.

/** Work that yields between parts and returns a value when done. */
export type Steps<T> = Generator<void, T, void>;

/** Runs steps to the end at once. */
export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) {
      return next.value;
    }
  }
}

interface Scheduler {
  yield?: () => Promise<void>;
}

/** Gives the main thread back (to input, rendering, other tasks), then resumes. */
export function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (scheduler?.yield) {
    return scheduler.yield();
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs steps in slices of about `budgetMs`, yielding the main thread between them. */
export async function runSliced<T>(steps: Steps<T>, budgetMs = 10): Promise<T> {
  let deadline = performance.now() + budgetMs;
  for (;;) {
    const next = steps.next();
    if (next.done) {
      return next.value;
    }
    if (performance.now() > deadline) {
      await yieldToMain();
      deadline = performance.now() + budgetMs;
    }
  }
}
