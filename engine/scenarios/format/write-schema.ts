/** Writes `schemas/scenario.schema.json` from the step registry: `npx tsx engine/scenarios/format/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { scenarioSchema } from './schema.js';

export const scenarioSchemaText = (): string => `${JSON.stringify(scenarioSchema, null, 2)}\n`;

if (process.argv[1]?.endsWith('write-schema.ts')) {
  writeFileSync(new URL('../../../schemas/scenario.schema.json', import.meta.url), scenarioSchemaText());
}
