/** `2026-12-05 14:03` in local time, for registry dates (creation, validity). */
export function formatDate(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The certificate id of a certificate ARN (`…:cert/<id>`), or the principal itself. */
export function certificateId(principal: string): string {
  return /:cert\/([0-9a-f]{64})$/.exec(principal)?.[1] ?? principal;
}
