/** The UI contract's `shadow` area over the service: the same validation and messages as the MQTT and HTTP edges. */
import type { JsonValue, ShadowDocument, ShadowUpdateResult, ThingbenchApi } from '../contract/index.js';
import { parseUpdateDocument } from './shadow-request.js';
import type { ShadowService } from './shadow-service.js';

const address = (thing: string, name?: string | null) => ({ thing, name: name ?? null });

export function shadowApi(shadows: ShadowService): ThingbenchApi['shadow'] {
  return {
    list: async (thing) => shadows.list(thing ?? undefined),
    get: async (thing, name) => shadows.get(address(thing, name)) as ShadowDocument,
    update: async (thing, patch, name) =>
      (await shadows.update(address(thing, name), parseUpdateDocument(patch as unknown as JsonValue))) as ShadowUpdateResult,
    delete: async (thing, name) => shadows.delete(address(thing, name)),
    history: async (thing, name, limit) => shadows.history(address(thing, name), limit ?? undefined),
  };
}
