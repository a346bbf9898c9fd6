import { topicMatches as matchesFilter } from '../../contract/index.js';
/** The device-side copy of its shadow state: deep merge of a delta, and the part of a delta a device accepts. */
export type State = Record<string, unknown>;

const isObject = (v: unknown): v is State => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merges `patch` into a copy of `base`: objects merge key by key, anything else (arrays too) replaces, null deletes. */
export function mergeState(base: State, patch: State): State {
  const out: State = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = mergeState(out[k] as State, v);
    else out[k] = v;
  }
  return out;
}

/** The top-level keys of `delta` named in `keys` (a partial apply); all of it when `keys` is undefined. */
export function pickKeys(delta: State, keys: string[] | undefined): State {
  if (!keys) return delta;
  return Object.fromEntries(Object.entries(delta).filter(([k]) => keys.includes(k)));
}

/** MQTT topic filter matching (`+` one level, `#` the rest), for routing messages among a device's subscriptions. */
export function topicMatches(filter: string, topic: string): boolean {
  return matchesFilter(filter, topic, { dollar: true }); // the broker already kept `$` topics from leading wildcards
}
