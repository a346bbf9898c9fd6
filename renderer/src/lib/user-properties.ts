/** MQTT 5 user properties typed one per line as `name: value` (or `name=value`), in order, duplicates allowed. */
export function parseUserProperties(text: string): { pairs: [string, string][]; problem: string } {
  const pairs: [string, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const at = line.search(/[:=]/);
    if (at <= 0) return { pairs, problem: `User property line ${i + 1}: write it as name: value` };
    pairs.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  }
  return { pairs, problem: '' };
}
