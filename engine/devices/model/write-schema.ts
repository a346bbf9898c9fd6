/** Writes `schemas/device-model.schema.json` from `schema.ts`: `npx tsx engine/devices/model/write-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { deviceModelSchema } from './schema.js';

export const schemaFileText = (): string => `${JSON.stringify(deviceModelSchema, null, 2)}\n`;

if (process.argv[1]?.endsWith('write-schema.ts')) {
  writeFileSync(new URL('../../../schemas/device-model.schema.json', import.meta.url), schemaFileText());
}
