import type { ThingbenchApi } from '../../engine/contract/index.js';

/** Everything the registry, security, rules and sinks hold, by name: what a scenario run must leave as it found it. */
export async function engineInventory(api: Pick<ThingbenchApi, 'registry' | 'security' | 'rules' | 'sinks'>) {
  return {
    things: (await api.registry.things()).items.map((t) => t.name),
    types: (await api.registry.thingTypes()).map((t) => t.name),
    groups: (await api.registry.groups()).map((g) => g.name),
    certificates: (await api.security.certificates()).map((c) => c.id),
    policies: (await api.security.policies()).map((p) => p.name),
    rules: (await api.rules.list()).map((r) => r.name),
    sinks: (await api.sinks.list()).map((s) => `${s.kind}:${s.name}`),
  };
}
