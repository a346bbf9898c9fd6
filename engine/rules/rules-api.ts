/** The UI contract's `rules` area over the service. */
import type { ThingbenchApi } from '../contract/index.js';
import type { RulesService } from './rules-service.js';

export function rulesApi(rules: RulesService): ThingbenchApi['rules'] {
  return {
    list: async () => rules.list(),
    get: async (name) => rules.get(name),
    put: async (name, payload) => rules.put(name, payload),
    delete: async (name) => rules.delete(name),
    enable: async (name) => rules.setDisabled(name, false),
    disable: async (name) => rules.setDisabled(name, true),
    check: async (sql, version) => rules.check(sql, version ?? undefined),
    test: async (input) => rules.test(input),
    metrics: async (name) => rules.metrics(name ?? undefined),
    trace: async (query) => rules.traceQuery(query ?? undefined),
  };
}
