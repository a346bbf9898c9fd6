/**
 * The device models a user has: the built-ins (`engine/devices/models/`) and the custom ones in `<dataDir>/models/`
 * (`*.yaml`, `*.yml`). A custom model that does not load is listed with its `file:line:col` problems, never thrown, so
 * one broken file does not hide the others. A custom model may take a built-in's name: it replaces the built-in.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../core/index.js';
import { BUILT_IN_MODELS_DIR } from './built-ins.js';
import { loadDeviceModel } from './load.js';
import type { Problem } from './positions.js';
import type { DeviceModel } from './types.js';

export interface CatalogModel {
  model: DeviceModel;
  /** The file it came from. */
  file: string;
  /** Folder its replay files are read relative to. */
  dir: string;
  builtIn: boolean;
}

export interface CatalogError {
  file: string;
  /** The problems as `file:line:col: message` lines. */
  message: string;
  problems?: Problem[];
}

export interface ModelCatalog {
  /** By name, sorted; custom models replace built-ins of the same name. */
  models: CatalogModel[];
  errors: CatalogError[];
}

/** `<dataDir>/models`: where custom models live. */
export const customModelsDir = (dataDir: string): string => join(dataDir, 'models');

/** Reads the built-in models and, with a data directory, the custom ones. */
export function loadModelCatalog(dataDir?: string): ModelCatalog {
  const byName = new Map<string, CatalogModel>();
  const errors: CatalogError[] = [];
  const read = (dir: string, builtIn: boolean) => {
    for (const name of modelFiles(dir)) {
      const file = join(dir, name);
      try {
        const model = loadDeviceModel(readFileSync(file, 'utf8'), builtIn ? name : file);
        const earlier = byName.get(model.name);
        if (earlier && !earlier.builtIn) {
          errors.push({ file, message: `${file}: model '${model.name}' is already defined in ${earlier.file}` });
          continue;
        }
        byName.set(model.name, { model, file, dir, builtIn });
      } catch (e) {
        const details = e instanceof EngineError ? (e.details as { problems?: Problem[] } | undefined) : undefined;
        errors.push({ file, message: (e as Error).message, ...(details?.problems ? { problems: details.problems } : {}) });
      }
    }
  };
  read(BUILT_IN_MODELS_DIR, true);
  if (dataDir !== undefined) read(customModelsDir(dataDir), false);
  return { models: [...byName.values()].sort((a, b) => a.model.name.localeCompare(b.model.name)), errors };
}

/**
 * A model by name from the catalogue. NotFound names the models there are, and says when a custom file of that
 * name failed to load.
 */
export function findModel(catalog: ModelCatalog, name: string): CatalogModel {
  const found = catalog.models.find((m) => m.model.name === name);
  if (found) return found;
  const broken = catalog.errors.filter((e) => /[\\/]([^\\/]+)\.ya?ml$/.exec(e.file)?.[1] === name);
  if (broken.length) throw new EngineError('InvalidInput', `model '${name}' does not load:\n${broken.map((b) => b.message).join('\n')}`);
  throw new EngineError('NotFound', `no device model '${name}'; the models are ${catalog.models.map((m) => m.model.name).join(', ')}`);
}

function modelFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
}
