/** Saved SQL console queries: a name and its text, with a few shipped examples that cannot be deleted. */

export interface SavedQuery {
  name: string;
  sql: string;
  /** Shipped with the app. */
  example?: boolean;
}

export const exampleQueries: readonly SavedQuery[] = [
  {
    name: 'Messages per topic',
    example: true,
    sql: `-- How many messages each topic carried, and when the last one came
SELECT topic,
       COUNT(*) AS messages,
       datetime(MAX(time) / 1000, 'unixepoch') AS last_message
FROM messages
GROUP BY topic
ORDER BY messages DESC;`,
  },
  {
    name: 'Average temperature per device per minute',
    example: true,
    sql: `-- JSON payload fields: payload ->> '$.field' (or the "payload.field" columns)
SELECT time / 60000 * 60000 AS minute,
       client_id AS device,
       ROUND(AVG(payload ->> '$.temperature'), 2) AS avg_temperature,
       COUNT(*) AS readings
FROM messages
WHERE payload ->> '$.temperature' IS NOT NULL
GROUP BY minute, device
ORDER BY minute, device;`,
  },
  {
    name: 'Queue messages from a rule',
    example: true,
    sql: `-- Each queue message with the rule that sent it and the MQTT message it came from
SELECT q.sink AS queue,
       e.rule,
       datetime(q.time / 1000, 'unixepoch') AS sent,
       m.topic,
       q.data ->> '$.body' AS body
FROM queue_messages q
LEFT JOIN rule_evaluations e ON e.trace_id = q.trace_id AND e.matched
LEFT JOIN messages m ON m.id = e.message_id
ORDER BY q.time DESC;`,
  },
  {
    name: 'Things with their shadows',
    example: true,
    sql: `SELECT t.name, t.type, COUNT(s.thing) AS shadows, MAX(s.version) AS newest_version
FROM things t
LEFT JOIN shadows s ON s.thing = t.name
GROUP BY t.name
ORDER BY t.name;`,
  },
];

/** The user's saved queries from their stored JSON; anything malformed is left out. */
export function parseSaved(json: string | null): SavedQuery[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v)) return [];
    return v.filter((q): q is SavedQuery => typeof q?.name === 'string' && typeof q?.sql === 'string' && q.name.trim() !== '')
      .map((q) => ({ name: q.name, sql: q.sql }));
  } catch {
    return [];
  }
}

/** Saves `query` under its name: replaces a saved query of the same name, else adds it; sorted by name. */
export function withSaved(saved: readonly SavedQuery[], query: SavedQuery): SavedQuery[] {
  const name = query.name.trim();
  return [...saved.filter((q) => q.name !== name), { name, sql: query.sql }].sort((a, b) => a.name.localeCompare(b.name));
}
