import fs from 'node:fs';

/** Numbered SQL migrations, applied once each in file-name order when a store opens. */
export interface Migration {
  id: string;
  sql: string;
}

const dir = new URL('./', import.meta.url);

export const migrations: Migration[] = fs.readdirSync(dir)
  .filter((f) => /^\d{4}-.+\.sql$/.test(f))
  .sort()
  .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: fs.readFileSync(new URL(f, dir), 'utf8') }));
