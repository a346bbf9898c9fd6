/** Lists of records with ids merged into one, each id once (the later list wins), ascending by id; the last `max` kept. */
export function mergeById<T extends { id: number }>(lists: readonly (readonly T[])[], max = Infinity): T[] {
  const byId = new Map<number, T>();
  for (const list of lists) for (const item of list) byId.set(item.id, item);
  const merged = [...byId.values()].sort((a, b) => a.id - b.id);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}
