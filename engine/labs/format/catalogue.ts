/**
 * The lab catalogue: every `labs/<nn>-<slug>/` folder shipped with Thingbench, loaded and checked, in id order.
 * `findLab` takes what an attendee types: `1`, `01`, `getting-set-up` or `01-getting-set-up`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError, type Problem } from '../../core/index.js';
import { loadLab } from './load.js';
import type { Lab } from './types.js';

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
