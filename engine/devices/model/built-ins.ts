/** The built-in models shipped in `engine/devices/models/` (the AWS IoT workshop devices). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDeviceModel } from './load.js';
import type { DeviceModel } from './types.js';

/** Folder of the built-in model files. */
export const BUILT_IN_MODELS_DIR = fileURLToPath(new URL('../models/', import.meta.url));

/** Loads every built-in model, by name. */
export function loadBuiltInModels(): Map<string, DeviceModel> {
  const out = new Map<string, DeviceModel>();
  for (const f of readdirSync(BUILT_IN_MODELS_DIR).filter((n) => n.endsWith('.yaml')).sort()) {
    const m = loadDeviceModel(readFileSync(`${BUILT_IN_MODELS_DIR}${f}`, 'utf8'), f);
    out.set(m.name, m);
  }
  return out;
}
