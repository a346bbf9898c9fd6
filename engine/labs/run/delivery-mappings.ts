/**
 * A lab's delivery-class mappings (`thingbench delivery put`, a solution's `delivery` step): the engine's own, so
 * found through its contract, not by a name prefix. A mapping is the lab's when its device is one of the lab's names
 * for the attendee, or a level of its topic filter is (`meters/l15-alice-meter/alarm`).
 */
import type { Target } from '../../scenarios/index.js';
import { labNames, type LabOptions } from '../format/env.js';
import type { Lab } from '../format/types.js';

export interface DeliveryMappingResource {
  kind: 'deliveryMapping';
  /** The filter, or `device <name>`. */
  name: string;
  /** The mapping's id. */
  ref: string;
}

/** The lab's mappings on a target with delivery classes (none elsewhere: AWS has no such thing). */
export async function labDeliveryMappings(lab: Lab, target: Target, opts: LabOptions = {}): Promise<DeliveryMappingResource[]> {
  if (!target.api) return [];
  const names = new Set(Object.values(labNames(lab, opts)));
  const mine = (m: { filter?: string; device?: string }) => (m.device !== undefined && names.has(m.device)) || (m.filter?.split('/').some((level) => names.has(level)) ?? false);
  return (await target.api.delivery.list()).filter(mine).map((m) => ({ kind: 'deliveryMapping', name: m.filter ?? `device ${m.device}`, ref: m.id }));
}

/** Removes one mapping (gone already is fine: a reset may race another). */
export async function removeDeliveryMapping(target: Target, id: string): Promise<void> {
  await target.api!.delivery.delete(id).catch((e: { code?: string }) => {
    if (e.code !== 'NotFound') throw e;
  });
}
