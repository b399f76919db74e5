/**
 * Groups from layer names, for models that name their layers by structure, as keras.applications
 * does (`conv2_block1_1_conv`, `conv2_block1_2_bn`, …): a name prefix becomes a group when the
 * layers that carry it follow one another, there are at least two of them, and the prefix repeats
 * with other numbers (`conv2_block1`, `conv2_block2`). Default Keras names (`conv2d_7`) never
 * qualify: their runs are not contiguous. At most two levels of such groups, within each scope.
 */

/** A group found from names. */
export interface PrefixGroup {
  prefix: string;
  /** Positions (in the list given) of the layers inside. */
  members: number[];
  /** The enclosing prefix group, if any. */
  parent?: string;
}

/** The most levels of name groups within one scope. */
const MAX_LEVELS = 2;

/** `conv2_block1` → `conv#_block#`: the prefix with its numbers blanked. */
const pattern = (prefix: string): string => prefix.replace(/\d+/g, '#');

/** The prefixes of a name, shortest first: `conv2_block1_1_conv` → conv2, conv2_block1, … */
function prefixesOf(name: string): string[] {
  const parts = name.split('_');
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('_'));
}

const covers = (prefix: string, name: string): boolean =>
  name === prefix || name.startsWith(`${prefix}_`);

/** The qualifying groups among `names` at one level (positions are indexes into `names`). */
function levelGroups(
  names: readonly string[],
  positions: readonly number[],
): Map<string, number[]> {
  const candidates = new Map<string, number[]>();
  for (const position of positions) {
    for (const prefix of prefixesOf(names[position])) {
      const members = candidates.get(prefix) ?? [];
      members.push(position);
      candidates.set(prefix, members);
    }
  }
  const contiguous = [...candidates].filter(([prefix, members]) => {
    if (members.length < 2 || !/\d/.test(prefix)) {
      return false;
    }
    const first = positions.indexOf(members[0]);
    // Every layer between the first and the last member carries the prefix too.
    return (
      members.every((member, index) => positions[first + index] === member) &&
      positions
        .slice(first, first + members.length)
        .every((position) => covers(prefix, names[position]))
    );
  });
  const byPattern = new Map<string, number>();
  for (const [prefix] of contiguous) {
    byPattern.set(pattern(prefix), (byPattern.get(pattern(prefix)) ?? 0) + 1);
  }
  // Shortest prefixes win: a layer goes to the first (outermost) group that takes it.
  const chosen = new Map<string, number[]>();
  const taken = new Set<number>();
  for (const [prefix, members] of contiguous.sort(([a], [b]) => a.length - b.length)) {
    if (
      (byPattern.get(pattern(prefix)) ?? 0) >= 2 &&
      members.every((member) => !taken.has(member))
    ) {
      chosen.set(prefix, members);
      members.forEach((member) => taken.add(member));
    }
  }
  return chosen;
}

/**
 * Name groups of a list of layer names in topological order (one scope: the top model or a nested
 * one), outer groups before inner ones.
 */
export function prefixGroups(names: readonly string[]): PrefixGroup[] {
  const groups: PrefixGroup[] = [];
  const visit = (positions: readonly number[], level: number, parent?: string): void => {
    if (level >= MAX_LEVELS) {
      return;
    }
    for (const [prefix, members] of levelGroups(names, positions)) {
      groups.push({ prefix, members, parent });
      // Inside, names are looked at past the prefix: `conv2_block1` inside `conv2`.
      visit(
        members.filter((member) => names[member] !== prefix),
        level + 1,
        prefix,
      );
    }
  };
  visit(
    names.map((_, index) => index),
    0,
  );
  return groups;
}
