// Omit mode: a copy of the payload without the keys (and array items) at the given JSON Pointers. Keys are deleted
// first and array items last, from the highest index down, so no removal shifts another pointer's target.

function segments(pointer: string): string[] {
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(root: unknown, segs: readonly string[]): unknown {
  let node = root;
  for (const seg of segs.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = Array.isArray(node) ? node[Number(seg)] : (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** Returns the pointers actually removed (a pointer whose target is already gone, or the root, is skipped). */
export function omitPointers(payload: Record<string, unknown>, pointers: readonly string[]): { payload: Record<string, unknown>; removed: Set<string> } {
  const copy = structuredClone(payload);
  const removed = new Set<string>();
  const fromArrays = new Map<unknown[], { index: number; pointer: string }[]>();
  for (const pointer of pointers) {
    if (pointer === '') continue;
    const segs = segments(pointer);
    const parent = parentOf(copy, segs);
    const last = segs[segs.length - 1]!;
    if (Array.isArray(parent)) {
      const index = Number(last);
      if (!Number.isInteger(index) || index >= parent.length) continue;
      const list = fromArrays.get(parent) ?? [];
      list.push({ index, pointer });
      fromArrays.set(parent, list);
    } else if (typeof parent === 'object' && parent !== null && Object.hasOwn(parent, last)) {
      delete (parent as Record<string, unknown>)[last];
      removed.add(pointer);
    }
  }
  for (const [array, items] of fromArrays) {
    const unique = [...new Map(items.map((i) => [i.index, i])).values()].sort((a, b) => b.index - a.index);
    for (const { index, pointer } of unique) {
      array.splice(index, 1);
      removed.add(pointer);
    }
  }
  return { payload: copy, removed };
}
