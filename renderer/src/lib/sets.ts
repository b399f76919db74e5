// Immutable set updates: collapse state is replaced, never mutated, so $state.raw sees each change.

/** A new set with an item added or removed. */
export function toggled<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  const next = new Set(set);
  if (!next.delete(item)) {
    next.add(item);
  }
  return next;
}

/** A new set without some items. */
export function without<T>(set: ReadonlySet<T>, items: Iterable<T>): ReadonlySet<T> {
  const next = new Set(set);
  for (const item of items) {
    next.delete(item);
  }
  return next;
}

/** A set of items. */
export function setOf<T>(items: Iterable<T> = []): ReadonlySet<T> {
  return new Set(items);
}
