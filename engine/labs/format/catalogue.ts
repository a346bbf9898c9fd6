/**
 * The lab catalogue: every `labs/<nn>-<slug>/` folder shipped with Thingbench, loaded and checked, in id order, and
 * the user's own labs (`loadLabCatalogue`: `--labs` folders, config `labs.dirs`, `<dataDir>/labs/`) after them.
 * `findLab` takes what an attendee types: `1`, `01`, `getting-set-up` or `01-getting-set-up`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError, type Problem } from '../../core/index.js';
import { loadLab } from './load.js';
import type { BrokenLab, Lab } from './types.js';

/** The shipped labs (`labs/` at the repository root). */
export const LABS_DIR = fileURLToPath(new URL('../../../labs/', import.meta.url));

/** Every lab under `dir`, in id order; a lab that does not load fails the whole catalogue with every problem. */
export function loadCatalogue(dir: string = LABS_DIR): Lab[] {
  const folders = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d{2}-/.test(d.name)).map((d) => d.name).sort() : [];
  const labs: Lab[] = [];
  const problems: Problem[] = [];
  for (const f of folders) {
    try {
      labs.push(loadLab(join(dir, f)));
    } catch (e) {
      const listed = e instanceof EngineError ? (e.details as { problems?: Problem[] } | undefined)?.problems : undefined;
      if (!listed) throw e;
      problems.push(...listed);
    }
  }
  const byId = new Map<number, Lab>();
  for (const lab of labs) {
    const other = byId.get(lab.id);
    if (other) problems.push({ file: lab.file, line: 1, col: 1, message: `the id ${lab.id} is also the id of ${other.dir}` });
    byId.set(lab.id, lab);
  }
  if (problems.length) throw new EngineError('InvalidInput', problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n'), { problems });
  return labs.sort((a, b) => a.id - b.id);
}

/** The lab an attendee names; NotFound lists the labs there are. */
export function findLab(labs: readonly Lab[], ref: string | number): Lab {
  const text = String(ref).trim();
  const lab = labs.find((l) => (/^\d+$/.test(text) && l.id === Number(text)) || l.slug === text || `${String(l.id).padStart(2, '0')}-${l.slug}` === text);
  if (!lab) throw new EngineError('NotFound', `no lab '${text}'; the labs are ${labs.map((l) => `${l.id} (${l.slug})`).join(', ') || 'none'}`, { reason: 'UnknownLab' });
  return lab;
}

export interface LabCatalogue {
  /** Shipped labs first (id order), then the user's in the order of their folders (id order within each). */
  labs: Lab[];
  /** User labs that do not load, or that take a number or slug already taken, with why. */
  broken: BrokenLab[];
}

export interface LabCatalogueOptions {
  /** The shipped labs (default: `labs/` of this Thingbench). */
  shipped?: string;
  /** The user's lab folders (`--labs`, config `labs.dirs`): each a folder of `nn-slug/` labs, or one lab folder. */
  dirs?: readonly string[];
  /** The data directory: its `labs/` folder holds labs too, when it exists. */
  dataDir?: string;
}

/** The user's lab folders: the given ones, then `<dataDir>/labs/` when it exists; each once. */
export function userLabDirs(opts: Pick<LabCatalogueOptions, 'dirs' | 'dataDir'>): string[] {
  const dirs = (opts.dirs ?? []).map((d) => resolve(d));
  const inData = opts.dataDir ? join(resolve(opts.dataDir), 'labs') : undefined;
  if (inData && existsSync(inData)) dirs.push(inData);
  return [...new Set(dirs)];
}

/**
 * The shipped labs and the user's: the shipped ones must all load (a broken shipped lab is Thingbench's bug, and CI
 * refuses it); a user lab that does not load, or whose number or slug another lab has (shipped labs first, then the
 * folders in order), is listed in `broken` with why, naming both paths, and the others load as usual.
 */
export function loadLabCatalogue(opts: LabCatalogueOptions = {}): LabCatalogue {
  const labs = loadCatalogue(opts.shipped ?? LABS_DIR).map((l): Lab => ({ ...l, source: 'shipped' }));
  const broken: BrokenLab[] = [];
  for (const dir of userLabDirs(opts)) {
    const found: Lab[] = [];
    for (const folder of labFolders(dir)) {
      const name = basename(folder);
      const m = /^(\d+)-(.*)$/.exec(name);
      const declared = { id: m ? Number(m[1]) : 0, slug: m ? m[2] : name };
      try {
        found.push({ ...loadLab(folder), source: 'user' });
      } catch (e) {
        const problems = e instanceof EngineError ? (e.details as { problems?: Problem[] } | undefined)?.problems : undefined;
        const error = problems?.length ? problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n') : (e as Error).message;
        broken.push({ ...declared, dir: folder, source: 'user', error });
      }
    }
    for (const lab of found.sort((a, b) => a.id - b.id)) {
      const same = labs.find((l) => l.id === lab.id || l.slug === lab.slug);
      if (same) {
        const what = same.id === lab.id ? `number ${lab.id}` : `slug ${lab.slug}`;
        broken.push({
          id: lab.id, slug: lab.slug, dir: lab.dir, source: 'user',
          error: `${lab.file}:1:1: the lab ${lab.dir} has the ${what} of the ${same.source === 'user' ? 'user' : 'shipped'} lab ${same.dir}: give it a number and slug of its own (its folder nn-slug, lab.yaml's id and slug)`,
        });
        continue;
      }
      labs.push(lab);
    }
  }
  return { labs, broken };
}

/** A folder of `nn-slug/` lab folders, or a lab folder itself (it has a lab.yaml); a missing folder is listed as broken. */
function labFolders(dir: string): string[] {
  if (existsSync(join(dir, 'lab.yaml'))) return [dir];
  if (!existsSync(dir)) return [dir]; // loadLab says there is no lab there
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d{2}-/.test(d.name)).map((d) => join(dir, d.name)).sort();
}
