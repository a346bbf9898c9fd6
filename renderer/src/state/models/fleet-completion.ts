/**
 * Completion of the fleet-search box: the field name being typed at the caret (`attr|` → `attributes.floor:`), from
 * the field names the engine's index has (`registry.searchFields`). Values, ranges and the words AND, OR and NOT are
 * left alone.
 */
export interface Completion {
  /** Where the term being typed starts and ends in the text. */
  start: number;
  end: number;
  options: string[];
}

const SEPARATOR = /[\s()]/;
const MAX_OPTIONS = 12;

export function completeField(text: string, caret: number, fields: readonly string[]): Completion | null {
  let start = caret;
  while (start > 0 && !SEPARATOR.test(text[start - 1])) start--;
  let end = caret;
  while (end < text.length && !SEPARATOR.test(text[end]) && text[end] !== ':') end++;
  const term = text.slice(start, caret);
  // A value is being typed (`floor:2`), or nothing yet.
  if (!term || term.includes(':') || text[end] === ':') return null;
  const lower = term.toLowerCase();
  const options = fields.filter((f) => f.toLowerCase().startsWith(lower) && f !== term);
  // Closer matches first: the fewest extra levels, then alphabetical.
  options.sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
  return options.length ? { start, end, options: options.slice(0, MAX_OPTIONS) } : null;
}

/** The text with the term replaced by `field:`, and where the caret goes (after the colon). */
export function applyField(text: string, completion: Completion, field: string): { text: string; caret: number } {
  const inserted = `${field}:`;
  return { text: text.slice(0, completion.start) + inserted + text.slice(completion.end), caret: completion.start + inserted.length };
}
