/** Shadow timestamps are epoch seconds: `14:03:07` today, `2026-12-04 14:03:07` on another day, in local time. */
export function shadowTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** ISO 8601 in UTC with the epoch seconds, for a tooltip. */
export function shadowTimeTitle(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString()} (${seconds})`;
}
