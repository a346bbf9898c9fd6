/** Job targets: thing and thing group ARNs resolved to the things they name. */
import { EngineError } from '../core/index.js';
import { parseTargets } from './job-input.js';
import type { JobTargets } from './jobs-service-types.js';

/** The things that target ARNs name now (groups with their child groups), each once, in the targets' order. */
export function resolveTargets(targets: JobTargets, arns: string[]): string[] {
  const things = new Set<string>();
  for (const t of parseTargets(arns)) {
    if (t.kind === 'thing') {
      if (!targets.thingExists(t.name)) throw new EngineError('NotFound', `Thing ${t.name} does not exist`);
      things.add(t.name);
    } else {
      if (!targets.groupExists(t.name)) throw new EngineError('NotFound', `Thing group ${t.name} does not exist`);
      for (const m of targets.groupMembers(t.name)) things.add(m);
    }
  }
  return [...things];
}
