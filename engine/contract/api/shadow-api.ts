import type { ShadowDeleteResult, ShadowDocument, ShadowPatch, ShadowSummary, ShadowUpdateResult, ShadowVersion } from '../shadow-types.js';

/** Device shadows; `name` omitted or null means the classic (unnamed) shadow. Same rules as MQTT and HTTP. */
export interface ShadowApi {
  /** Live shadows, optionally of one thing. */
  list(thing?: string): Promise<ShadowSummary[]>;
  /** The document with its delta; NotFound when the shadow does not exist. */
  get(thing: string, name?: string | null): Promise<ShadowDocument>;
  /** Applies a request state document; publishes the same accepted, delta and documents messages as MQTT. */
  update(thing: string, patch: ShadowPatch, name?: string | null): Promise<ShadowUpdateResult>;
  delete(thing: string, name?: string | null): Promise<ShadowDeleteResult>;
  /** Stored versions, newest first (bounded per shadow by the engine's history size). */
  history(thing: string, name?: string | null, limit?: number): Promise<ShadowVersion[]>;
}
