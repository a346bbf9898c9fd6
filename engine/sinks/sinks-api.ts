/** The UI contract's `sinks` area over the service. */
import type { ThingbenchApi } from '../contract/index.js';
import type { SinkService } from './sink-service.js';

export function sinksApi(sinks: SinkService): ThingbenchApi['sinks'] {
  return {
    list: async (kind) => sinks.list(kind ?? undefined),
    create: async (kind, name, options) => sinks.create(kind, name, options ?? undefined),
    delete: async (kind, name) => sinks.delete(kind, name),
    records: async (kind, name, query) => sinks.records(kind, name, query ?? undefined),
  };
}
