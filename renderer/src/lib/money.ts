/** US dollars as the cost view shows them: cents from a dollar up, three significant digits below (never `1e-7`). */
export function usd(value: number): string {
  if (value === 0) return '$0.00';
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (abs >= 1) return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const digits = Math.min(12, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  const text = abs.toFixed(digits);
  // Drop trailing zeros past the cents.
  const [whole, frac] = text.split('.');
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${sign}$${whole}.${trimmed}`;
}

/** A count as the cost view shows it: whole numbers grouped, fractions (GB, GB-seconds, shard hours) to 4 significant digits. */
export function quantity(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (value === 0) return '0';
  return Number(value.toPrecision(4)).toLocaleString('en-US', { maximumSignificantDigits: 4 });
}
