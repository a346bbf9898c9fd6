import type { RegistryPage } from '../contract/index.js';

/** Rows fetched with `limit + 1`: the extra one says another page follows. */
export function page<T>(rows: T[], limit: number, key: (t: T) => string): RegistryPage<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, after: key(items[items.length - 1]) };
}
