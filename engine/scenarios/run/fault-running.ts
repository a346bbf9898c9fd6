import { EngineError } from '../../core/index.js';
import type { FaultResult, FaultSpec } from '../../devices/index.js';
import type { RunningDevice } from '../steps/step.js';

/** Thing names and client ids of a started device or fleet. */
const idsOf = (r: RunningDevice): Array<{ thingName: string; clientId: string }> =>
  r.kind === 'fleet' ? [...r.fleet.devices] : r.devices.map((d) => ({ thingName: d.spec.thingName, clientId: d.spec.clientId }));

/**
 * Applies one fault to started devices and fleets (a scenario's `fault` step, a lab's `labs.fault`): to every device,
 * or only to those `only` names (thing names or client ids), each of which must be among them (`NotFound` naming the
 * others, `where` saying where they were looked for, and nothing applied).
 */
export async function faultRunning(running: readonly RunningDevice[], spec: FaultSpec, only: readonly string[] | undefined, where: string): Promise<FaultResult> {
  const wanted = only ? new Set(only) : undefined;
  if (wanted) {
    const known = new Set(running.flatMap((r) => idsOf(r).flatMap((d) => [d.thingName, d.clientId])));
    const unknown = [...wanted].filter((n) => !known.has(n));
    if (unknown.length) throw new EngineError('NotFound', `no device ${unknown.map((n) => `'${n}'`).join(', ')} in ${where}`);
  }
  const picked = (d: { thingName: string; clientId: string }) => !wanted || wanted.has(d.thingName) || wanted.has(d.clientId);
  let targeted = 0, applied = 0;
  for (const r of running) {
    if (r.kind === 'fleet') {
      const names = idsOf(r).filter(picked).map((d) => d.thingName);
      if (!names.length) continue;
      const res = await r.fleet.fault(spec, wanted ? { devices: names } : {});
      targeted += res.targeted;
      applied += res.applied;
    } else {
      const devices = r.devices.filter((d) => picked(d.spec));
      targeted += devices.length;
      applied += devices.filter((d) => d.fault(spec)).length;
    }
  }
  return { kind: spec.kind, targeted, applied };
}
