/** An adapter's refusals as the UI lists them: by response code, in code order (`4.01` before `4.29`, `401` before `403`). */
export function refusalList(refused: Readonly<Record<string, number>>): { code: string; count: number }[] {
  return Object.entries(refused)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([code, count]) => ({ code, count }));
}

/** All the refusals of an adapter. */
export function refusedTotal(refused: Readonly<Record<string, number>>): number {
  return Object.values(refused).reduce((sum, n) => sum + n, 0);
}
