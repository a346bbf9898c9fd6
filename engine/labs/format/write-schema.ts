/** Writes `schemas/lab.schema.json` from the check kinds: `npx tsx engine/labs/format/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { buildLabSchema } from './schema.js';

export const labSchemaText = (): string => `${JSON.stringify(buildLabSchema(true), null, 2)}\n`;

if (process.argv[1]?.endsWith('write-schema.ts') && process.argv[1].includes('labs')) {
  writeFileSync(new URL('../../../schemas/lab.schema.json', import.meta.url), labSchemaText());
}
