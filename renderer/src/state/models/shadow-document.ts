/**
 * Plain helpers over shadow documents for the Shadows view: a state section with its metadata as rows to show, the
 * differences between two versions, and the list of shadows grouped by thing.
 */
import type { JsonObject, JsonValue, ShadowMetadata, ShadowSummary, ShadowVersion } from '../../../../engine/contract/index.js';

export interface StateRow {
  /** Dot path from the section, e.g. `lights.color.r`; unique within a section. */
  path: string;
  key: string;
  depth: number;
  /** JSON text of a leaf (arrays are leaves: AWS replaces them whole); undefined for an object. */
  value?: string;
  /** Epoch seconds of the newest write under this row, from the metadata. */
  timestamp?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The newest `timestamp` anywhere in a metadata value. */
export function newestTimestamp(meta: ShadowMetadata | undefined): number | undefined {
  if (meta === undefined || meta === null) return undefined;
  if (Array.isArray(meta)) {
    let best: number | undefined;
    for (const m of meta) {
      const t = newestTimestamp(m);
      if (t !== undefined && (best === undefined || t > best)) best = t;
    }
    return best;
  }
  if (typeof (meta as { timestamp?: unknown }).timestamp === 'number') return (meta as { timestamp: number }).timestamp;
  let best: number | undefined;
  for (const m of Object.values(meta as Record<string, ShadowMetadata>)) {
    const t = newestTimestamp(m);
    if (t !== undefined && (best === undefined || t > best)) best = t;
  }
  return best;
}

/** A section as rows, depth first in key order, each with the timestamp its metadata gives. */
export function sectionRows(section: JsonObject | undefined, meta: ShadowMetadata | undefined): StateRow[] {
  const rows: StateRow[] = [];
  const walk = (obj: JsonObject, m: ShadowMetadata | undefined, prefix: string, depth: number) => {
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      const path = prefix ? `${prefix}.${key}` : key;
      const km = isObject(m) ? (m as Record<string, ShadowMetadata>)[key] : undefined;
      const timestamp = newestTimestamp(km);
      if (isObject(v)) {
        rows.push({ path, key, depth, ...(timestamp !== undefined ? { timestamp } : {}) });
        walk(v as JsonObject, km, path, depth + 1);
      } else {
        rows.push({ path, key, depth, value: JSON.stringify(v), ...(timestamp !== undefined ? { timestamp } : {}) });
      }
    }
  };
  if (section) walk(section, meta, '', 0);
  return rows;
}

export interface StateChange {
  /** `desired.color`, `reported.lights.on`, or `desired` for a whole section. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
}

type State = { desired?: JsonObject; reported?: JsonObject } | null | undefined;

function equal(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as JsonValue[]).length && a.every((v, i) => equal(v, (b as JsonValue[])[i]));
  const ka = Object.keys(a);
  const bo = b as JsonObject;
  return ka.length === Object.keys(bo).length && ka.every((k) => Object.hasOwn(bo, k) && equal(a[k], bo[k]));
}

/** What changed from state `a` to state `b`, leaf by leaf (objects are walked, arrays compared whole), in key order. */
export function diffStates(a: State, b: State): StateChange[] {
  const out: StateChange[] = [];
  const walk = (x: JsonValue | undefined, y: JsonValue | undefined, path: string) => {
    if (equal(x, y)) return;
    if (isObject(x) && isObject(y)) {
      const keys = [...Object.keys(x), ...Object.keys(y).filter((k) => !Object.hasOwn(x, k))];
      for (const k of keys) walk((x as JsonObject)[k], (y as JsonObject)[k], `${path}.${k}`);
      return;
    }
    if (x === undefined) out.push({ path, kind: 'added', after: JSON.stringify(y) });
    else if (y === undefined) out.push({ path, kind: 'removed', before: JSON.stringify(x) });
    else out.push({ path, kind: 'changed', before: JSON.stringify(x), after: JSON.stringify(y) });
  };
  for (const section of ['desired', 'reported'] as const) walk(a?.[section], b?.[section], section);
  return out;
}

/** The state of a stored version (`null` after a delete). */
export const versionState = (v: ShadowVersion | undefined): State => (v?.document ? v.document.state : null);

export interface ShadowGroup {
  thing: string;
  shadows: ShadowSummary[];
}

/** Shadows grouped by thing (classic first, then named by name), filtered by a case-insensitive text on thing or name. */
export function groupShadows(list: readonly ShadowSummary[], search: string): ShadowGroup[] {
  const q = search.trim().toLowerCase();
  const groups = new Map<string, ShadowSummary[]>();
  for (const s of list) {
    if (q && !s.thing.toLowerCase().includes(q) && !(s.name ?? 'classic').toLowerCase().includes(q)) continue;
    let g = groups.get(s.thing);
    if (!g) groups.set(s.thing, (g = []));
    g.push(s);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([thing, shadows]) => ({
      thing,
      shadows: shadows.sort((x, y) => (x.name === null ? -1 : y.name === null ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
    }));
}

/** One key for a shadow: the thing and its name (empty for the classic shadow). */
export const shadowKey = (thing: string, name: string | null) => `${thing}\u0000${name ?? ''}`;

/** The live shadows by thing and name, fed by the list and by `shadow.updated` events (never back to an older version). */
export class ShadowIndex {
  private readonly rows = new Map<string, ShadowSummary>();

  replace(list: readonly ShadowSummary[]): void {
    this.rows.clear();
    for (const s of list) this.rows.set(shadowKey(s.thing, s.name), s);
  }

  /** Applies one change; a delete removes the shadow, an update older than what is known is ignored. */
  apply(e: { thing: string; name: string | null; operation: 'update' | 'delete'; version: number; time: number }): void {
    const key = shadowKey(e.thing, e.name);
    if (e.operation === 'delete') {
      this.rows.delete(key);
      return;
    }
    const old = this.rows.get(key);
    if (!old || old.version <= e.version) this.rows.set(key, { thing: e.thing, name: e.name, version: e.version, updatedAt: e.time });
  }

  remove(thing: string, name: string | null): void {
    this.rows.delete(shadowKey(thing, name));
  }

  list(): ShadowSummary[] {
    return [...this.rows.values()];
  }
}
